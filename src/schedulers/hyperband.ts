import type { Direction, Trial } from '../study/types.js';
import type { SchedulerFactory } from './base.js';
import { maxEpochsOf } from './fidelity.js';
import { OptionReader } from './options.js';
import { RuleScheduler, type StoppingRule, type Verdict } from './rule.js';
import { readPatience, readRungSettings, SuccessiveHalvingRule, type RungSettings } from './successive-halving.js';

export interface HyperbandSettings extends RungSettings {
  bootstrapCount: number;
}

/** Brackets and how many trials of every `total` go to each (Optuna's HyperbandPruner allocation). */
export function hyperbandBrackets(minResource: number, maxResource: number, eta: number): { budgets: number[]; total: number; stride: number } {
  const n = Math.max(1, Math.floor(Math.log(maxResource / minResource) / Math.log(eta) + 1e-9) + 1);
  const budgets: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = n - 1 - i;
    budgets.push(Math.ceil((n * eta ** s) / (s + 1)));
  }
  const total = budgets.reduce((a, b) => a + b, 0);
  // a multiplicative stride near total/φ, coprime with total: every run of `total`
  // consecutive trials fills each bracket exactly, the brackets interleaved
  let stride = Math.max(1, Math.round(total * 0.6180339887));
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  while (gcd(stride, total) !== 1) stride++;
  return { budgets, total, stride };
}

/** The bracket of a trial: a function of its number only, so a resumed study places it again where it was. */
export function bracketOf(trialNumber: number, b: { budgets: number[]; total: number; stride: number }): number {
  let slot = (trialNumber * b.stride) % b.total;
  for (let i = 0; i < b.budgets.length; i++) {
    slot -= b.budgets[i]!;
    if (slot < 0) return i;
  }
  return b.budgets.length - 1;
}

/**
 * Hyperband as Optuna's HyperbandPruner runs it: brackets of successive halving
 * that start stopping at min·eta^b epochs (bracket b), the last one never
 * stopping; a trial competes only with trials of its own bracket. The bracket is
 * chosen from the trial's number (no hash of a study name, no randomness).
 */
export class HyperbandRule implements StoppingRule {
  private readonly layouts = new Map<number, ReturnType<typeof hyperbandBrackets>>();

  constructor(private readonly s: HyperbandSettings) {}

  private layout(trial: Readonly<Trial>) {
    const max = maxEpochsOf(trial, this.s.maxResource);
    let l = this.layouts.get(max);
    if (!l) this.layouts.set(max, (l = hyperbandBrackets(this.s.minResource, max, this.s.reductionFactor)));
    return l;
  }

  bracket(trial: Readonly<Trial>): number {
    return bracketOf(trial.number, this.layout(trial));
  }

  private rule(trial: Readonly<Trial>): SuccessiveHalvingRule {
    const b = this.bracket(trial);
    return new SuccessiveHalvingRule({ ...this.s, minEarlyStoppingRate: b }, (t) => this.bracket(t) === b);
  }

  rungs(trial: Readonly<Trial>): number[] {
    return this.rule(trial).rungs(trial);
  }

  decides(trial: Readonly<Trial>, epoch: number): boolean {
    return this.rule(trial).decides(trial, epoch);
  }

  verdict(trial: Readonly<Trial>, epoch: number, trials: readonly Trial[], direction: Direction): Verdict {
    return this.rule(trial).verdict(trial, epoch, trials, direction);
  }
}

export const hyperbandScheduler: SchedulerFactory = {
  description: 'Hyperband: brackets of successive halving with different first rungs, a trial\'s bracket fixed by its number; hedges against misleading early epochs',
  create(options) {
    const r = new OptionReader('hyperband', options);
    const s: HyperbandSettings = { ...readRungSettings(r), bootstrapCount: r.number('bootstrap-count', 0, { min: 0, integer: true }) };
    const patience = readPatience(r);
    r.done();
    return new RuleScheduler('hyperband', new HyperbandRule(s), patience);
  },
};
