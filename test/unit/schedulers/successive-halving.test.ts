import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HybridTuneError } from '../../../src/errors.js';
import { rungEpochs } from '../../../src/schedulers/fidelity.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { decide, trial } from './helpers.js';

const sh = (o: Record<string, unknown> = {}) => SCHEDULERS['successive-halving'].create(o);

describe('successive-halving', () => {
  it('puts rungs at min·eta^k below the maximum epochs', () => {
    assert.deepEqual(rungEpochs(1, 3, 0, 81), [1, 3, 9, 27]);
    assert.deepEqual(rungEpochs(1, 4, 0, 81), [1, 4, 16, 64]);
    assert.deepEqual(rungEpochs(2, 3, 1, 81), [6, 18, 54]);
    assert.deepEqual(rungEpochs(1, 3, 0, 3), [1]);
  });

  it('keeps exactly the top 1/eta of the trials at a full rung', () => {
    // nine trials at rung 1 (eta 3): values 0.10 .. 0.90 in a shuffled order
    const values = [0.5, 0.9, 0.2, 0.7, 0.1, 0.8, 0.4, 0.6, 0.3];
    const trials = values.map((v, i) => trial(i, [v]));
    const kept = trials.filter((t) => decide(sh(), trials, t.number) === 'continue').map((t) => t.intermediate[0]!.value);
    assert.deepEqual(kept.sort(), [0.7, 0.8, 0.9]);
    // eta 4 over eight trials: the top two
    const eight = values.slice(0, 8).map((v, i) => trial(i, [v]));
    const kept4 = eight.filter((t) => decide(sh({ 'reduction-factor': 4 }), eight, t.number) === 'continue').map((t) => t.intermediate[0]!.value);
    assert.deepEqual(kept4.sort(), [0.8, 0.9]);
  });

  it('judges by the rung epoch only, and lets a trial train freely between rungs', () => {
    const others = [trial(0, [0.9, 0.95, 0.97]), trial(1, [0.8, 0.9, 0.93]), trial(2, [0.85, 0.9, 0.92])];
    const bad = trial(3, [0.1, 0.15]);
    assert.equal(decide(sh(), [...others, bad], 3), 'continue', 'epoch 2 is no rung');
    assert.equal(decide(sh(), [...others, trial(3, [0.1, 0.15, 0.2])], 3), 'stop', 'epoch 3 is');
  });

  it('with fewer than eta at a rung, goes on only if best so far (Optuna)', () => {
    assert.equal(decide(sh(), [trial(0, [0.4])], 0), 'continue', 'first at the rung');
    assert.equal(decide(sh(), [trial(0, [0.4]), trial(1, [0.3])], 1), 'stop');
    assert.equal(decide(sh(), [trial(0, [0.4]), trial(1, [0.5])], 1), 'continue');
  });

  it('never stops a trial at its last epoch, and honours max-resource and min-resource', () => {
    const full = [trial(0, [0.9, 0.9, 0.9], 'complete', 3), trial(1, [0.9, 0.9, 0.9], 'complete', 3), trial(2, [0.1, 0.1, 0.1], 'running', 3)];
    assert.equal(decide(sh(), full, 2), 'continue', 'epoch 3 of 3 is the end, not a rung');
    const t = [trial(0, [0.9, 0.9, 0.9]), trial(1, [0.9, 0.9, 0.9]), trial(2, [0.9, 0.9, 0.9]), trial(3, [0.1, 0.1, 0.1])];
    assert.equal(decide(sh({ 'max-resource': 3 }), t, 3), 'continue');
    assert.equal(decide(sh({ 'min-resource': 2 }), t, 3), 'continue', 'rungs 2, 6, 18, 54: not 3');
  });

  it('ranks the other way when minimising', () => {
    const trials = [0.5, 0.9, 0.2, 0.7, 0.1, 0.8].map((v, i) => trial(i, [v]));
    const kept = trials.filter((t) => decide(sh(), trials, t.number, 'minimize') === 'continue').map((t) => t.intermediate[0]!.value);
    assert.deepEqual(kept.sort(), [0.1, 0.2]);
  });

  it('stops a NaN trial and, with bootstrap-count, every trial until the rung has enough', () => {
    assert.equal(decide(sh(), [trial(0, [0.9]), trial(1, [Number.NaN])], 1), 'stop');
    assert.equal(decide(sh({ 'bootstrap-count': 2 }), [trial(0, [0.9]), trial(1, [0.95])], 1), 'stop');
    assert.equal(decide(sh({ 'bootstrap-count': 2 }), [trial(0, [0.9]), trial(1, [0.8]), trial(2, [0.95])], 2), 'continue');
  });

  it('refuses unknown options and bad values, naming the key', () => {
    assert.throws(() => sh({ 'reduction-factr': 3 }), (e: unknown) => e instanceof HybridTuneError && e.details.key === 'sweep.scheduler-options.reduction-factr');
    assert.throws(() => sh({ 'reduction-factor': 1 }), (e: unknown) => e instanceof HybridTuneError && /> 1/.test(e.details.expected ?? ''));
    assert.throws(() => sh({ 'min-resource': 0.5 }), HybridTuneError);
    assert.throws(() => sh({ 'rank-by': 'magic' }), (e: unknown) => e instanceof HybridTuneError && /value, extrapolated/.test(e.details.expected ?? ''));
  });
});
