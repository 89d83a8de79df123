import { ashaScheduler } from './asha.js';
import type { SchedulerFactory } from './base.js';
import { fifoScheduler } from './fifo.js';
import { hyperbandScheduler } from './hyperband.js';
import { medianScheduler } from './median.js';
import { successiveHalvingScheduler } from './successive-halving.js';

/** Every scheduler, by the name a space file or `--scheduler` uses. */
export const SCHEDULERS = {
  fifo: fifoScheduler,
  'successive-halving': successiveHalvingScheduler,
  hyperband: hyperbandScheduler,
  asha: ashaScheduler,
  median: medianScheduler,
} as const satisfies Record<string, SchedulerFactory>;

export type SchedulerName = keyof typeof SCHEDULERS;
