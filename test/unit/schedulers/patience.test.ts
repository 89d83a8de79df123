import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { decide, trial } from './helpers.js';

/** Every epoch is a rung with min-resource 1 and eta 1.0001^... so use median, and asha with rungs 1,2,4,8 (eta 2). */
describe('patience', () => {
  const field = [0.6, 0.7, 0.8].map((v, i) => trial(i, Array.from({ length: 16 }, () => v), 'complete', 32));

  it('keeps a trial that dips below the cut at one rung, stops it after `patience` rungs in a row', () => {
    // asha, eta 2: rungs 1, 2, 4, 8, 16; the cut is the median of the field (0.7)
    const dipOnce = trial(9, [0.9, 0.5], 'running', 32);
    assert.equal(decide(SCHEDULERS.asha.create({ 'reduction-factor': 2 }), [...field, dipOnce], 9), 'stop', 'without patience one dip kills it');
    assert.equal(decide(SCHEDULERS.asha.create({ 'reduction-factor': 2, patience: 2 }), [...field, dipOnce], 9), 'continue');
    const recovered = trial(9, [0.9, 0.5, 0.9, 0.9], 'running', 32);
    assert.equal(decide(SCHEDULERS.asha.create({ 'reduction-factor': 2, patience: 2 }), [...field, recovered], 9), 'continue');
    const twice = trial(9, [0.9, 0.5, 0.5, 0.5], 'running', 32);
    assert.equal(decide(SCHEDULERS.asha.create({ 'reduction-factor': 2, patience: 2 }), [...field, twice], 9), 'stop', 'below at rungs 2 and 4');
  });

  it('counts consecutive epochs for median stopping', () => {
    const done = Array.from({ length: 6 }, (_, i) => trial(i, Array.from({ length: 10 }, () => 0.8), 'complete', 10));
    const low = (n: number) => trial(9, Array.from({ length: n }, () => 0.5), 'running', 10);
    const m3 = SCHEDULERS.median.create({ patience: 3 });
    assert.equal(decide(m3, [...done, low(1)], 9), 'continue');
    assert.equal(decide(m3, [...done, low(2)], 9), 'continue');
    assert.equal(decide(m3, [...done, low(3)], 9), 'stop');
    assert.equal(decide(SCHEDULERS.median.create({}), [...done, low(1)], 9), 'stop');
  });

  it('works with every stopping scheduler and refuses patience < 1', () => {
    for (const name of ['successive-halving', 'hyperband', 'asha', 'median'] as const) {
      assert.doesNotThrow(() => SCHEDULERS[name].create({ patience: 3 }));
      assert.throws(() => SCHEDULERS[name].create({ patience: 0 }));
    }
  });
});
