import type { Direction, Trial } from '../study/types.js';
import type { Decision, Scheduler, SchedulerContext } from './base.js';

export type Verdict = 'pass' | 'cut';

/**
 * A stopping rule judged at decision points (rungs, or every epoch). Pure: the
 * verdict is a function of the trial's stored values and the other trials as
 * they are in the view it is given.
 */
export interface StoppingRule {
  /** Whether the rule judges this trial after `epoch` (never at the trial's last epoch). */
  decides(trial: Readonly<Trial>, epoch: number): boolean;
  /** Whether the trial is above or below the cut at `epoch`, a decision point it has reached. */
  verdict(trial: Readonly<Trial>, epoch: number, trials: readonly Trial[], direction: Direction): Verdict;
  /** The trial's rungs, for rules that judge at rungs (not every epoch). */
  rungs?(trial: Readonly<Trial>): number[];
}

/**
 * Turns a rule into a scheduler, with patience: a trial is stopped only when it is
 * below the cut at its last `patience` decision points in a row, each judged
 * against the trials as they are now (so the answer is a function of the stored
 * values alone, and a resumed study gives it again). One noisy epoch at a rung
 * does not kill a good trial (Optuna #1447).
 */
export class RuleScheduler implements Scheduler {
  constructor(
    readonly name: string,
    private readonly rule: StoppingRule,
    private readonly patience = 1,
  ) {}

  rungs(trial: Readonly<Trial>): number[] {
    return this.rule.rungs?.(trial) ?? [];
  }

  onEpoch(ctx: SchedulerContext): Decision {
    const { trial, epoch, trials, direction } = ctx;
    if (!this.rule.decides(trial, epoch)) return 'continue';
    if (this.rule.verdict(trial, epoch, trials, direction) === 'pass') return 'continue';
    let cuts = 1;
    for (let e = epoch - 1; e >= 1 && cuts < this.patience; e--) {
      if (!this.rule.decides(trial, e)) continue;
      if (this.rule.verdict(trial, e, trials, direction) === 'pass') return 'continue';
      cuts++;
    }
    return cuts >= this.patience ? 'stop' : 'continue';
  }
}
