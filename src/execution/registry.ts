import type { ExecutionBackend } from './backend.js';
import { InlineBackend } from './inline.js';
import { ThreadPoolBackend } from './thread-pool.js';

/** Execution backends by name; `threads` is the default for CPU sweeps. */
export const BACKENDS = {
  threads: { description: 'a piscina pool of worker threads (one trial per thread)', create: (workers: number) => new ThreadPoolBackend(workers) },
  inline: { description: 'one trial at a time on the main thread', create: (_workers: number) => new InlineBackend() },
} as const satisfies Record<string, { description: string; create(workers: number): ExecutionBackend }>;

export type BackendKind = keyof typeof BACKENDS;
