import type { ExecutionBackend, TrialHooks, TrialOutcome, TrialTask } from './backend.js';
import { gpuIndex, isGpu, type DeviceSlots } from './devices.js';
import { ProcessSlot } from './process-slot.js';
import { ThreadPoolBackend } from './thread-pool.js';

/** How CPU slots run: worker threads of the controller's process, or child processes. GPU slots are always processes. */
export type CpuIsolation = 'threads' | 'processes';

export interface DevicePoolOptions {
  devices: readonly DeviceSlots[];
  cpu?: CpuIsolation;
  /** JS heap limit of each worker (MiB). */
  heapMb?: number;
}

/** What runs the trials of one device. */
interface DeviceRunner {
  run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome>;
  close(): Promise<void>;
}

/** A device's slots as child processes, each reused across trials and restarted after a crash. */
class ProcessGroup implements DeviceRunner {
  private readonly free: ProcessSlot[];
  private readonly all: ProcessSlot[];

  constructor(device: string, slots: number, env: Record<string, string>, heapMb?: number) {
    this.all = Array.from({ length: slots }, (_, i) => new ProcessSlot(device, `${device}#${i}`, { env, ...(heapMb ? { heapMb } : {}) }));
    this.free = [...this.all];
  }

  async run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    const slot = this.free.shift();
    if (!slot) throw new Error('no free process slot (the device pool counts slots, so this is a bug)');
    try {
      return await slot.run(task, hooks);
    } finally {
      this.free.push(slot);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((s) => s.close()));
  }
}

/** The environment of a device's processes: a GPU slot sees its GPU only; a CPU process slot sees none. */
export function deviceEnv(device: string): Record<string, string> {
  return isGpu(device) ? { CUDA_VISIBLE_DEVICES: gpuIndex(device), TF_FORCE_GPU_ALLOW_GROWTH: 'true' } : { CUDA_VISIBLE_DEVICES: '' };
}

/**
 * The execution backend for devices × trials per device: the CPU's slots are piscina
 * worker threads (or processes), every GPU slot a child process pinned to its GPU. A trial
 * goes to the device with the most free slots (ties: the first listed), so no device ever
 * runs more trials at once than its slots.
 */
export class DevicePool implements ExecutionBackend {
  readonly name: string;
  readonly slots: number;
  readonly layout: ReadonlyArray<{ device: string; slots: number }>;
  private readonly runners = new Map<string, DeviceRunner>();
  private readonly busy = new Map<string, number>();

  constructor(o: DevicePoolOptions) {
    if (o.devices.length === 0) throw new Error('a device pool needs at least one device');
    const cpu = o.cpu ?? 'threads';
    this.name = cpu === 'threads' ? 'threads' : 'processes';
    this.layout = o.devices.map((d) => ({ device: d.id, slots: Math.max(1, d.slots) }));
    this.slots = this.layout.reduce((n, d) => n + d.slots, 0);
    for (const d of this.layout) {
      const heap = o.heapMb ? { heapMb: o.heapMb } : {};
      const runner = !isGpu(d.device) && cpu === 'threads' ? new ThreadPoolBackend(d.slots, { device: d.device, ...heap }) : new ProcessGroup(d.device, d.slots, deviceEnv(d.device), o.heapMb);
      this.runners.set(d.device, runner);
      this.busy.set(d.device, 0);
    }
  }

  /** Trials running now, per device. */
  running(): Record<string, number> {
    return Object.fromEntries(this.busy);
  }

  async run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    let pick: { device: string; free: number } | undefined;
    for (const d of this.layout) {
      const free = d.slots - this.busy.get(d.device)!;
      if (free > 0 && (!pick || free > pick.free)) pick = { device: d.device, free };
    }
    if (!pick) return { ok: false, error: `all ${this.slots} slots are busy (the study starts at most one trial per slot)`, worker: '-', backend: 'unknown' };
    const device = pick.device;
    this.busy.set(device, this.busy.get(device)! + 1);
    try {
      return await this.runners.get(device)!.run(task, hooks);
    } finally {
      this.busy.set(device, this.busy.get(device)! - 1);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.close()));
  }
}
