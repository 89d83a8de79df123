import type { Direction, Trial } from '../study/types.js';

export type Decision = 'continue' | 'stop';

/** Everything a scheduler may look at when a trial reports an epoch. Pure: no clock, no I/O. */
export interface SchedulerContext {
  trial: Readonly<Trial>;
  epoch: number;
  value: number;
  /** Every trial of the study, read-only (the reporting one included, with this epoch recorded). */
  trials: readonly Trial[];
  direction: Direction;
}

/**
 * Decides how long a trial trains. It sees every per-epoch value and may stop a
 * trial (the trial is then `pruned`, keeping its best value so far).
 */
export interface Scheduler {
  readonly name: string;
  onEpoch(ctx: SchedulerContext): Decision;
  /**
   * The epochs at which this trial meets a rung (rung-based schedulers; empty for the others).
   * A function of the trial alone, so the report can mark rungs and promotions afterwards.
   */
  rungs?(trial: Readonly<Trial>): number[];
}

export interface SchedulerFactory {
  description: string;
  create(options: Record<string, unknown>): Scheduler;
}
