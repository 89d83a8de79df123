import type { Direction, Trial } from '../study/types.js';
import type { SchedulerFactory } from './base.js';
import { maxEpochsOf, rungEpochs } from './fidelity.js';
import { OptionReader } from './options.js';
import { Ranker, readRanking, type Ranking } from './ranker.js';
import { RuleScheduler, type StoppingRule, type Verdict } from './rule.js';

export interface RungSettings {
  /** First rung, in epochs. */
  minResource: number;
  /** eta: a rung keeps the top 1/eta. */
  reductionFactor: number;
  /** Fixed maximum epochs for every trial; default each trial's `optimizer.epochs`. */
  maxResource?: number;
  ranking: Ranking;
}

export interface SuccessiveHalvingSettings extends RungSettings {
  /** Rungs start at min·eta^rate (Optuna's min_early_stopping_rate). */
  minEarlyStoppingRate: number;
  /** A rung stops every trial until more than this many have reached it (Optuna's bootstrap_count). */
  bootstrapCount: number;
}

/** The rungs of one trial: min·eta^(rate+k) below its maximum epochs. */
export function trialRungs(trial: Readonly<Trial>, s: RungSettings, rate: number): number[] {
  return rungEpochs(s.minResource, s.reductionFactor, rate, maxEpochsOf(trial, s.maxResource));
}

/** The scores (means) of the trials other than `self`, among `peers`, that reached `epoch`. */
export function othersAt(ranker: Ranker, self: Readonly<Trial>, epoch: number, trials: readonly Trial[], peers?: (t: Readonly<Trial>) => boolean): number[] {
  const out: number[] = [];
  for (const t of trials) {
    if (t.number === self.number || (peers && !peers(t))) continue;
    const s = ranker.score(t, epoch);
    if (s !== undefined) out.push(s.mean);
  }
  return out;
}

/**
 * Optuna's SuccessiveHalvingPruner rule: at a rung, the n trials that reached it
 * (this one included) are ranked and this one goes on only if it is among the top
 * ⌊n/eta⌋, or, while fewer than eta have reached the rung, only if it is the best.
 * Asynchronous like Optuna's: a trial is judged against the rung as it is when it
 * arrives (trials cannot be paused to wait for a rung to fill).
 */
export class SuccessiveHalvingRule implements StoppingRule {
  constructor(
    private readonly s: SuccessiveHalvingSettings,
    private readonly peers?: (t: Readonly<Trial>) => boolean,
  ) {}

  rungs(trial: Readonly<Trial>): number[] {
    return trialRungs(trial, this.s, this.s.minEarlyStoppingRate);
  }

  decides(trial: Readonly<Trial>, epoch: number): boolean {
    return this.rungs(trial).includes(epoch);
  }

  verdict(trial: Readonly<Trial>, epoch: number, trials: readonly Trial[], direction: Direction): Verdict {
    const ranker = new Ranker(trials, direction, this.s.ranking, this.s.maxResource);
    const mine = ranker.score(trial, epoch);
    if (mine === undefined || mine.mean === Number.NEGATIVE_INFINITY) return 'cut';
    const competing = othersAt(ranker, trial, epoch, trials, this.peers);
    competing.push(mine.mean);
    if (competing.length <= this.s.bootstrapCount) return 'cut';
    const idx = Math.max(0, Math.floor(competing.length / this.s.reductionFactor) - 1);
    competing.sort((a, b) => b - a);
    return ranker.upper(mine) >= competing[idx]! && ranker.canBeatBest(mine) ? 'pass' : 'cut';
  }
}

export function readRungSettings(r: OptionReader): RungSettings {
  return {
    minResource: r.number('min-resource', 1, { min: 1, integer: true }),
    reductionFactor: r.number('reduction-factor', 3, { min: 1, exclusiveMin: true }),
    maxResource: r.optionalNumber('max-resource', { min: 1, integer: true }),
    ranking: readRanking(r),
  };
}

export function readPatience(r: OptionReader): number {
  return r.number('patience', 1, { min: 1, integer: true });
}

export const successiveHalvingScheduler: SchedulerFactory = {
  description: 'successive halving: at rungs min·eta^k epochs only the top 1/eta of the trials that reached the rung go on (Optuna semantics)',
  create(options) {
    const r = new OptionReader('successive-halving', options);
    const s: SuccessiveHalvingSettings = {
      ...readRungSettings(r),
      minEarlyStoppingRate: r.number('min-early-stopping-rate', 0, { min: 0, integer: true }),
      bootstrapCount: r.number('bootstrap-count', 0, { min: 0, integer: true }),
    };
    const patience = readPatience(r);
    r.done();
    return new RuleScheduler('successive-halving', new SuccessiveHalvingRule(s), patience);
  },
};
