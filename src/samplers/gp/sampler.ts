/**
 * Gaussian-process Bayesian optimisation: Sobol points for the first trials, then a GP (Matérn-5/2,
 * ARD) fitted to the trials so far and the point of largest log expected improvement.
 *
 * Cost stays bounded as a study grows: the GP is fitted on at most `maxFitPoints` trials (the best
 * half of them by value, the most recent quarter, and an even spread of the rest). Running trials
 * count as the worst value seen so far (a constant liar), so parallel asks spread out.
 * Stateless like every sampler: all draws come from the trial's generator.
 */
import { rankToNormal } from '../../math/stats.js';
import { completePoint, pointIsForbidden, type Sampler, type SamplerContext } from '../base.js';
import type { Params, Trial } from '../../study/types.js';
import { collectHistory, UnitEncodingCache } from '../history.js';
import { SobolSampler } from '../sobol.js';
import { RandomSampler } from '../random.js';
import { ACQUISITION_DEFAULTS, AcquisitionScorer, maximizeAcquisition, type AcquisitionOptions } from './acquisition.js';
import { decodeLatent, featureLayout, latentOf, writeFeatures } from './features.js';
import { defaultPriors, fitHyperparameters, GaussianProcess } from './gaussian-process.js';

export interface GpOptions {
  nStartupTrials: number;
  /** Fit on at most this many trials. */
  maxFitPoints: number;
  /** Hyperparameter fits from the priors' centre plus this many random starts. */
  restarts: number;
  constantLiar: boolean;
  /**
   * How values become GP targets: 'robust' (the worse half compressed logarithmically, then
   * standardised), 'rank' (ranks through the normal quantile) or 'standardize'.
   */
  output: 'rank' | 'standardize' | 'robust';
  acquisition: AcquisitionOptions;
  /** Median of the log-normal length-scale prior (the unit cube is the scale) and its log-scale spread. */
  lengthscaleMedian: number;
  lengthscaleStd: number;
}

export const GP_DEFAULTS: GpOptions = {
  nStartupTrials: 10,
  maxFitPoints: 100,
  restarts: 1,
  constantLiar: true,
  output: 'robust',
  acquisition: ACQUISITION_DEFAULTS,
  lengthscaleMedian: 0.5,
  lengthscaleStd: 1,
};

export class GpSampler implements Sampler {
  readonly name = 'gp';
  private readonly encodings = new UnitEncodingCache();
  private readonly sobol = new SobolSampler(true);
  private readonly random = new RandomSampler();

  constructor(readonly options: GpOptions) {}

  sample(ctx: SamplerContext): Params {
    const o = this.options;
    const history = collectHistory(ctx.trials, ctx.direction, o.constantLiar);
    const complete = history.trials.filter((t, i) => Number.isFinite(history.loss[i]!) && t.state === 'complete').length;
    if (history.finished < o.nStartupTrials || complete < 2) return this.sobol.sample(ctx);

    // rows used for the fit: finite losses (complete trials, and pruned ones at their last reported
    // value, which marks their region as worse) and lies for running trials
    let worst = -Infinity;
    for (let i = 0; i < history.loss.length; i++) if (Number.isFinite(history.loss[i]!)) worst = Math.max(worst, history.loss[i]!);
    const rows: number[] = [];
    const values: number[] = [];
    history.trials.forEach((t, i) => {
      const v = history.loss[i]!;
      if (Number.isFinite(v)) {
        rows.push(i);
        values.push(v);
      } else if (t.state === 'running' || t.state === 'waiting') {
        rows.push(i);
        values.push(worst);
      }
    });
    const chosen = selectFitRows(values, history.trials, rows, o.maxFitPoints);
    const space = ctx.space;
    const layout = featureLayout(space.params);
    const n = chosen.length;
    const d = layout.width;
    const x = new Float64Array(n * d);
    const y = new Float64Array(n);
    const codes = chosen.map((r) => this.encodings.get(space, history.trials[rows[r]!]!));
    codes.forEach((code, k) => writeFeatures(layout, code, x, k * d));
    const raw = chosen.map((r) => values[r]!);
    const target = o.output === 'rank' ? rankToNormal(raw) : o.output === 'robust' ? standardize(compressUpperTail(raw)) : standardize(raw);
    target.forEach((v, k) => (y[k] = v));
    const priors = defaultPriors(o.lengthscaleMedian, o.lengthscaleStd);
    const hyper = fitHyperparameters(x, n, d, y, ctx.rng, { restarts: o.restarts, maxIterations: 40, priors });
    const gp = new GaussianProcess(x, n, d, y, hyper);

    // incumbent: the best target among the fitted complete trials (never a lie or a pruned trial)
    let best = Infinity;
    chosen.forEach((r, k) => {
      if (history.trials[rows[r]!]!.state === 'complete') best = Math.min(best, y[k]!);
    });
    const scorer = new AcquisitionScorer(space, layout, gp, best);
    const order = chosen.map((_, k) => k).sort((a, b) => y[a]! - y[b]!);
    const starts = order.slice(0, o.acquisition.bestStarts).map((k) => latentOf(space.params, codes[k]!, ctx.rng));

    maximizeAcquisition(space, scorer, starts, ctx.rng, o.acquisition);
    // the best allowed point among the best found; forbidden combinations are checked only here
    for (const c of scorer.top) {
      const proposal = decodeLatent(space, c.z);
      if (!pointIsForbidden(space, completePoint(space, proposal))) return proposal;
    }
    return this.random.sample(ctx);
  }
}

/**
 * At most `max` rows for the fit: the best half by value, the most recent quarter, and the rest
 * spread evenly over the remaining trials in number order. Returns indices into `values`.
 */
export function selectFitRows(values: number[], trials: Trial[], rows: number[], max: number): number[] {
  const n = values.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const keep = new Set<number>();
  const byValue = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  for (const i of byValue.slice(0, Math.floor(max / 2))) keep.add(i);
  const byNumber = Array.from({ length: n }, (_, i) => i).sort((a, b) => trials[rows[b]!]!.number - trials[rows[a]!]!.number);
  for (const i of byNumber) {
    if (keep.size >= Math.floor((3 * max) / 4)) break;
    keep.add(i);
  }
  const rest = byNumber.filter((i) => !keep.has(i));
  const want = max - keep.size;
  for (let k = 0; k < want && rest.length > 0; k++) keep.add(rest[Math.floor(((k + 0.5) * rest.length) / want)]!);
  return [...keep].sort((a, b) => a - b);
}

/**
 * Keeps the better half of the losses linear and compresses the worse half logarithmically
 * (y ↦ med + s·log(1 + (y − med)/s), s = med − min): the GP keeps the resolution it needs near the
 * optimum while a few huge values (Rosenbrock's walls, a diverged training run) cannot flatten it.
 */
export function compressUpperTail(v: number[]): number[] {
  const sorted = [...v].sort((a, b) => a - b);
  const med = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const s = med - sorted[0]! || 1;
  return v.map((y) => (y <= med ? y : med + s * Math.log1p((y - med) / s)));
}

function standardize(v: number[]): number[] {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1;
  return v.map((x) => (x - mean) / sd);
}
