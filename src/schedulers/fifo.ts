import type { Scheduler, SchedulerFactory } from './base.js';

/** Every trial runs to the end of its recipe (its own early stopping aside). */
export class FifoScheduler implements Scheduler {
  readonly name = 'fifo';
  onEpoch(): 'continue' {
    return 'continue';
  }
}

export const fifoScheduler: SchedulerFactory = {
  description: 'no pruning: every trial trains for its full number of epochs',
  create: () => new FifoScheduler(),
};
