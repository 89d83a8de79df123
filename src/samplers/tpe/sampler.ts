/**
 * Tree-structured Parzen Estimator. Each ask splits the trials into good (the best
 * min(ceil(γ·n), 25)) and bad, fits a Parzen estimator to each, draws candidates from the good one
 * and keeps the one with the largest log l(x) − log g(x).
 *
 * Conditional spaces are walked as the tree they are: the parameters active at the root are sampled
 * first, then those their values switch on, and so on. Each step models only the trials in which its
 * parameters are active (split 'group'), so a branch's settings are tuned on that branch's trials
 * even while the branch is not yet among the best; in joint (multivariate) mode the parameters that
 * become active together are modelled jointly. The default alternates, trial by trial, between
 * independent steps (one parameter at a time: strong when settings act separately) and joint ones
 * (strong when they interact). Running trials are constant lies (the worst value).
 *
 * The sampler keeps no state: everything comes from the trials, the per-trial generator and the
 * study seed, so a resumed study asks exactly as an uninterrupted one.
 */
import { isActive } from '../../space/conditions.js';
import { fromUnit } from '../../space/distributions.js';
import type { ParamSpec, SearchSpace } from '../../space/types.js';
import type { Params } from '../../study/types.js';
import type { Rng } from '../../math/rng.js';
import { logAddExp } from '../../math/normal.js';
import { sampleAllowed, type Sampler, type SamplerContext } from '../base.js';
import { bestK, collectHistory, UnitEncodingCache, type History } from '../history.js';
import { RandomSampler } from '../random.js';
import { SobolSampler } from '../sobol.js';
import { defaultWeights, neighbourSigmas, ParzenEstimator, type DimKind, type ParzenOptions } from './parzen-estimator.js';
import type { TpeOptions } from './options.js';

interface Split {
  below: Uint32Array;
  above: Uint32Array;
}

export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  private readonly encodings = new UnitEncodingCache();
  private readonly random = new RandomSampler();
  private readonly sobol = new SobolSampler(true);

  constructor(readonly options: TpeOptions) {}

  sample(ctx: SamplerContext): Params {
    const o = this.options;
    const history = collectHistory(ctx.trials, ctx.direction, o.constantLiar);
    if (history.finished < o.nStartupTrials) return this.startupSample(ctx);
    return this.sampleFrom(ctx, history);
  }

  /** What the sampler proposes before the model is used (`startup`: random or Sobol points). */
  startupSample(ctx: SamplerContext): Params {
    return this.options.startup === 'sobol' ? this.sobol.sample(ctx) : this.random.sample(ctx);
  }

  /**
   * The model step on a history the caller prepared, whatever its size: `bohb` passes the trials
   * as they stood at one epoch (their values there, pruned trials included). The history's
   * trials must be trials of `ctx` (their params are what the estimators are fitted to).
   */
  sampleFrom(ctx: SamplerContext, history: History): Params {
    const codes = history.trials.map((t) => this.encodings.get(ctx.space, t));
    const branching = branchingKeys(ctx.space);
    return sampleAllowed(ctx.space, () => this.sampleTree(ctx, history, codes, branching));
  }

  private sampleTree(ctx: SamplerContext, history: History, codes: Float64Array[], branching: Set<string>): Params {
    const specs = ctx.space.params;
    const point: Params = { ...ctx.space.fixed };
    const out: Params = {};
    const assigned = new Uint8Array(specs.length);
    const mv = this.options.multivariate;
    const joint = mv === 'alternate' ? ctx.trialNumber % 2 === 1 : mv;
    for (;;) {
      const frontier: number[] = [];
      for (let j = 0; j < specs.length; j++) if (!assigned[j] && isActive(specs[j]!, point)) frontier.push(j);
      if (frontier.length === 0) break;
      const explore: number[] = [];
      const modelled: number[] = [];
      for (const j of frontier) {
        const spec = specs[j]!;
        const branches = spec.dist.kind === 'categorical' && branching.has(spec.key);
        if (branches && this.options.branchExploration > 0 && ctx.rng.next() < this.options.branchExploration) explore.push(j);
        else modelled.push(j);
      }
      const groups = joint ? (modelled.length ? [modelled] : []) : modelled.map((j) => [j]);
      for (const j of explore) {
        assigned[j] = 1;
        out[specs[j]!.key] = point[specs[j]!.key] = fromUnit(specs[j]!.dist, ctx.rng.next());
      }
      for (const group of groups) {
        const units = this.sampleGroup(specs, group, history, codes, ctx.rng, joint);
        group.forEach((j, g) => {
          const spec = specs[j]!;
          const value = spec.dist.kind === 'categorical' ? spec.dist.choices[units[g]!]! : fromUnit(spec.dist, units[g]!);
          assigned[j] = 1;
          out[spec.key] = point[spec.key] = value;
        });
      }
    }
    return out;
  }

  /** Split into good and bad among the trials where every parameter of the group is active. */
  private split(group: number[], history: History, codes: Float64Array[]): Split {
    const first = group[0]!;
    const present = group.length === 1 ? (i: number) => !Number.isNaN(codes[i]![first]!) : (i: number) => group.every((j) => !Number.isNaN(codes[i]![j]!));
    const gamma = (n: number) => Math.min(Math.ceil(this.options.gamma * n), this.options.gammaMax);
    const total = history.trials.length;
    const rows = new Uint32Array(total);
    let n = 0;
    for (let i = 0; i < total; i++) if (present(i)) rows[n++] = i;
    const candidates = rows.subarray(0, n);
    let below: number[];
    if (this.options.split === 'group') {
      below = bestK(history, candidates, gamma(n));
    } else {
      // Optuna's way: the best gamma(all) of all trials, then those where the group is active
      const all = new Uint32Array(total);
      for (let i = 0; i < total; i++) all[i] = i;
      below = bestK(history, all, gamma(total)).filter(present);
    }
    const isBelow = new Uint8Array(total);
    for (const i of below) isBelow[i] = 1;
    const above = new Uint32Array(n - below.length);
    let a = 0;
    for (let r = 0; r < n; r++) if (!isBelow[candidates[r]!]) above[a++] = candidates[r]!;
    // number order: the weights favour recent trials
    return { below: Uint32Array.from(below).sort(), above };
  }

  /** Proposes unit values (numbers in [0,1], categorical indices) for a group of parameters. */
  private sampleGroup(specs: readonly ParamSpec[], group: number[], history: History, codes: Float64Array[], rng: Rng, joint: boolean): Float64Array {
    const o = this.options;
    const d = group.length;
    const dims: DimKind[] = group.map((j) => {
      const dist = specs[j]!.dist;
      return dist.kind === 'categorical' ? { kind: 'categorical', choices: dist.choices.length } : { kind: 'numeric' };
    });
    const { below, above } = this.split(group, history, codes);
    const bandwidth = joint ? o.bandwidth : 'neighbour';
    const estimator = (rows: Uint32Array, cap: number) => {
      const n = rows.length;
      const obs = new Float64Array(n * d);
      for (let r = 0; r < n; r++) {
        const code = codes[rows[r]!]!;
        for (let g = 0; g < d; g++) obs[r * d + g] = code[group[g]!]!;
      }
      const weights = defaultWeights(n);
      if (n <= cap) return new ParzenEstimator(obs, weights, dims, { priorWeight: o.priorWeight, bandwidth, kernelScale: o.kernelScale });
      return cappedEstimator(obs, weights, dims, cap, { priorWeight: o.priorWeight, bandwidth, kernelScale: o.kernelScale });
    };
    const l = estimator(below, Infinity);
    const g = estimator(above, o.maxAbove);
    const count = o.nEiCandidates;
    // Multivariate with joint-weight < 1: both densities mix the joint model and the product of its
    // marginals (what independent sampling models), and besides the joint draws one candidate is the
    // independent proposal (each coordinate the best of its own draws by its marginal ratio), so a
    // separable objective keeps the per-coordinate search that independent TPE gives it.
    const mix = joint && d > 1 && o.jointWeight < 1;
    let candidates = l.sample(rng, count);
    let total = count;
    if (mix) {
      const indep = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        const values = l.sampleMarginal(rng, j, count);
        const ml = l.marginalLogPdf(j, values);
        const mg = g.marginalLogPdf(j, values);
        let bj = 0;
        for (let s = 1; s < count; s++) if (ml[s]! - mg[s]! > ml[bj]! - mg[bj]!) bj = s;
        indep[j] = values[bj]!;
      }
      const all = new Float64Array((count + 1) * d);
      all.set(candidates);
      all.set(indep, count * d);
      candidates = all;
      total = count + 1;
    }
    const pl = l.logPdfParts(candidates, total, mix);
    const pg = g.logPdfParts(candidates, total, mix);
    const a = Math.log(o.jointWeight);
    const b = Math.log1p(-o.jointWeight);
    const ll = mix ? pl.joint.map((v, s) => logAddExp(a + v, b + pl.product[s]!)) : pl.joint;
    const lg = mix ? pg.joint.map((v, s) => logAddExp(a + v, b + pg.product[s]!)) : pg.joint;
    let best = 0;
    let bestScore = -Infinity;
    for (let s = 0; s < total; s++) {
      const score = ll[s]! - lg[s]!;
      if (score > bestScore) {
        bestScore = score;
        best = s;
      }
    }
    return candidates.slice(best * d, best * d + d);
  }
}

/**
 * The bad trials' estimator when there are more than `cap` of them: kernel widths from all of them,
 * then a systematic subsample proportional to the weights (deterministic, no generator draw), each
 * kept kernel carrying an equal share of the total weight. Keeps an ask's cost flat past `cap` trials.
 */
function cappedEstimator(obs: Float64Array, weights: Float64Array, dims: DimKind[], cap: number, o: ParzenOptions): ParzenEstimator {
  const n = weights.length;
  const d = dims.length;
  let total = 0;
  for (let r = 0; r < n; r++) total += weights[r]!;
  const step = total / cap;
  const keep: number[] = [];
  const keptWeight: number[] = [];
  let acc = 0;
  let next = step / 2;
  for (let r = 0; r < n; r++) {
    acc += weights[r]!;
    let picks = 0;
    while (next < acc) {
      picks++;
      next += step;
    }
    if (picks > 0) {
      keep.push(r);
      keptWeight.push(picks * step);
    }
  }
  const sub = new Float64Array(keep.length * d);
  keep.forEach((r, k) => sub.set(obs.subarray(r * d, r * d + d), k * d));
  // widths of the kept kernels among all the bad trials, as if none had been dropped
  const sigmas = dims.map((dim, g) => {
    if (dim.kind !== 'numeric' || o.bandwidth !== 'neighbour') return undefined;
    const col = new Float64Array(n);
    for (let r = 0; r < n; r++) col[r] = obs[r * d + g]!;
    return neighbourSigmas(col, Float64Array.from(keep, (r) => col[r]!));
  });
  return new ParzenEstimator(sub, Float64Array.from(keptWeight), dims, { ...o, sigmas, widthsFromCount: n });
}

/** Keys of categoricals that other parameters' conditions refer to (the branch points of the tree). */
function branchingKeys(space: SearchSpace): Set<string> {
  const keys = new Set<string>();
  for (const spec of space.params) for (const c of spec.conditions) keys.add(c.key);
  return keys;
}
