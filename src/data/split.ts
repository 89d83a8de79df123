/**
 * Stratified splits and subsamples over class ids. Every class keeps its
 * share in every part, so a rare class is never missing from validation by
 * bad luck, and the same seed always gives the same indices.
 */
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { Rng } from '../math/rng.js';

export interface SplitFractions {
  validation?: number;
  test?: number;
}

export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/**
 * Splits the indices of `y` into train / validation / test, class by class.
 * Per class of n examples: round(n * fraction) go to each held-out part, at
 * least one to validation when n >= 2 (and to test when n >= 3), and at least
 * one always stays in train. Indices come back in ascending order.
 */
export function stratifiedSplit(y: Int32Array, fractions: SplitFractions, rng: Rng): SplitIndices {
  const fv = checkFraction(fractions.validation ?? 0, 'split.validation');
  const ft = checkFraction(fractions.test ?? 0, 'split.test');
  if (fv + ft >= 1) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, `split fractions add up to ${fv + ft}, leaving nothing to train on`, {
      key: 'split',
      value: { validation: fv, test: ft },
      expected: 'validation + test < 1',
    });
  }
  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  for (const members of groupByClass(y)) {
    const n = members.length;
    let nVal = Math.round(n * fv);
    let nTest = Math.round(n * ft);
    if (fv > 0 && n >= 2) nVal = Math.max(nVal, 1);
    if (ft > 0 && n >= 3) nTest = Math.max(nTest, 1);
    // Keep one for training: take back from test first, then validation.
    while (nVal + nTest > n - 1 && nTest > 0) nTest--;
    while (nVal + nTest > n - 1 && nVal > 0) nVal--;
    rng.shuffle(members);
    validation.push(...members.slice(0, nVal));
    test.push(...members.slice(nVal, nVal + nTest));
    train.push(...members.slice(nVal + nTest));
  }
  return { train: sortedIndices(train), validation: sortedIndices(validation), test: sortedIndices(test) };
}

/**
 * Picks `n` indices of `y` with class shares as close as possible to the
 * whole (largest remainder), at least one per class when `n` allows it.
 * Returns every index when `n >= y.length`. Indices come back ascending.
 */
export function stratifiedSubsample(y: Int32Array, n: number, rng: Rng): Int32Array {
  if (!Number.isInteger(n) || n < 0) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, `cannot take a sample of ${n} examples`, {
      key: 'maxTrain',
      value: n,
      expected: 'a whole number >= 0',
    });
  }
  if (n >= y.length) return sortedIndices(Array.from(y.keys()));
  const groups = groupByClass(y);
  const exact = groups.map((g) => (g.length * n) / y.length);
  const quota = exact.map(Math.floor);
  let left = n - quota.reduce((a, b) => a + b, 0);
  // Largest remainders first; ties go to the lower class id for determinism.
  const byRemainder = groups.map((_, c) => c).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!) || a - b);
  for (const c of byRemainder) {
    if (left === 0) break;
    quota[c]!++;
    left--;
  }
  if (n >= groups.length) {
    // Give each empty class one example, taken from the class with the most.
    for (let c = 0; c < groups.length; c++) {
      if (quota[c]! > 0) continue;
      const donor = quota.reduce((best, q, i) => (q > quota[best]! ? i : best), 0);
      quota[donor]!--;
      quota[c] = 1;
    }
  }
  const picked: number[] = [];
  groups.forEach((members, c) => picked.push(...rng.shuffle(members).slice(0, quota[c]!)));
  return sortedIndices(picked);
}

function checkFraction(value: number, key: string): number {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, `${key} must be a fraction in [0, 1)`, {
      key,
      value,
      expected: 'a number from 0 (none) up to, not including, 1',
    });
  }
  return value;
}

/** Indices of each class, classes in ascending id order, indices ascending. */
function groupByClass(y: Int32Array): number[][] {
  const byClass = new Map<number, number[]>();
  y.forEach((c, i) => {
    let members = byClass.get(c);
    if (!members) byClass.set(c, (members = []));
    members.push(i);
  });
  return [...byClass.keys()].sort((a, b) => a - b).map((c) => byClass.get(c)!);
}

function sortedIndices(indices: number[]): Int32Array {
  return Int32Array.from(indices).sort();
}
