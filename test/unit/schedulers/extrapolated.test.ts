import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { curveNoise, curveStats, predict } from '../../../src/schedulers/curve-model.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { Rng } from '../../../src/math/rng.js';
import { curve, decide, trial } from './helpers.js';

describe('learning-curve prediction (rank-by: extrapolated)', () => {
  it('recovers the end of a saturating curve from its first epochs', () => {
    for (const [f, tau] of [[0.9, 5], [0.94, 18], [0.6, 40]] as const) {
      const st = curveStats(curve(f, tau, 27), 0);
      const p = predict(st, 81, undefined)!;
      const truth = f * (1 - Math.exp(-81 / tau));
      assert.ok(Math.abs(p.mean - truth) < 0.02 * truth, `f ${f} tau ${tau}: predicted ${p.mean}, true ${truth}`);
    }
  });

  it('estimates the noise level from second differences', () => {
    const rng = new Rng(3);
    const noisy = curve(0.9, 10, 81).map((v) => v + rng.normal(0, 0.01));
    const s = curveNoise(noisy)!;
    assert.ok(s > 0.007 && s < 0.013, `sigma ${s}`);
  });

  it('keeps a slow starter that raw values would stop, and still stops a fast curve that has levelled off low', () => {
    // three finished noisy curves of different shapes: the noise level and a broad shape prior come from them
    const rng = new Rng(9);
    const background = ([[0.7, 2], [0.8, 10], [0.85, 30]] as const).map(([f, tau], i) => trial(100 + i, curve(f, tau, 81).map((v) => v + rng.normal(0, 0.01)), 'complete'));
    // at rung 3: fast curves that plateau at 0.6-0.7 look far better than a slow curve heading to 0.94
    const fast = [0.6, 0.65, 0.7, 0.62, 0.68].map((f, i) => trial(i, curve(f, 1.5, 3)));
    const slow = trial(9, curve(0.94, 18, 3));
    const x = { 'rank-by': 'extrapolated', 'beat-best': false };
    assert.equal(decide(SCHEDULERS['successive-halving'].create({}), [...background, ...fast, slow], 9), 'stop', 'raw values are fooled');
    assert.equal(decide(SCHEDULERS['successive-halving'].create(x), [...background, ...fast, slow], 9), 'continue');
    const slowField = [0.9, 0.92, 0.94, 0.91, 0.93].map((f, i) => trial(i, curve(f, 18, 3)));
    const levelled = trial(9, curve(0.5, 1, 3));
    assert.equal(decide(SCHEDULERS['successive-halving'].create(x), [...background, ...slowField, levelled], 9), 'stop');
  });

  it('cuts nothing it cannot judge: before any curve is long enough to estimate the noise', () => {
    const fast = [0.6, 0.65, 0.7].map((f, i) => trial(i, curve(f, 1.5, 3)));
    assert.equal(decide(SCHEDULERS['successive-halving'].create({ 'rank-by': 'extrapolated' }), [...fast, trial(9, curve(0.3, 1, 3))], 9), 'continue');
  });

  it('stops a trial that cannot catch the best complete trial (beat-best), unless told not to', () => {
    // rung 27 holds five weak trials and the best one: 0.5 is above the rung's cut, far below the best
    const weak = [0.3, 0.33, 0.36, 0.39, 0.42].map((f, i) => trial(i + 1, curve(f, 4, 27), 'pruned'));
    const best = trial(0, curve(0.95, 5, 81), 'complete');
    const poor = trial(9, curve(0.5, 4, 27));
    assert.equal(decide(SCHEDULERS.asha.create({ 'rank-by': 'extrapolated', 'beat-best': false }), [best, ...weak, poor], 9), 'continue');
    assert.equal(decide(SCHEDULERS.asha.create({ 'rank-by': 'extrapolated' }), [best, ...weak, poor], 9), 'stop');
  });

  it('is pure: the same view gives the same answer, to the same or a new instance', () => {
    const rng = new Rng(5);
    const trials = Array.from({ length: 30 }, (_, i) => {
      const f = rng.uniform(0.4, 0.95);
      const tau = rng.uniform(2, 30);
      const n = i < 10 ? 81 : 1 + (i % 27);
      return trial(i, curve(f, tau, n).map((v) => v + rng.normal(0, 0.01)), i < 10 ? 'complete' : 'running');
    });
    const s = SCHEDULERS['successive-halving'].create({ 'rank-by': 'extrapolated' });
    const first = trials.map((t) => decide(s, trials, t.number));
    assert.deepEqual(trials.map((t) => decide(s, trials, t.number)), first);
    assert.deepEqual(trials.map((t) => decide(SCHEDULERS['successive-halving'].create({ 'rank-by': 'extrapolated' }), trials, t.number)), first);
    assert.ok(first.includes('stop') && first.includes('continue'), JSON.stringify(first));
  });
});
