/**
 * BOHB (Falkner, Klein & Hutter, 2018) as a sampler: the TPE model fitted at one fidelity proposes
 * the configurations that the scheduler's brackets (`hyperband`) start.
 *
 * Each ask: with probability `random-fraction` (ρ) the proposal is drawn from the prior. Otherwise the
 * fidelity is the largest epoch that enough trials reported (`min-points`, default
 * max(d + 2, n-startup-trials)); every trial that reported it, pruned ones included, enters the model
 * with its value at that epoch, and tpe's model step (good/bad Parzen estimators, conditional tree,
 * constant liar for running trials) proposes. Until some epoch has enough observations, tpe's
 * start-up sampler proposes. Trials that report no epochs at all (a backend without per-epoch values)
 * leave bohb nothing per fidelity: it is then plain tpe on the final values.
 *
 * Pure, like every sampler: the proposal is a function of the trials, the per-trial generator and
 * the study seed, so a resumed study asks exactly as an uninterrupted one.
 */
import type { Params } from '../../study/types.js';
import { RandomSampler } from '../random.js';
import type { Sampler, SamplerContext } from '../base.js';
import { collectHistory } from '../history.js';
import { TpeSampler } from '../tpe/sampler.js';
import { chooseFidelity, historyAt } from './fidelity.js';
import type { BohbOptions } from './options.js';

/** Where a proposal came from: for tests and for explaining a study. */
export type BohbSource = { kind: 'prior' } | { kind: 'startup' } | { kind: 'final-values' } | { kind: 'model'; epoch: number; observations: number };

export class BohbSampler implements Sampler {
  readonly name = 'bohb';
  private readonly tpe: TpeSampler;
  private readonly random = new RandomSampler();

  constructor(readonly options: BohbOptions) {
    this.tpe = new TpeSampler(options.tpe);
  }

  /** Observations an epoch needs before the model is fitted there. */
  minPoints(ctx: Pick<SamplerContext, 'space'>): number {
    return this.options.minPoints ?? Math.max(ctx.space.params.length + 2, this.options.tpe.nStartupTrials);
  }

  sample(ctx: SamplerContext): Params {
    return this.propose(ctx).params;
  }

  /** The proposal and where it came from. */
  propose(ctx: SamplerContext): { params: Params; source: BohbSource } {
    // drawn first on every ask, so the generator's use does not depend on which branch is taken
    const u = ctx.rng.next();
    if (!ctx.trials.some((t) => t.state !== 'failed' && t.intermediate.length > 0)) {
      // nothing per epoch (yet, or ever): tpe on the final values, which is its start-up sampler until enough trials finished
      const modelled = collectHistory(ctx.trials, ctx.direction, false).finished >= this.options.tpe.nStartupTrials;
      return { params: this.tpe.sample(ctx), source: modelled ? { kind: 'final-values' } : { kind: 'startup' } };
    }
    const epoch = chooseFidelity(ctx.trials, this.minPoints(ctx));
    if (epoch === undefined) return { params: this.tpe.startupSample(ctx), source: { kind: 'startup' } };
    if (u < this.options.randomFraction) return { params: this.random.sample(ctx), source: { kind: 'prior' } };
    const history = historyAt(ctx.trials, ctx.direction, epoch, this.options.tpe.constantLiar);
    return { params: this.tpe.sampleFrom(ctx, history), source: { kind: 'model', epoch, observations: history.finished } };
  }
}
