import type { SchedulerFactory } from './base.js';
import { fifoScheduler } from './fifo.js';

/** Every scheduler, by the name a space file or `--scheduler` uses. */
export const SCHEDULERS = {
  fifo: fifoScheduler,
} as const satisfies Record<string, SchedulerFactory>;

export type SchedulerName = keyof typeof SCHEDULERS;
