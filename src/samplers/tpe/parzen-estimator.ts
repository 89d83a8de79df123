/**
 * A Parzen estimator over a group of parameters in unit form: a weighted mixture with one product
 * kernel per observation plus one prior kernel. Numbers get Gaussians truncated to [0, 1];
 * categoricals get a smoothed one-hot kernel. TPE fits one to the good trials (l) and one to the
 * rest (g) and proposes the candidate drawn from l with the largest log l − log g.
 */
import type { Rng } from '../../math/rng.js';
import { logNormCdf, normCdfFast, normQuantile } from '../../math/normal.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export type DimKind = { kind: 'numeric' } | { kind: 'categorical'; choices: number };

export type Bandwidth =
  /** Optuna's univariate rule: the larger gap to the sorted neighbours (prior mean included). */
  | 'neighbour'
  /** Optuna's multivariate rule: one width, 0.2·n^(-1/(d+4)), for every kernel of a dimension. */
  | 'scott';

export interface ParzenOptions {
  priorWeight: number;
  bandwidth: Bandwidth;
  /** Widths of the numeric kernels per dimension, computed elsewhere (from a larger set the rows subsample). */
  sigmas?: ReadonlyArray<Float64Array | undefined>;
  /**
   * 'height': every kernel peaks at the same height whatever its width (its density times σ), as
   * Optuna ≤ 3.1 computed it; 'density' (default): proper normalised kernels.
   */
  kernelScale?: 'density' | 'height';
  /** Number of observations the rows stand for, when they are a subsample (widths and smoothing use it). */
  widthsFromCount?: number;
}

/**
 * Observation weights in number order (oldest first), as Optuna's default: the 25 most recent at 1,
 * older ones on a linear ramp from 1/n, so that an old region stops dominating g as a study moves on.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (n >= 25) {
    const ramp = n - 25;
    for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  }
  return w;
}

/**
 * Kernel widths for one numeric dimension by the neighbour rule with Optuna's defaults (prior mean
 * 0.5 among the sorted centres, end points not considered, "magic clip" to [1/min(100, n+2), 1]):
 * the width of each of `at` (default: every centre) among all centres `mus`.
 */
export function neighbourSigmas(mus: Float64Array, at: Float64Array = mus): Float64Array {
  const n = mus.length;
  const sorted = new Float64Array(n + 1);
  sorted.set(mus);
  sorted[n] = 0.5;
  sorted.sort();
  const m = n + 1;
  const gapLeft = (i: number) => sorted[i]! - (i === 0 ? 0 : sorted[i - 1]!);
  const gapRight = (i: number) => (i === m - 1 ? 1 : sorted[i + 1]!) - sorted[i]!;
  const minSigma = 1 / Math.min(100, 1 + m);
  const out = new Float64Array(at.length);
  for (let j = 0; j < at.length; j++) {
    // lower bound of the value in the sorted centres (duplicates share the first position's widths)
    let lo = 0;
    let hi = m;
    const v = at[j]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    let s: number;
    if (m >= 2 && lo === 0) s = gapRight(0);
    else if (m >= 2 && lo === m - 1) s = gapLeft(m - 1);
    else s = Math.max(gapLeft(lo), gapRight(lo));
    out[j] = Math.min(1, Math.max(minSigma, s));
  }
  return out;
}

/** Numeric dimension of the mixture: centres, widths and per-kernel constants. */
interface NumericDim {
  kind: 'numeric';
  mu: Float64Array;
  invSigma: Float64Array;
  sigma: Float64Array;
  /** log of the normal mass inside [0, 1], per kernel. */
  logMass: Float64Array;
  /** Φ at the bounds, for inverse-CDF sampling. */
  cdfLo: Float64Array;
  cdfHi: Float64Array;
  /** Per-kernel log-density constant of this dimension: −log σ − log mass − log √(2π). */
  constant: Float64Array;
}

/** Categorical dimension: per kernel, log-probabilities of each choice (row-major kernels × choices). */
interface CategoricalDim {
  kind: 'categorical';
  choices: number;
  logProb: Float64Array;
  prob: Float64Array;
}

export class ParzenEstimator {
  readonly kernels: number;
  private readonly logWeight: Float64Array;
  private readonly cumWeight: Float64Array;
  private readonly dims: Array<NumericDim | CategoricalDim>;
  /** Per-kernel sum of constant terms: log weight − Σ log σ − Σ log mass − d·log√(2π). */
  private readonly constant: Float64Array;

  /**
   * @param obs observations, row-major n × dims.length (numbers in [0,1], categorical indices)
   * @param weights one non-negative weight per observation
   */
  constructor(obs: Float64Array, weights: Float64Array, dims: readonly DimKind[], o: ParzenOptions) {
    const d = dims.length;
    const n = weights.length;
    const nFull = o.widthsFromCount ?? n;
    const hasPrior = n === 0 || o.priorWeight > 0;
    const k = n + (hasPrior ? 1 : 0);
    this.kernels = k;
    const w = new Float64Array(k);
    w.set(weights);
    if (hasPrior) w[n] = n === 0 ? 1 : o.priorWeight;
    let total = 0;
    for (let i = 0; i < k; i++) total += w[i]!;
    this.logWeight = new Float64Array(k);
    this.cumWeight = new Float64Array(k);
    let acc = 0;
    for (let i = 0; i < k; i++) {
      this.logWeight[i] = Math.log(w[i]! / total);
      acc += w[i]! / total;
      this.cumWeight[i] = acc;
    }
    this.constant = Float64Array.from(this.logWeight);
    this.dims = [];
    for (let j = 0; j < d; j++) {
      const dim = dims[j]!;
      if (dim.kind === 'numeric') {
        const mu = new Float64Array(k);
        for (let i = 0; i < n; i++) mu[i] = obs[i * d + j]!;
        let sigma: Float64Array;
        const given = o.sigmas?.[j];
        if (given) {
          sigma = new Float64Array(k);
          sigma.set(given.subarray(0, n));
        } else if (o.bandwidth === 'neighbour') {
          sigma = new Float64Array(k);
          sigma.set(neighbourSigmas(mu.subarray(0, n)));
        } else {
          const s = 0.2 * Math.pow(Math.max(nFull, 1), -1 / (d + 4));
          const minSigma = 1 / Math.min(100, 2 + nFull);
          sigma = new Float64Array(k).fill(Math.min(1, Math.max(minSigma, s)));
        }
        if (hasPrior) {
          mu[n] = 0.5;
          sigma[n] = 1;
        }
        const invSigma = new Float64Array(k);
        const logMass = new Float64Array(k);
        const cdfLo = new Float64Array(k);
        const cdfHi = new Float64Array(k);
        const constant = new Float64Array(k);
        for (let i = 0; i < k; i++) {
          invSigma[i] = 1 / sigma[i]!;
          const a = (0 - mu[i]!) * invSigma[i]!;
          const b = (1 - mu[i]!) * invSigma[i]!;
          if (a < -9 && b > 9) {
            // the whole kernel lies inside [0, 1] (to 1e-19): no truncation to account for
            cdfLo[i] = 0;
            cdfHi[i] = 1;
            logMass[i] = 0;
          } else {
            cdfLo[i] = normCdfFast(a);
            cdfHi[i] = normCdfFast(b);
            // mass = Φ(b) − Φ(a), computed on the side that keeps precision
            const mass = a > 0 ? normCdfFast(-a) - normCdfFast(-b) : cdfHi[i]! - cdfLo[i]!;
            logMass[i] = mass > 0 ? Math.log(mass) : logNormCdf(b);
          }
          constant[i] = -((o.kernelScale === 'height' ? 0 : Math.log(sigma[i]!)) + logMass[i]! + LOG_SQRT_2PI);
          this.constant[i]! += constant[i]!;
        }
        this.dims.push({ kind: 'numeric', mu, sigma, invSigma, logMass, cdfLo, cdfHi, constant });
      } else {
        const c = dim.choices;
        const prob = new Float64Array(k * c);
        // each observed kernel: prior_weight/k on every choice, +1 on its own, normalised
        const base = o.priorWeight / (nFull + 1);
        for (let i = 0; i < n; i++) {
          const idx = obs[i * d + j]!;
          const norm = base * c + 1;
          for (let q = 0; q < c; q++) prob[i * c + q] = (base + (q === idx ? 1 : 0)) / norm;
        }
        if (hasPrior) for (let q = 0; q < c; q++) prob[n * c + q] = 1 / c;
        const logProb = new Float64Array(k * c);
        for (let q = 0; q < k * c; q++) logProb[q] = Math.log(prob[q]!);
        this.dims.push({ kind: 'categorical', choices: c, prob, logProb });
      }
    }
  }

  private pickKernel(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.kernels - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumWeight[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Draws `count` points (row-major count × d): a kernel by weight, then every coordinate from it. */
  sample(rng: Rng, count: number): Float64Array {
    const d = this.dims.length;
    const out = new Float64Array(count * d);
    for (let s = 0; s < count; s++) {
      const i = this.pickKernel(rng);
      for (let j = 0; j < d; j++) this.drawCoordinate(rng, i, j, out, s * d);
    }
    return out;
  }

  /** Writes coordinate j of a draw from kernel i at out[offset + j]. */
  private drawCoordinate(rng: Rng, i: number, j: number, out: Float64Array, offset: number): void {
    const dim = this.dims[j]!;
    if (dim.kind === 'numeric') {
      const p = dim.cdfLo[i]! + rng.next() * (dim.cdfHi[i]! - dim.cdfLo[i]!);
      let x = dim.mu[i]! + dim.sigma[i]! * normQuantile(Math.min(Math.max(p, 1e-300), 1 - 1e-16));
      if (!Number.isFinite(x)) x = dim.mu[i]!;
      out[offset + j] = Math.min(1, Math.max(0, x));
    } else {
      const c = dim.choices;
      let r = rng.next();
      let q = 0;
      for (; q < c - 1; q++) {
        r -= dim.prob[i * c + q]!;
        if (r < 0) break;
      }
      out[offset + j] = q;
    }
  }

  /** `count` draws of coordinate j alone from its marginal (a kernel by weight, then its coordinate). */
  sampleMarginal(rng: Rng, j: number, count: number): Float64Array {
    const d = this.dims.length;
    const out = new Float64Array(count);
    const one = new Float64Array(d);
    for (let s = 0; s < count; s++) {
      this.drawCoordinate(rng, this.pickKernel(rng), j, one, 0);
      out[s] = one[j]!;
    }
    return out;
  }

  /** log of the marginal density of coordinate j at each value. */
  marginalLogPdf(j: number, values: Float64Array): Float64Array {
    const k = this.kernels;
    const dim = this.dims[j]!;
    const term = new Float64Array(k);
    const out = new Float64Array(values.length);
    const lw = this.logWeight;
    for (let s = 0; s < values.length; s++) {
      const v = values[s]!;
      if (dim.kind === 'numeric') {
        for (let i = 0; i < k; i++) {
          const z = (v - dim.mu[i]!) * dim.invSigma[i]!;
          term[i] = lw[i]! + dim.constant[i]! - 0.5 * z * z;
        }
      } else {
        for (let i = 0; i < k; i++) term[i] = lw[i]! + dim.logProb[i * dim.choices + v]!;
      }
      out[s] = logSumExp(term, k);
    }
    return out;
  }

  /** log density of each point (row-major count × d). */
  logPdf(x: Float64Array, count: number): Float64Array {
    return this.logPdfParts(x, count, false).joint;
  }

  /**
   * log density of each point under the mixture (`joint`) and, with `withProduct`, under the product
   * of its one-dimensional marginals (`product`: what independent sampling would model).
   */
  logPdfParts(x: Float64Array, count: number, withProduct: boolean): { joint: Float64Array; product: Float64Array } {
    const d = this.dims.length;
    const k = this.kernels;
    const joint = new Float64Array(count);
    const product = new Float64Array(withProduct ? count : 0);
    const acc = new Float64Array(k);
    const term = new Float64Array(k);
    const lw = this.logWeight;
    for (let s = 0; s < count; s++) {
      acc.set(this.constant);
      let prod = 0;
      for (let j = 0; j < d; j++) {
        const dim = this.dims[j]!;
        const v = x[s * d + j]!;
        if (dim.kind === 'numeric') {
          const mu = dim.mu;
          const inv = dim.invSigma;
          for (let i = 0; i < k; i++) {
            const z = (v - mu[i]!) * inv[i]!;
            acc[i]! -= 0.5 * z * z;
            if (withProduct) term[i] = lw[i]! + dim.constant[i]! - 0.5 * z * z;
          }
        } else {
          const c = dim.choices;
          const lp = dim.logProb;
          for (let i = 0; i < k; i++) {
            acc[i]! += lp[i * c + v]!;
            if (withProduct) term[i] = lw[i]! + lp[i * c + v]!;
          }
        }
        if (withProduct) prod += logSumExp(term, k);
      }
      joint[s] = logSumExp(acc, k);
      if (withProduct) product[s] = prod;
    }
    return { joint, product };
  }
}

function logSumExp(a: Float64Array, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (a[i]! > m) m = a[i]!;
  if (m === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(a[i]! - m);
  return m + Math.log(sum);
}
