import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';
import { Rng } from '../../../src/math/rng.js';
import { stratifiedSplit, stratifiedSubsample } from '../../../src/data/split.js';

/** Labels: `counts[c]` examples of class c, interleaved so classes are not in blocks. */
function labelsWith(counts: number[]): Int32Array {
  const y: number[] = [];
  const left = [...counts];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        y.push(c);
        left[c] = n - 1;
      }
    });
  }
  return Int32Array.from(y);
}

function countPerClass(y: Int32Array, indices: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const i of indices) counts[y[i]!]!++;
  return counts;
}

describe('stratifiedSplit', () => {
  it('splits every class in proportion and covers each index exactly once', () => {
    const y = labelsWith([600, 300, 100]);
    const parts = stratifiedSplit(y, { validation: 0.2, test: 0.1 }, new Rng(7));
    assert.deepEqual(countPerClass(y, parts.validation, 3), [120, 60, 20]);
    assert.deepEqual(countPerClass(y, parts.test, 3), [60, 30, 10]);
    assert.deepEqual(countPerClass(y, parts.train, 3), [420, 210, 70]);
    const all = [...parts.train, ...parts.validation, ...parts.test].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: y.length }, (_, i) => i));
    // Ascending order inside each part.
    for (const part of [parts.train, parts.validation, parts.test]) {
      for (let i = 1; i < part.length; i++) assert.ok(part[i - 1]! < part[i]!);
    }
  });

  it('is deterministic by seed and differs between seeds', () => {
    const y = labelsWith([50, 30]);
    const a = stratifiedSplit(y, { validation: 0.25 }, new Rng(42));
    const b = stratifiedSplit(y, { validation: 0.25 }, new Rng(42));
    const c = stratifiedSplit(y, { validation: 0.25 }, new Rng(43));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.validation, c.validation);
    assert.deepEqual(countPerClass(y, c.validation, 2), [13, 8]); // round(12.5) = 13, round(7.5) = 8
    assert.equal(a.test.length, 0);
  });

  it('puts at least one example of a class with >= 2 in validation and keeps one in train', () => {
    // Class 1 has 2 examples (20% would round to 0), class 2 has 1.
    const y = labelsWith([20, 2, 1]);
    const parts = stratifiedSplit(y, { validation: 0.2 }, new Rng(1));
    assert.deepEqual(countPerClass(y, parts.validation, 3), [4, 1, 0]);
    assert.deepEqual(countPerClass(y, parts.train, 3), [16, 1, 1]);
    // With a test share too, a class of 2 gives its spare example to validation, not test.
    const both = stratifiedSplit(y, { validation: 0.2, test: 0.3 }, new Rng(1));
    assert.deepEqual(countPerClass(y, both.validation, 3), [4, 1, 0]);
    assert.deepEqual(countPerClass(y, both.test, 3), [6, 0, 0]);
    assert.deepEqual(countPerClass(y, both.train, 3), [10, 1, 1]);
  });

  it('rejects fractions outside [0, 1) or adding up to 1', () => {
    const y = labelsWith([5, 5]);
    for (const fractions of [{ validation: -0.1 }, { validation: 1 }, { validation: Number.NaN }, { validation: 0.5, test: 0.5 }]) {
      assert.throws(
        () => stratifiedSplit(y, fractions, new Rng(0)),
        (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.OUT_OF_RANGE,
      );
    }
  });
});

describe('stratifiedSubsample', () => {
  it('takes exactly n with class shares by largest remainder, deterministically', () => {
    const y = labelsWith([700, 200, 100]);
    const picked = stratifiedSubsample(y, 95, new Rng(3));
    assert.equal(picked.length, 95);
    // Exact shares 66.5, 19, 9.5: one leftover goes to the lower class id on a tie.
    assert.deepEqual(countPerClass(y, picked, 3), [67, 19, 9]);
    assert.equal(new Set(picked).size, 95);
    assert.deepEqual(stratifiedSubsample(y, 95, new Rng(3)), picked);
    assert.notDeepEqual(stratifiedSubsample(y, 95, new Rng(4)), picked);
  });

  it('keeps one example of a rare class when n allows it', () => {
    const y = labelsWith([990, 10]);
    const picked = stratifiedSubsample(y, 20, new Rng(0));
    // The exact share of class 1 is 0.2, which would round to nothing.
    assert.deepEqual(countPerClass(y, picked, 2), [19, 1]);
  });

  it('returns every index when n is at least the size', () => {
    const y = labelsWith([3, 2]);
    assert.deepEqual(Array.from(stratifiedSubsample(y, 10, new Rng(0))), [0, 1, 2, 3, 4]);
  });
});
