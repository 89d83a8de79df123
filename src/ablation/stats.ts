/**
 * Means with Student-t confidence intervals, for a handful of seeds. With 3–10
 * retrainings a bootstrap interval is too narrow (it never sees more spread than
 * the few values it resamples), so the interval is the classic t-interval:
 * mean ± t(1 − (1 − level)/2, n − 1) · sd / √n. For paired differences (the same
 * seeds with and without a strategy) it is the paired t-interval.
 */
import { bisect, gammaln, mean, sampleStandardDeviation } from 'simple-statistics';

/** Regularised incomplete beta I_x(a, b), by its continued fraction (Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x));
  // the continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return (front * f) / a;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (0 < p < 1). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`studentTQuantile needs 0 < p < 1 and df > 0, got p=${p}, df=${df}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  return bisect((t: number) => studentTCdf(t, df) - p, 0, hi, 200, 1e-12);
}

export interface MeanInterval {
  n: number;
  mean: number;
  /** Sample standard deviation (0 for one value). */
  sd: number;
  /** Bounds of the interval; equal to the mean when n < 2 (no spread is known). */
  low: number;
  high: number;
  level: number;
  method: 't';
}

/** The mean of the values with its Student-t interval. */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval {
  const n = values.length;
  if (n === 0) throw new RangeError('meanInterval needs at least one value');
  const m = mean([...values]);
  if (n < 2) return { n, mean: m, sd: 0, low: m, high: m, level, method: 't' };
  const sd = sampleStandardDeviation([...values]);
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean: m, sd, low: m - half, high: m + half, level, method: 't' };
}

/** The paired differences a[i] − b[i] with their t-interval. */
export function pairedInterval(a: readonly number[], b: readonly number[], level = 0.95): MeanInterval {
  if (a.length !== b.length) throw new RangeError(`paired values need equal lengths, got ${a.length} and ${b.length}`);
  return meanInterval(
    a.map((v, i) => v - b[i]!),
    level,
  );
}
