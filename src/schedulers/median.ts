import type { Direction, Trial } from '../study/types.js';
import type { SchedulerFactory } from './base.js';
import { maxEpochsOf, quantileSorted, toScore, valueAt } from './fidelity.js';
import { OptionReader } from './options.js';
import { RuleScheduler, type StoppingRule, type Verdict } from './rule.js';
import { Ranker, readRanking, type Ranking, type Score } from './ranker.js';
import { readPatience } from './successive-halving.js';

export interface MedianSettings {
  /** No stopping until this many trials are complete. */
  nStartupTrials: number;
  /** The first epochs of every trial are never judged. */
  nWarmupSteps: number;
  /** Judge every this many epochs after the warm-up. */
  intervalSteps: number;
  /** Judge only when at least this many complete trials reached the epoch. */
  nMinTrials: number;
  /** 50 = the median; a trial goes on when at or above this percentile of the others. */
  percentile: number;
  maxResource?: number;
  ranking: Ranking;
}

/**
 * Median stopping (Optuna's MedianPruner): after the start-up trials and warm-up
 * epochs, a trial whose best value so far is below the median of the complete
 * trials' values at the same epoch is stopped. Ranked by `extrapolated`, both
 * sides are the values their curves up to that epoch predict at the end.
 */
export class MedianRule implements StoppingRule {
  constructor(private readonly s: MedianSettings) {}

  decides(trial: Readonly<Trial>, epoch: number): boolean {
    if (epoch <= this.s.nWarmupSteps || epoch >= maxEpochsOf(trial, this.s.maxResource)) return false;
    return (epoch - this.s.nWarmupSteps - 1) % this.s.intervalSteps === 0;
  }

  private mine(ranker: Ranker, trial: Readonly<Trial>, epoch: number, direction: Direction): Score {
    if (this.s.ranking.rankBy === 'extrapolated') return ranker.score(trial, epoch) ?? { mean: Number.NEGATIVE_INFINITY, sd: 0 };
    // the best value so far, as Optuna's pruner uses; NaN anywhere is the worst
    let best = Number.NEGATIVE_INFINITY;
    for (let e = 1; e <= epoch; e++) {
      const v = valueAt(trial, e);
      if (v === undefined) continue;
      if (Number.isNaN(v)) return { mean: Number.NEGATIVE_INFINITY, sd: 0 };
      best = Math.max(best, toScore(v, direction));
    }
    return { mean: best, sd: 0 };
  }

  verdict(trial: Readonly<Trial>, epoch: number, trials: readonly Trial[], direction: Direction): Verdict {
    const ranker = new Ranker(trials, direction, this.s.ranking, this.s.maxResource);
    let complete = 0;
    const others: number[] = [];
    for (const t of trials) {
      if (t.state !== 'complete' || t.number === trial.number) continue;
      complete++;
      const v = ranker.score(t, epoch);
      if (v !== undefined) others.push(v.mean);
    }
    if (complete === 0 || complete < this.s.nStartupTrials || others.length < this.s.nMinTrials) return 'pass';
    const mine = this.mine(ranker, trial, epoch, direction);
    others.sort((a, b) => a - b);
    return ranker.canBeatBest(mine) && ranker.upper(mine) >= quantileSorted(others, 1 - this.s.percentile / 100) ? 'pass' : 'cut';
  }
}

export const medianScheduler: SchedulerFactory = {
  description: 'median stopping: after start-up trials, stop a trial below the median of complete trials at the same epoch',
  create(options) {
    const r = new OptionReader('median', options);
    const s: MedianSettings = {
      nStartupTrials: r.number('n-startup-trials', 5, { min: 0, integer: true }),
      nWarmupSteps: r.number('n-warmup-steps', 0, { min: 0, integer: true }),
      intervalSteps: r.number('interval-steps', 1, { min: 1, integer: true }),
      nMinTrials: r.number('n-min-trials', 1, { min: 1, integer: true }),
      percentile: r.number('percentile', 50, { min: 0, max: 100 }),
      maxResource: r.optionalNumber('max-resource', { min: 1, integer: true }),
      ranking: readRanking(r),
    };
    const patience = readPatience(r);
    r.done();
    return new RuleScheduler('median', new MedianRule(s), patience);
  },
};
