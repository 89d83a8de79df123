import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracyInterval, wilsonInterval } from '../../../src/analysis/interval.js';

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

describe('wilsonInterval', () => {
  it('matches the textbook values', () => {
    const half = wilsonInterval(5, 10);
    close(half.low, 0.2366);
    close(half.high, 0.7634);
    const none = wilsonInterval(0, 10);
    assert.equal(none.low, 0);
    close(none.high, 0.2775);
    const all = wilsonInterval(10, 10);
    close(all.low, 0.7225);
    assert.equal(all.high, 1);
    assert.equal(half.method, 'wilson');
    assert.equal(half.level, 0.95);
  });
  it('narrows with more data and widens with the level', () => {
    const a = wilsonInterval(80, 100);
    const b = wilsonInterval(800, 1000);
    assert.ok(b.high - b.low < a.high - a.low);
    const c = wilsonInterval(80, 100, 0.99);
    assert.ok(c.high - c.low > a.high - a.low);
    assert.ok(a.low < 0.8 && 0.8 < a.high);
  });
  it('refuses impossible counts and unknown levels', () => {
    assert.throws(() => wilsonInterval(11, 10), RangeError);
    assert.throws(() => wilsonInterval(1, 0), RangeError);
    assert.throws(() => wilsonInterval(1.5, 10), RangeError);
    assert.throws(() => wilsonInterval(1, 10, 0.97), RangeError);
  });
});

describe('accuracyInterval', () => {
  it('reads the diagonal of a confusion matrix', () => {
    const ci = accuracyInterval([
      [359, 69],
      [109, 335],
    ])!;
    assert.equal(ci.successes, 694);
    assert.equal(ci.n, 872);
    close(ci.estimate, 694 / 872, 1e-12);
    assert.ok(ci.low < ci.estimate && ci.estimate < ci.high);
  });
  it('gives null for an empty or malformed matrix', () => {
    assert.equal(accuracyInterval([]), null);
    assert.equal(accuracyInterval([[0, 0], [0, 0]]), null);
    assert.equal(accuracyInterval([[1, -1], [0, 2]]), null);
    assert.equal(accuracyInterval([[1.5, 0], [0, 2]]), null);
  });
});
