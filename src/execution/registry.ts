import type { ExecutionBackend } from './backend.js';
import { DevicePool } from './device-pool.js';
import type { DeviceSlots } from './devices.js';
import { InlineBackend } from './inline.js';

export interface BackendOptions {
  /** Devices and their slots (see devices.ts); slots = devices × trials per device. */
  devices: readonly DeviceSlots[];
  /** JS heap limit of each worker (MiB). */
  heapMb?: number;
}

/** Execution backends by name; `threads` is the default. */
export const BACKENDS = {
  threads: {
    description: 'CPU slots are piscina worker threads, each GPU slot a child process pinned to its GPU (the default)',
    gpus: true,
    create: (o: BackendOptions): ExecutionBackend => new DevicePool({ devices: o.devices, cpu: 'threads', ...(o.heapMb ? { heapMb: o.heapMb } : {}) }),
  },
  processes: {
    description: "every slot is a child process of its own, reused across trials (a native crash of a trial never reaches the sweep)",
    gpus: true,
    create: (o: BackendOptions): ExecutionBackend => new DevicePool({ devices: o.devices, cpu: 'processes', ...(o.heapMb ? { heapMb: o.heapMb } : {}) }),
  },
  inline: {
    description: 'one trial at a time on the main thread (CPU only; cannot stop a hung trial)',
    gpus: false,
    create: (_o: BackendOptions): ExecutionBackend => new InlineBackend(),
  },
} as const satisfies Record<string, { description: string; gpus: boolean; create(o: BackendOptions): ExecutionBackend }>;

export type BackendKind = keyof typeof BACKENDS;
