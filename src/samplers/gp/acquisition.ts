/**
 * Log expected improvement and its maximisation over the latent cube: a pool of random points and
 * perturbations of the best trials, then a local search (shrinking Gaussian steps, categorical
 * flips) from the most promising few.
 */
import { logH } from '../../math/normal.js';
import type { Rng } from '../../math/rng.js';
import type { SearchSpace } from '../../space/types.js';
import { LatentCodec, writeFeatures, type FeatureLayout } from './features.js';
import type { GaussianProcess } from './gaussian-process.js';

/**
 * log EI for minimisation at posterior mean μ and variance σ²: log σ + log h((best − μ)/σ).
 * Finite wherever σ > 0, however small the improvement (−1e4 standard deviations still work).
 */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sd = Math.sqrt(variance);
  if (!(sd > 0)) return mean < best ? Math.log(best - mean) : -Infinity;
  return Math.log(sd) + logH((best - mean) / sd);
}

export interface AcquisitionOptions {
  randomCandidates: number;
  /** Perturbations around each of the best trials. */
  localCandidates: number;
  bestStarts: number;
  /** Starts of the local search. */
  searchStarts: number;
  searchRounds: number;
  searchBatch: number;
}

export const ACQUISITION_DEFAULTS: AcquisitionOptions = {
  randomCandidates: 384,
  localCandidates: 24,
  bestStarts: 5,
  searchStarts: 4,
  searchRounds: 24,
  searchBatch: 8,
};

export interface Scored {
  z: Float64Array;
  score: number;
}

/** Scores latent points: decode, encode as GP features, predict, log EI. */
export class AcquisitionScorer {
  evaluations = 0;
  private readonly codec: LatentCodec;
  private readonly code: Float64Array;
  /** The best points seen, best first (kept so a forbidden winner can give way to the next one). */
  readonly top: Scored[] = [];

  constructor(
    space: SearchSpace,
    private readonly layout: FeatureLayout,
    private readonly gp: GaussianProcess,
    private readonly best: number,
    private readonly keep = 32,
  ) {
    this.codec = new LatentCodec(space);
    this.code = new Float64Array(space.params.length);
  }

  score(zs: Float64Array[]): number[] {
    const m = zs.length;
    const w = this.layout.width;
    const x = new Float64Array(m * w);
    zs.forEach((z, s) => writeFeatures(this.layout, this.codec.code(z, this.code), x, s * w));
    const { mean, variance } = this.gp.predict(x, m);
    this.evaluations += m;
    const out = Array.from({ length: m }, (_, s) => logExpectedImprovement(mean[s]!, variance[s]!, this.best));
    out.forEach((score, s) => this.remember({ z: zs[s]!, score }));
    return out;
  }

  private remember(c: Scored): void {
    const top = this.top;
    if (top.length === this.keep && !(c.score > top[top.length - 1]!.score)) return;
    let pos = top.length < this.keep ? top.length : this.keep - 1;
    if (top.length < this.keep) top.push(c);
    while (pos > 0 && c.score > top[pos - 1]!.score) {
      top[pos] = top[pos - 1]!;
      pos--;
    }
    top[pos] = c;
  }
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 - 1e-12 : v);

/** A local move: Gaussian steps on numbers, occasionally a new choice for a categorical. */
function perturb(space: SearchSpace, z: Float64Array, step: number, rng: Rng): Float64Array {
  const out = Float64Array.from(z);
  const p = space.params.length;
  const flip = 1 / Math.max(2, p);
  space.params.forEach((spec, j) => {
    if (spec.dist.kind === 'categorical') {
      if (rng.next() < flip) out[j] = rng.next();
    } else {
      out[j] = clamp01(z[j]! + step * rng.normal());
    }
  });
  return out;
}

/** The latent point with the largest acquisition found; `starts` are latent points of good trials. */
export function maximizeAcquisition(space: SearchSpace, scorer: AcquisitionScorer, starts: Float64Array[], rng: Rng, o: AcquisitionOptions): Scored {
  const p = space.params.length;
  const pool: Float64Array[] = [];
  for (let i = 0; i < o.randomCandidates; i++) {
    const z = new Float64Array(p);
    for (let j = 0; j < p; j++) z[j] = rng.next();
    pool.push(z);
  }
  for (const s of starts) for (let i = 0; i < o.localCandidates; i++) pool.push(perturb(space, s, i % 2 === 0 ? 0.02 : 0.1, rng));
  const scores = scorer.score(pool);
  const ranked = pool.map((z, i) => ({ z, score: scores[i]! })).sort((a, b) => b.score - a.score);
  let best = ranked[0]!;
  for (const start of ranked.slice(0, o.searchStarts)) {
    let cur = start;
    let step = 0.05;
    for (let round = 0; round < o.searchRounds && step > 1e-4; round++) {
      const batch = Array.from({ length: o.searchBatch }, () => perturb(space, cur.z, step, rng));
      const s = scorer.score(batch);
      let k = -1;
      for (let i = 0; i < batch.length; i++) if (s[i]! > cur.score && (k < 0 || s[i]! > s[k]!)) k = i;
      if (k >= 0) cur = { z: batch[k]!, score: s[k]! };
      else step *= 0.5;
    }
    if (cur.score > best.score) best = cur;
  }
  return best;
}
