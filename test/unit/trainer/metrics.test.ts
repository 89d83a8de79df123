import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitMetrics } from '../../../src/trainer/metrics.js';

describe('splitMetrics', () => {
  it('computes accuracy, macro-F1, confusion and per-class figures', () => {
    const yTrue = [0, 0, 0, 1, 1, 2];
    const yPred = [0, 0, 1, 1, 0, 2];
    const m = splitMetrics(yTrue, yPred, ['a', 'b', 'c']);
    assert.equal(m.accuracy, 4 / 6);
    assert.deepEqual(m.confusion, [
      [2, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
    ]);
    const f1a = (2 * (2 / 3) * (2 / 3)) / (4 / 3);
    const f1b = 0.5;
    assert.ok(Math.abs(m.macroF1 - (f1a + f1b + 1) / 3) < 1e-12);
    assert.equal(m.perClass[2]!.support, 1);
  });

  it('leaves out classes absent from both truth and predictions', () => {
    const m = splitMetrics([0, 0, 1], [0, 0, 1], ['a', 'b', 'c']);
    assert.equal(m.macroF1, 1);
  });
});
