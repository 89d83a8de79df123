/**
 * Learning-curve prediction for rung decisions, so that a slow starter is judged by
 * where its curve is heading, not by where it is.
 *
 * Model (the exponential approach to an asymptote that freeze-thaw BO assumes):
 *   s(t) = s0 + g (1 - exp(-t / tau))     origin s0 known (accuracy starts at 0)
 *   s(t) = a + b exp(-t / tau)            origin fitted
 * with Gaussian noise of standard deviation sigma per epoch. For each tau of a log
 * grid the linear part is fitted in closed form; tau is then averaged over its
 * posterior, whose prior is learned from the study itself (empirical Bayes): the
 * mean tau-posterior of the trials that already trained a third of their epochs.
 * When every curve of a study has the same shape, the prior becomes sharp and one
 * epoch predicts as well as many; when shapes differ, it stays broad and the
 * prediction carries its uncertainty (which the schedulers' confidence margin
 * respects). sigma is estimated from second differences of the stored curves
 * (robust median). Everything is a function of the stored values.
 */

const K = 128;
const TAU_MIN = 0.25;
const TAU_MAX = 1000;
/** The tau grid, log-spaced. */
export const TAUS: Float64Array = Float64Array.from({ length: K }, (_, k) => TAU_MIN * (TAU_MAX / TAU_MIN) ** (k / (K - 1)));
/** Weight of a uniform component mixed into a learned prior, so no tau is ever ruled out a priori. */
const PRIOR_FLOOR = 0.05;

// per tau: e(t) = exp(-t/tau) and the cumulative sums over t = 1..n of g², e, e² (g = 1 - e), grown on demand
let tableN = 0;
let expT: Float64Array[] = [];
let cumGG: Float64Array[] = [];
let cumE: Float64Array[] = [];
let cumEE: Float64Array[] = [];

function ensureTables(n: number): void {
  if (n <= tableN) return;
  const size = Math.max(n, tableN * 2, 128);
  expT = Array.from({ length: K }, (_, k) => Float64Array.from({ length: size + 1 }, (_, t) => Math.exp(-t / TAUS[k]!)));
  const cumulative = (f: (e: number) => number) =>
    expT.map((e) => {
      const a = new Float64Array(size + 1);
      for (let t = 1; t <= size; t++) a[t] = a[t - 1]! + f(e[t]!);
      return a;
    });
  cumGG = cumulative((e) => (1 - e) * (1 - e));
  cumE = cumulative((e) => e);
  cumEE = cumulative((e) => e * e);
  tableN = size;
}

/** Sufficient statistics of a curve's first n values for every tau. */
export interface CurveStats {
  n: number;
  origin: number | 'fit';
  /** Σ y (origin fitted) */
  sy: number;
  /** Σ (y - s0)², or Σ y² when the origin is fitted */
  syy: number;
  /** Σ (y - s0) g per tau, or Σ y e when the origin is fitted */
  sxy: Float64Array;
}

export function curveStats(values: readonly number[], origin: number | 'fit'): CurveStats {
  const n = values.length;
  ensureTables(n);
  const s0 = origin === 'fit' ? 0 : origin;
  let sy = 0;
  let syy = 0;
  for (const v of values) {
    sy += v - s0;
    syy += (v - s0) * (v - s0);
  }
  const sxy = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    const e = expT[k]!;
    let acc = 0;
    for (let t = 1; t <= n; t++) acc += (values[t - 1]! - s0) * (origin === 'fit' ? e[t]! : 1 - e[t]!);
    sxy[k] = acc;
  }
  return { n, origin, sy, syy, sxy };
}

/** Per tau: the fitted curve's value at the horizon, its variance given tau, and the residual sum of squares. */
function fitAt(st: CurveStats, k: number, horizon: number, sigma2: number): { pred: number; varPred: number; sse: number } | undefined {
  const tau = TAUS[k]!;
  const eT = Number.isInteger(horizon) && horizon <= tableN ? expT[k]![horizon]! : Math.exp(-horizon / tau);
  if (st.origin !== 'fit') {
    const a = cumGG[k]![st.n]!;
    if (!(a > 1e-300)) return undefined;
    const b = st.sxy[k]!;
    const gain = b / a;
    const h = 1 - eT;
    return { pred: st.origin + gain * h, varPred: (sigma2 * h * h) / a, sse: Math.max(0, st.syy - (b * b) / a) };
  }
  if (st.n < 3) return undefined;
  const se = cumE[k]![st.n]!;
  const see = cumEE[k]![st.n]!;
  const det = st.n * see - se * se;
  if (!(det > 1e-12 * st.n * Math.max(see, 1e-300))) return undefined;
  const sey = st.sxy[k]!;
  const b = (st.n * sey - se * st.sy) / det;
  const a = (st.sy - b * se) / st.n;
  // x = [1, eT]; var = sigma² xᵀ (XᵀX)⁻¹ x
  const q = (see - 2 * se * eT + st.n * eT * eT) / det;
  return { pred: a + b * eT, varPred: sigma2 * q, sse: Math.max(0, st.syy - a * st.sy - b * sey) };
}

export interface Prediction {
  mean: number;
  sd: number;
  /** The posterior over the tau grid (sums to 1). */
  weights: Float64Array;
}

/**
 * The posterior prediction of the curve at `horizon`. `sigma` undefined (no noise
 * estimate yet): the least-squares tau, with an infinite sd (it cannot be judged).
 * `prior` undefined: uniform. Taus
 * longer than the horizon get no weight: a curve that slow is not worth finishing,
 * and without the cap a straight start extrapolates without bound.
 */
export function predict(st: CurveStats, horizon: number, sigma: number | undefined, prior?: Float64Array): Prediction | undefined {
  const s2 = sigma === undefined ? 0 : Math.max(sigma * sigma, 1e-18);
  const fits: Array<ReturnType<typeof fitAt>> = [];
  const logw = new Float64Array(K).fill(Number.NEGATIVE_INFINITY);
  let bestLog = Number.NEGATIVE_INFINITY;
  let bestK = -1;
  let bestSse = Number.POSITIVE_INFINITY;
  for (let k = 0; k < K; k++) {
    const f = TAUS[k]! <= horizon ? fitAt(st, k, horizon, s2) : undefined;
    fits.push(f);
    if (!f) continue;
    if (f.sse < bestSse) {
      bestSse = f.sse;
      bestK = k;
    }
    const p = prior ? prior[k]! : 1;
    if (!(p > 0) || sigma === undefined) continue;
    logw[k] = Math.log(p) - f.sse / (2 * s2);
    if (logw[k]! > bestLog) bestLog = logw[k]!;
  }
  if (bestK < 0) return undefined;
  const weights = new Float64Array(K);
  if (sigma === undefined || bestLog === Number.NEGATIVE_INFINITY) {
    weights[bestK] = 1;
  } else {
    let z = 0;
    for (let k = 0; k < K; k++) {
      const w = logw[k] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(logw[k]! - bestLog);
      weights[k] = w;
      z += w;
    }
    for (let k = 0; k < K; k++) weights[k] = weights[k]! / z;
  }
  let mean = 0;
  let second = 0;
  for (let k = 0; k < K; k++) {
    const w = weights[k]!;
    if (w === 0) continue;
    const f = fits[k]!;
    mean += w * f.pred;
    second += w * (f.varPred + f.pred * f.pred);
  }
  const sd = sigma === undefined ? Number.POSITIVE_INFINITY : Math.sqrt(Math.max(0, second - mean * mean));
  return { mean, sd, weights };
}

/**
 * A curve's noise from its second differences (robust: median absolute value),
 * which are noise plus a curvature that fades as training goes on. Undefined
 * with fewer than 5 values.
 */
export function curveNoise(values: readonly number[]): number | undefined {
  if (values.length < 5) return undefined;
  const d: number[] = [];
  for (let i = 1; i + 1 < values.length; i++) d.push(Math.abs(values[i + 1]! - 2 * values[i]! + values[i - 1]!));
  d.sort((a, b) => a - b);
  const med = d.length % 2 ? d[(d.length - 1) / 2]! : (d[d.length / 2 - 1]! + d[d.length / 2]!) / 2;
  // for Gaussian noise, a second difference has sd sigma·√6, and median |N(0,1)| = 0.6745
  return med / 0.6745 / Math.sqrt(6);
}

/**
 * A curve's likelihood over the tau grid (scaled so its maximum is 1; 0 where tau
 * exceeds the horizon or the fit is undefined).
 */
export function tauLikelihood(st: CurveStats, horizon: number, sigma: number): Float64Array {
  const s2 = Math.max(sigma * sigma, 1e-18);
  const ll = new Float64Array(K).fill(Number.NEGATIVE_INFINITY);
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < K; k++) {
    if (TAUS[k]! > horizon) continue;
    const f = fitAt(st, k, horizon, s2);
    if (!f) continue;
    ll[k] = -f.sse / (2 * s2);
    if (ll[k]! > max) max = ll[k]!;
  }
  const out = new Float64Array(K);
  if (max === Number.NEGATIVE_INFINITY) return out;
  for (let k = 0; k < K; k++) out[k] = ll[k] === Number.NEGATIVE_INFINITY ? 0 : Math.exp(ll[k]! - max);
  return out;
}

/**
 * The study's distribution of tau: the mean posterior (under a uniform prior) of
 * the given curves, floored by a uniform share so that no tau is ever ruled out.
 */
export function learnedPrior(likelihoods: readonly Float64Array[]): Float64Array | undefined {
  const p = new Float64Array(K);
  let used = 0;
  for (const L of likelihoods) {
    let z = 0;
    for (let k = 0; k < K; k++) z += L[k]!;
    if (!(z > 0)) continue;
    used++;
    for (let k = 0; k < K; k++) p[k] = p[k]! + L[k]! / z;
  }
  if (used === 0) return undefined;
  for (let k = 0; k < K; k++) p[k] = (1 - PRIOR_FLOOR) * (p[k]! / used) + PRIOR_FLOOR / K;
  return p;
}
