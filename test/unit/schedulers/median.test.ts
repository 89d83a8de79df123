import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { curve, decide, trial } from './helpers.js';

const median = (o: Record<string, unknown> = {}) => SCHEDULERS.median.create(o);
const finished = (n: number) => Array.from({ length: n }, (_, i) => trial(i, curve(0.8 + 0.02 * i, 5, 20), 'complete', 20));

describe('median', () => {
  it('stops a clearly bad trial and keeps a good one', () => {
    const done = finished(6);
    assert.equal(decide(median(), [...done, trial(10, curve(0.3, 5, 4), 'running', 20)], 10), 'stop');
    assert.equal(decide(median(), [...done, trial(10, curve(0.95, 5, 4), 'running', 20)], 10), 'continue');
  });

  it('waits for its start-up trials and warm-up epochs', () => {
    const bad = trial(10, curve(0.3, 5, 4), 'running', 20);
    assert.equal(decide(median(), [...finished(4), bad], 10), 'continue', '4 of 5 start-up trials complete');
    assert.equal(decide(median({ 'n-startup-trials': 4 }), [...finished(4), bad], 10), 'stop');
    assert.equal(decide(median({ 'n-warmup-steps': 4 }), [...finished(6), bad], 10), 'continue', 'epoch 4 is warm-up');
  });

  it('compares only with complete trials, and uses the trial\'s best value so far (Optuna)', () => {
    const pruned = Array.from({ length: 6 }, (_, i) => trial(i, [0.01, 0.01], 'pruned', 20));
    assert.equal(decide(median(), [...pruned, trial(10, [0.02, 0.03], 'running', 20)], 10), 'continue');
    // one noisy epoch below the median does not stop a trial whose best so far is above it
    // the complete trials' median at epoch 4 is about 0.47; the trial's best so far (0.7) is above it
    const done = finished(6);
    assert.equal(decide(median(), [...done, trial(10, [0.3, 0.6, 0.7, 0.2], 'running', 20)], 10), 'continue');
    assert.equal(decide(median(), [...done, trial(10, [0.3, 0.3, 0.3, 0.2], 'running', 20)], 10), 'stop');
  });
});
