import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { decide, trial } from './helpers.js';

const asha = (o: Record<string, unknown> = {}) => SCHEDULERS.asha.create(o);

describe('asha', () => {
  it('never waits: a trial reaching an empty rung goes on, however poor', () => {
    assert.equal(decide(asha(), [trial(0, [0.01])], 0), 'continue');
    // rung 3 is empty although rung 1 is crowded
    const crowd = [0.9, 0.8, 0.7].map((v, i) => trial(i, [v]));
    assert.equal(decide(asha(), [...crowd, trial(3, [0.95, 0.1, 0.01])], 3), 'continue');
  });

  it('goes on at or above the (1 - 1/eta) quantile of those that reached the rung so far', () => {
    const rung = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map((v, i) => trial(i, [v]));
    // quantile 2/3 of 0.1..0.7 is 0.5
    assert.equal(decide(asha(), [...rung, trial(9, [0.5])], 9), 'continue');
    assert.equal(decide(asha(), [...rung, trial(9, [0.49])], 9), 'stop');
    assert.equal(decide(asha({ 'reduction-factor': 2 }), [...rung, trial(9, [0.45])], 9), 'continue', 'median 0.4');
  });

  it('decides again the same way from the same view (no memory between calls)', () => {
    const rung = [0.3, 0.6, 0.9].map((v, i) => trial(i, [v]));
    const s = asha();
    const first = decide(s, [...rung, trial(5, [0.5])], 5);
    decide(s, [...rung, trial(6, [0.95])], 6);
    assert.equal(decide(s, [...rung, trial(5, [0.5])], 5), first);
    assert.equal(decide(asha(), [...rung, trial(5, [0.5])], 5), first);
  });
});
