/**
 * Sobol low-discrepancy points in base 2 with 32-bit resolution, computed directly from the index
 * (Gray-code order, so point n does not need points 0..n-1: a stateless sampler can ask for any n),
 * optionally scrambled by a random linear matrix scramble plus a digital shift, which keeps the
 * net's stratification and makes the points an unbiased randomised QMC design.
 */
import { JOE_KUO } from './sobol-directions.js';
import { deriveSeed, Rng } from './rng.js';

const BITS = 32;

/** Primitive polynomials over GF(2) in increasing (degree, value) order, as bit patterns with both end terms. */
const primitiveCache: number[] = [];
let primitiveNextCandidate = 3;

function polyMulMod(a: number, b: number, p: number, degree: number): number {
  // carry-less multiplication of a·b modulo p; every operand has degree < `degree` ≤ 30
  let r = 0;
  const top = 1 << degree;
  while (b) {
    if (b & 1) r ^= a;
    b >>>= 1;
    a <<= 1;
    if (a & top) a ^= p;
  }
  return r;
}

function polyPowMod(base: number, e: number, p: number, degree: number): number {
  let result = 1;
  let b = base;
  while (e > 0) {
    if (e % 2 === 1) result = polyMulMod(result, b, p, degree);
    b = polyMulMod(b, b, p, degree);
    e = Math.floor(e / 2);
  }
  return result;
}

function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let f = 2; f * f <= n; f++) {
    if (n % f === 0) {
      out.push(f);
      while (n % f === 0) n /= f;
    }
  }
  if (n > 1) out.push(n);
  return out;
}

/** Whether p (degree s, constant term 1) is primitive: x has order exactly 2^s - 1 modulo p. */
export function isPrimitivePolynomial(p: number): boolean {
  const s = 31 - Math.clz32(p);
  if (s < 1 || (p & 1) === 0) return false;
  if (s === 1) return p === 3;
  const order = 2 ** s - 1;
  if (polyPowMod(2, order, p, s) !== 1) return false;
  for (const q of primeFactors(order)) if (polyPowMod(2, order / q, p, s) === 1) return false;
  return true;
}

/** The k-th primitive polynomial (k = 0 is x + 1), in the order the Joe–Kuo table uses. */
export function primitivePolynomial(k: number): number {
  while (primitiveCache.length <= k) {
    const p = primitiveNextCandidate;
    primitiveNextCandidate += 2;
    if (isPrimitivePolynomial(p)) primitiveCache.push(p);
  }
  return primitiveCache[k]!;
}

/** Degree, inner coefficients and initial direction integers of dimension `dim` (0-based). */
export function directionParameters(dim: number): { s: number; a: number; m: number[] } {
  if (dim === 0) return { s: 0, a: 0, m: [] };
  const row = JOE_KUO[dim - 1];
  if (row !== undefined) {
    const [s, a, ...m] = row.split(' ').map(Number) as [number, number, ...number[]];
    return { s, a, m };
  }
  // Past the table: the next primitive polynomial and seeded odd integers m_k < 2^k. Still a valid
  // digital sequence (each dimension alone is a (0,1)-sequence), without Joe–Kuo's 2-D optimisation.
  const p = primitivePolynomial(dim - 1);
  const s = 31 - Math.clz32(p);
  const a = (p >>> 1) & ((1 << (s - 1)) - 1);
  const rng = new Rng(deriveSeed('sobol-direction-numbers', dim));
  const m: number[] = [];
  for (let k = 1; k <= s; k++) m.push(2 * rng.int(0, 2 ** (k - 1) - 1) + 1);
  return { s, a, m };
}

const directionCache = new Map<number, Uint32Array>();

/** The 32 direction numbers V_k of a dimension, left-aligned in 32-bit words. */
export function directionNumbers(dim: number): Uint32Array {
  const hit = directionCache.get(dim);
  if (hit) return hit;
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let k = 0; k < BITS; k++) v[k] = (1 << (BITS - 1 - k)) >>> 0;
  } else {
    const { s, a, m } = directionParameters(dim);
    for (let k = 0; k < Math.min(s, BITS); k++) v[k] = (m[k]! << (BITS - 1 - k)) >>> 0;
    for (let k = s; k < BITS; k++) {
      let x = v[k - s]! ^ (v[k - s]! >>> s);
      for (let j = 1; j < s; j++) if ((a >>> (s - 1 - j)) & 1) x ^= v[k - j]!;
      v[k] = x >>> 0;
    }
  }
  directionCache.set(dim, v);
  return v;
}

/** Parity of the set bits of a 32-bit word. */
function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Linear matrix scramble of a dimension's direction numbers: each output digit i is digit i of V
 * plus a random combination of the more significant digits (a random lower-triangular matrix with
 * unit diagonal). Applied to the direction numbers it scrambles every point the same way.
 */
function scrambleDirections(v: Uint32Array, rng: Rng): Uint32Array {
  const rows = new Uint32Array(BITS);
  for (let i = 0; i < BITS; i++) {
    // row i: bit of digit i (position 31 - i) plus random bits of digits 0..i-1 (positions above it)
    const above = i === 0 ? 0 : (rng.uint32() >>> (BITS - i)) << (BITS - i);
    rows[i] = (above | (1 << (BITS - 1 - i))) >>> 0;
  }
  const out = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) {
    let w = 0;
    for (let i = 0; i < BITS; i++) if (parity(v[k]! & rows[i]!)) w |= 1 << (BITS - 1 - i);
    out[k] = w >>> 0;
  }
  return out;
}

/** A d-dimensional Sobol sequence; `seed` given = scrambled (linear matrix scramble + digital shift). */
export class SobolSequence {
  private readonly v: Uint32Array[];
  private readonly shift: Uint32Array;

  constructor(readonly dimensions: number, readonly seed?: number) {
    this.v = [];
    this.shift = new Uint32Array(dimensions);
    for (let d = 0; d < dimensions; d++) {
      const base = directionNumbers(d);
      if (seed === undefined) {
        this.v.push(base);
      } else {
        // one generator per dimension, so adding a dimension leaves the others unchanged
        const rng = new Rng(deriveSeed(seed, 'sobol-scramble', d));
        this.v.push(scrambleDirections(base, rng));
        this.shift[d] = rng.uint32();
      }
    }
  }

  /** Point `index` (0-based, < 2^32), each coordinate in [0, 1). */
  point(index: number): Float64Array {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** BITS) throw new RangeError(`Sobol index out of range: ${index}`);
    const gray = (index ^ Math.floor(index / 2)) >>> 0;
    const out = new Float64Array(this.dimensions);
    for (let d = 0; d < this.dimensions; d++) {
      const v = this.v[d]!;
      let x = this.shift[d]!;
      let g = gray;
      for (let k = 0; g !== 0; k++, g >>>= 1) if (g & 1) x ^= v[k]!;
      out[d] = (x >>> 0) / 2 ** BITS;
    }
    return out;
  }
}
