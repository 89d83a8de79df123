/**
 * Gaussian-process regression with a Matérn-5/2 kernel and one length scale per input column (ARD),
 * zero prior mean on standardised targets. Hyperparameters (length scales, signal variance, noise
 * variance) are the maximum a posteriori values under weak log-normal priors, found by L-BFGS on
 * the log marginal likelihood with its analytic gradient, from a few starts.
 */
import { choleskyInverse, choleskyWithJitter, solveLowerInPlace, solveLowerRowsInPlace, solveUpperTransposedInPlace } from '../../math/linalg.js';
import { minimizeLbfgs } from '../../math/lbfgs.js';
import type { Rng } from '../../math/rng.js';

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);

export interface GpHyperparameters {
  /** log length scale per input column. */
  logLengthscales: Float64Array;
  /** log signal variance. */
  logSignal: number;
  /** log noise variance. */
  logNoise: number;
}

/** Matérn-5/2 correlation at scaled distance r. */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** Weak priors on the log hyperparameters: normal, so the MAP is a penalised marginal likelihood. */
export interface GpPriors {
  lengthscaleMean: number;
  lengthscaleStd: number;
  signalMean: number;
  signalStd: number;
  noiseMean: number;
  noiseStd: number;
}

/**
 * Length scales log-normal around `lengthscaleMedian` (inputs live in the unit cube). A prior that
 * favours long scales (e.g. the dimension-scaled one of Hvarfner et al. 2024, median ≈ 4√d) lets a
 * GP fitted on ten points turn nearly linear and send every proposal to a corner; a median of 0.5
 * keeps it local until the data say otherwise. Signal variance around 1 (targets are standardised),
 * noise variance around 1e-4 of it, both weak.
 */
export function defaultPriors(lengthscaleMedian = 0.5, lengthscaleStd = 1): GpPriors {
  return {
    lengthscaleMean: Math.log(lengthscaleMedian),
    lengthscaleStd,
    signalMean: 0,
    signalStd: 1,
    noiseMean: Math.log(1e-4),
    noiseStd: 2,
  };
}

export const BOUNDS = {
  logLengthscale: [Math.log(1e-3), Math.log(1e3)] as const,
  logSignal: [Math.log(1e-3), Math.log(1e2)] as const,
  logNoise: [Math.log(1e-8), Math.log(1)] as const,
};

/** Pairwise squared differences per column (upper triangle, row-major pairs × d). */
function pairwiseSquares(x: Float64Array, n: number, d: number): Float64Array {
  const pairs = (n * (n - 1)) / 2;
  const out = new Float64Array(pairs * d);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      for (let c = 0; c < d; c++) {
        const diff = x[i * d + c]! - x[j * d + c]!;
        out[p * d + c] = diff * diff;
      }
    }
  }
  return out;
}

/**
 * Negative log posterior of the hyperparameters θ = [log ℓ_1..log ℓ_d, log σ_f², log σ_n²] and its
 * gradient. dK/dlog ℓ_c = σ_f²·(5/3)(1 + √5 r)e^(−√5 r)·Δ_c²/ℓ_c², and dNLL/dθ = −½ tr((ααᵀ − K⁻¹) dK/dθ).
 */
export function negLogPosterior(theta: Float64Array, x: Float64Array, n: number, d: number, y: Float64Array, priors: GpPriors): { value: number; grad: Float64Array } {
  return negLogPosteriorFromSquares(theta, pairwiseSquares(x, n, d), n, d, y, priors);
}

function negLogPosteriorFromSquares(theta: Float64Array, sq: Float64Array, n: number, d: number, y: Float64Array, priors: GpPriors): { value: number; grad: Float64Array } {
  const inv2 = new Float64Array(d);
  for (let c = 0; c < d; c++) inv2[c] = Math.exp(-2 * theta[c]!);
  const sf2 = Math.exp(theta[d]!);
  const sn2 = Math.exp(theta[d + 1]!);
  const k = new Float64Array(n * n);
  const pairs = (n * (n - 1)) / 2;
  const rs = new Float64Array(pairs);
  let p = 0;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = sf2 + sn2;
    for (let j = i + 1; j < n; j++, p++) {
      let r2 = 0;
      const off = p * d;
      for (let c = 0; c < d; c++) r2 += sq[off + c]! * inv2[c]!;
      const r = Math.sqrt(r2);
      rs[p] = r;
      const v = sf2 * matern52(r);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  let chol;
  try {
    chol = choleskyWithJitter(k, n, 1e-10 * (sf2 + sn2));
  } catch {
    return { value: Infinity, grad: new Float64Array(d + 2) };
  }
  const l = chol.l;
  const alpha = Float64Array.from(y);
  solveLowerInPlace(l, n, alpha);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += alpha[i]! * alpha[i]!;
  solveUpperTransposedInPlace(l, n, alpha);
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(l[i * n + i]!);
  let value = 0.5 * fit + logDet + 0.5 * n * LOG_2PI;
  const kinv = choleskyInverse(l, n);
  const grad = new Float64Array(d + 2);
  // W = ααᵀ − K⁻¹; gradient of NLL = −½ Σ_ij W_ij dK_ij
  p = 0;
  let gSignal = 0;
  for (let i = 0; i < n; i++) {
    const wii = alpha[i]! * alpha[i]! - kinv[i * n + i]!;
    gSignal += wii * sf2;
    grad[d + 1]! += -0.5 * wii * sn2;
    for (let j = i + 1; j < n; j++, p++) {
      const wij = alpha[i]! * alpha[j]! - kinv[i * n + j]!;
      const r = rs[p]!;
      const e = Math.exp(-SQRT5 * r);
      gSignal += 2 * wij * sf2 * (1 + SQRT5 * r + (5 / 3) * r * r) * e;
      // both (i,j) and (j,i): factor 2; times −½ → −1
      const common = -wij * sf2 * (5 / 3) * (1 + SQRT5 * r) * e;
      const off = p * d;
      for (let c = 0; c < d; c++) grad[c]! += common * sq[off + c]! * inv2[c]!;
    }
  }
  grad[d] = -0.5 * gSignal;
  // priors (normal on the log values)
  for (let c = 0; c < d; c++) {
    const z = (theta[c]! - priors.lengthscaleMean) / priors.lengthscaleStd;
    value += 0.5 * z * z;
    grad[c]! += z / priors.lengthscaleStd;
  }
  const zs = (theta[d]! - priors.signalMean) / priors.signalStd;
  value += 0.5 * zs * zs;
  grad[d]! += zs / priors.signalStd;
  const zn = (theta[d + 1]! - priors.noiseMean) / priors.noiseStd;
  value += 0.5 * zn * zn;
  grad[d + 1]! += zn / priors.noiseStd;
  return { value, grad };
}

export interface FitOptions {
  /** Extra starts drawn from the priors, besides the one at the priors' centre. */
  restarts: number;
  maxIterations: number;
  priors?: GpPriors;
}

/** MAP hyperparameters for inputs x (n × d, row-major) and standardised targets y. */
export function fitHyperparameters(x: Float64Array, n: number, d: number, y: Float64Array, rng: Rng, o: FitOptions): GpHyperparameters {
  const priors = o.priors ?? defaultPriors();
  const sq = pairwiseSquares(x, n, d);
  const lower = new Float64Array(d + 2);
  const upper = new Float64Array(d + 2);
  for (let c = 0; c < d; c++) {
    lower[c] = BOUNDS.logLengthscale[0];
    upper[c] = BOUNDS.logLengthscale[1];
  }
  lower[d] = BOUNDS.logSignal[0];
  upper[d] = BOUNDS.logSignal[1];
  lower[d + 1] = BOUNDS.logNoise[0];
  upper[d + 1] = BOUNDS.logNoise[1];
  const f = (theta: Float64Array) => negLogPosteriorFromSquares(theta, sq, n, d, y, priors);
  const starts: Float64Array[] = [];
  // centre start: length scales a little shorter than the prior's centre (local structure first)
  const centre = new Float64Array(d + 2);
  for (let c = 0; c < d; c++) centre[c] = priors.lengthscaleMean - 1;
  centre[d] = priors.signalMean;
  centre[d + 1] = priors.noiseMean;
  starts.push(centre);
  for (let r = 0; r < o.restarts; r++) {
    const s = new Float64Array(d + 2);
    for (let c = 0; c < d; c++) s[c] = priors.lengthscaleMean + priors.lengthscaleStd * rng.normal();
    s[d] = priors.signalMean + priors.signalStd * rng.normal();
    s[d + 1] = priors.noiseMean + priors.noiseStd * rng.normal();
    starts.push(s);
  }
  let best: { x: Float64Array; value: number } | undefined;
  for (const s of starts) {
    const r = minimizeLbfgs(f, s, { lower, upper, maxIterations: o.maxIterations, gradTolerance: 1e-4, valueTolerance: 1e-7 });
    if (Number.isFinite(r.value) && (!best || r.value < best.value)) best = { x: r.x, value: r.value };
  }
  const theta = best?.x ?? centre;
  return { logLengthscales: theta.slice(0, d), logSignal: theta[d]!, logNoise: theta[d + 1]! };
}

/** A fitted GP: posterior mean and variance at new inputs. */
export class GaussianProcess {
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;
  private readonly invLs2: Float64Array;
  private readonly sf2: number;
  readonly noise: number;

  constructor(private readonly x: Float64Array, readonly n: number, readonly d: number, y: Float64Array, readonly hyper: GpHyperparameters) {
    this.invLs2 = Float64Array.from(hyper.logLengthscales, (v) => Math.exp(-2 * v));
    this.sf2 = Math.exp(hyper.logSignal);
    this.noise = Math.exp(hyper.logNoise);
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      k[i * n + i] = this.sf2 + this.noise;
      for (let j = i + 1; j < n; j++) {
        const v = this.kernel(x, i * d, x, j * d);
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
    }
    this.l = choleskyWithJitter(k, n, 1e-10 * (this.sf2 + this.noise)).l;
    const alpha = Float64Array.from(y);
    solveLowerInPlace(this.l, n, alpha);
    solveUpperTransposedInPlace(this.l, n, alpha);
    this.alpha = alpha;
  }

  private kernel(a: Float64Array, ao: number, b: Float64Array, bo: number): number {
    let r2 = 0;
    for (let c = 0; c < this.d; c++) {
      const diff = a[ao + c]! - b[bo + c]!;
      r2 += diff * diff * this.invLs2[c]!;
    }
    return this.sf2 * matern52(Math.sqrt(r2));
  }

  /** Posterior mean and variance (of the latent function, noise excluded) at m inputs (m × d). */
  predict(xs: Float64Array, m: number): { mean: Float64Array; variance: Float64Array } {
    const n = this.n;
    const ks = new Float64Array(m * n);
    const mean = new Float64Array(m);
    for (let s = 0; s < m; s++) {
      let mu = 0;
      for (let i = 0; i < n; i++) {
        const v = this.kernel(xs, s * this.d, this.x, i * this.d);
        ks[s * n + i] = v;
        mu += v * this.alpha[i]!;
      }
      mean[s] = mu;
    }
    solveLowerRowsInPlace(this.l, n, ks, m);
    const variance = new Float64Array(m);
    for (let s = 0; s < m; s++) {
      let q = 0;
      for (let i = 0; i < n; i++) q += ks[s * n + i]! * ks[s * n + i]!;
      variance[s] = Math.max(this.sf2 - q, 1e-12 * this.sf2);
    }
    return { mean, variance };
  }
}
