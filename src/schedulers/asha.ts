import type { Direction, Trial } from '../study/types.js';
import type { SchedulerFactory } from './base.js';
import { quantileSorted } from './fidelity.js';
import { OptionReader } from './options.js';
import { RuleScheduler, type StoppingRule, type Verdict } from './rule.js';
import { Ranker } from './ranker.js';
import { othersAt, readPatience, readRungSettings, trialRungs, type RungSettings } from './successive-halving.js';

/**
 * Asynchronous successive halving, stopping style (ASHA as Ray Tune and Syne Tune
 * run it): at a rung a trial is compared with whatever trials have reached that
 * rung so far and goes on if it is at or above their (1 - 1/eta) quantile. It
 * never waits: a trial that reaches an empty rung goes on.
 */
export class AshaRule implements StoppingRule {
  constructor(private readonly s: RungSettings) {}

  rungs(trial: Readonly<Trial>): number[] {
    return trialRungs(trial, this.s, 0);
  }

  decides(trial: Readonly<Trial>, epoch: number): boolean {
    return this.rungs(trial).includes(epoch);
  }

  verdict(trial: Readonly<Trial>, epoch: number, trials: readonly Trial[], direction: Direction): Verdict {
    const ranker = new Ranker(trials, direction, this.s.ranking, this.s.maxResource);
    const mine = ranker.score(trial, epoch);
    if (mine === undefined || mine.mean === Number.NEGATIVE_INFINITY) return 'cut';
    const others = othersAt(ranker, trial, epoch, trials);
    if (!ranker.canBeatBest(mine)) return 'cut';
    if (others.length === 0) return 'pass';
    others.sort((a, b) => a - b);
    return ranker.upper(mine) >= quantileSorted(others, 1 - 1 / this.s.reductionFactor) ? 'pass' : 'cut';
  }
}

export const ashaScheduler: SchedulerFactory = {
  description: 'asynchronous successive halving: at each rung a trial goes on if in the top 1/eta of those that reached it so far; never waits',
  create(options) {
    const r = new OptionReader('asha', options);
    const s = readRungSettings(r);
    const patience = readPatience(r);
    r.done();
    return new RuleScheduler('asha', new AshaRule(s), patience);
  },
};
