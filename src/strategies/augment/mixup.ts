/**
 * Mixup and Gaussian feature noise, in feature space: pure functions on packed
 * row-major buffers, used by the trainer per batch (on the embedding bag's outputs
 * for sparse features, on the input rows for dense features).
 */
import type { Rng } from '../../math/rng.js';

/**
 * log of a Gamma(shape, 1) draw. Marsaglia–Tsang for shape ≥ 1; for shape < 1,
 * Gamma(a) = Gamma(a + 1) · U^(1/a), kept in logs so that tiny shapes (alpha → 0)
 * give very negative logs instead of underflowing to 0.
 */
export function logGamma01(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return logGamma01(shape + 1, rng) + Math.log(u) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u > 0 && Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** A Beta(a, b) draw, from two gamma draws taken in logs (exactly 0 or 1 when a, b → 0). */
export function sampleBeta(a: number, b: number, rng: Rng): number {
  const la = logGamma01(a, rng);
  const lb = logGamma01(b, rng);
  return 1 / (1 + Math.exp(lb - la));
}

/**
 * The mixing weight of one batch: λ ~ Beta(alpha, alpha), folded to max(λ, 1 − λ) so
 * that every example keeps at least half of itself (the distribution of mixed pairs is
 * the same under a random pairing). As alpha → 0, λ → 1: no mixing at all.
 */
export function mixupLambda(alpha: number, rng: Rng): number {
  const l = sampleBeta(alpha, alpha, rng);
  return Math.max(l, 1 - l);
}

/** out[i] = λ · buf[i] + (1 − λ) · buf[perm[i]], row by row (rows of `width`). */
export function mixRows(buf: Float32Array, width: number, perm: ArrayLike<number>, lambda: number): Float32Array {
  const B = perm.length;
  const out = new Float32Array(B * width);
  const mu = 1 - lambda;
  for (let i = 0; i < B; i++) {
    const o = i * width;
    const p = perm[i]! * width;
    for (let c = 0; c < width; c++) out[o + c] = lambda * buf[o + c]! + mu * buf[p + c]!;
  }
  return out;
}

/** The gradient of mixRows: dBuf[i] += λ · dOut[i], dBuf[perm[i]] += (1 − λ) · dOut[i]. */
export function unmixGrad(dOut: Float32Array, width: number, perm: ArrayLike<number>, lambda: number): Float32Array {
  const B = perm.length;
  const d = new Float32Array(B * width);
  const mu = 1 - lambda;
  for (let i = 0; i < B; i++) {
    const o = i * width;
    const p = perm[i]! * width;
    for (let c = 0; c < width; c++) {
      d[o + c]! += lambda * dOut[o + c]!;
      d[p + c]! += mu * dOut[o + c]!;
    }
  }
  return d;
}

/** Adds N(0, sigma²) to every entry, in place. */
export function addGaussianNoise(buf: Float32Array, sigma: number, rng: Rng): void {
  if (sigma <= 0) return;
  for (let i = 0; i < buf.length; i++) buf[i]! += sigma * rng.normal();
}
