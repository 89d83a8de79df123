import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';
import { deriveSeed, Rng } from '../../../src/math/rng.js';
import { SAMPLERS } from '../../../src/samplers/registry.js';
import { collectHistory, bestK } from '../../../src/samplers/history.js';
import { defaultWeights, neighbourSigmas, ParzenEstimator } from '../../../src/samplers/tpe/parzen-estimator.js';
import type { SearchSpace } from '../../../src/space/types.js';
import type { Params, Trial } from '../../../src/study/types.js';
import { PROBLEMS, regretCurve, runSequential, syntheticTrial, quantile } from '../../../bench/problems.js';

const median = (xs: number[]) => quantile(xs, 0.5);

describe('Parzen estimator', () => {
  it('weights: 1 for the 25 most recent, a ramp from 1/n for older ones (Optuna default)', () => {
    assert.deepEqual(Array.from(defaultWeights(3)), [1, 1, 1]);
    const w = defaultWeights(30);
    assert.equal(w.length, 30);
    assert.ok(Math.abs(w[0]! - 1 / 30) < 1e-12);
    assert.equal(w[4], 1);
    assert.deepEqual(Array.from(w.slice(5)), new Array(25).fill(1));
    assert.ok(w[1]! > w[0]! && w[2]! > w[1]!);
  });

  it('widths: larger gap to the sorted neighbours, prior mean 0.5 among them, clipped to [1/(n+2), 1]', () => {
    // centres 0.1, 0.7 and the prior 0.5: sorted 0.1 0.5 0.7, end kernels take their inner gap
    const s = neighbourSigmas(Float64Array.from([0.1, 0.7]));
    assert.ok(Math.abs(s[0]! - 0.4) < 1e-12);
    assert.ok(Math.abs(s[1]! - 0.25) < 1e-12, `clipped up to 1/4, got ${s[1]}`);
  });

  it('is a normalised density on [0, 1] and its samples follow it', () => {
    const obs = Float64Array.from([0.1, 0.5, 0.7, 0.95]);
    const pe = new ParzenEstimator(obs, Float64Array.from([1, 1, 1, 1]), [{ kind: 'numeric' }], { priorWeight: 1, bandwidth: 'neighbour', kernelScale: 'density' });
    const n = 20000;
    const grid = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const lp = pe.logPdf(grid, n);
    const integral = lp.reduce((s, v) => s + Math.exp(v) / n, 0);
    assert.ok(Math.abs(integral - 1) < 1e-6, `integral ${integral}`);
    const draws = pe.sample(new Rng(1), 50000);
    const hist = new Array(10).fill(0);
    for (const v of draws) hist[Math.min(9, Math.floor(v * 10))]++;
    const expected = new Array(10).fill(0);
    for (let i = 0; i < n; i++) expected[Math.floor(grid[i]! * 10)] += Math.exp(lp[i]!) / n;
    hist.forEach((h, b) => assert.ok(Math.abs(h / 50000 - expected[b]) < 0.01, `bin ${b}: ${h / 50000} vs ${expected[b]}`));
  });

  it('categorical kernels put prior_weight/(n+1) on every choice, +1 on the observed one', () => {
    const pe = new ParzenEstimator(Float64Array.from([2, 2, 0]), Float64Array.from([1, 1, 1]), [{ kind: 'categorical', choices: 3 }], { priorWeight: 1, bandwidth: 'neighbour' });
    const p = Array.from(pe.logPdf(Float64Array.from([0, 1, 2]), 3), Math.exp);
    assert.ok(Math.abs(p[0]! + p[1]! + p[2]! - 1) < 1e-12);
    assert.ok(p[2]! > p[0]! && p[0]! > p[1]!);
  });
});

describe('trial history', () => {
  it('ranks complete trials by loss, then running ones (the constant lie), then pruned by epochs reached; failed ones are left out', () => {
    const mk = (n: number, state: Trial['state'], value?: number, epochs = 0): Trial => ({
      ...syntheticTrial(n, { x: n }, value ?? 0, state === 'complete' ? 'complete' : 'running'),
      state,
      intermediate: Array.from({ length: epochs }, (_, e) => ({ epoch: e + 1, value: value ?? 0, loss: 0, lr: 0, elapsed: 0 })),
    });
    const trials = [mk(0, 'complete', 0.5), mk(1, 'pruned', 0.9, 3), mk(2, 'running'), mk(3, 'failed'), mk(4, 'complete', 0.8), mk(5, 'pruned', 0.2, 1)];
    const h = collectHistory(trials, 'maximize', true);
    assert.equal(h.finished, 4);
    const order = bestK(h, Uint32Array.from(h.trials.keys()), h.trials.length).map((i) => h.trials[i]!.number);
    assert.deepEqual(order, [4, 0, 2, 1, 5]);
    const noLiar = collectHistory(trials, 'maximize', false);
    assert.equal(noLiar.trials.some((t) => t.state === 'running'), false);
  });
});

const BRANIN = PROBLEMS['branin2']!;

function tpeRegret(options: Record<string, unknown>, seed: number, budget: number): number {
  const run = runSequential(SAMPLERS.tpe.create(options), BRANIN.space, BRANIN.value, seed, budget);
  return regretCurve(run.values, BRANIN.fStar)[budget - 1]!;
}

describe('tpe sampler', () => {
  it('beats random search on Branin at 100 trials (median regret over 10 seeds)', () => {
    const seeds = Array.from({ length: 10 }, (_, i) => i + 1);
    const tpe = median(seeds.map((s) => tpeRegret({}, s, 100)));
    const random = median(seeds.map((s) => regretCurve(runSequential(SAMPLERS.random.create({}), BRANIN.space, BRANIN.value, s, 100).values, BRANIN.fStar)[99]!));
    assert.ok(tpe < random / 3, `tpe ${tpe} vs random ${random}`);
  });

  it('multivariate mode beats random search on Branin too', () => {
    const seeds = Array.from({ length: 6 }, (_, i) => i + 1);
    const mv = median(seeds.map((s) => tpeRegret({ multivariate: true }, s, 100)));
    const random = median(seeds.map((s) => regretCurve(runSequential(SAMPLERS.random.create({}), BRANIN.space, BRANIN.value, s, 100).values, BRANIN.fStar)[99]!));
    assert.ok(mv < random / 3, `tpe mv ${mv} vs random ${random}`);
  });

  it('is reproducible by seed and differs across seeds', () => {
    const a = runSequential(SAMPLERS.tpe.create({}), BRANIN.space, BRANIN.value, 7, 30).params;
    const b = runSequential(SAMPLERS.tpe.create({}), BRANIN.space, BRANIN.value, 7, 30).params;
    const c = runSequential(SAMPLERS.tpe.create({}), BRANIN.space, BRANIN.value, 8, 30).params;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  describe('constant liar', () => {
    const space = BRANIN.space;
    const good: Params = { x0: Math.PI, x1: 2.275 };
    /** 20 finished trials around the optimum (π, 2.275) plus 4 running trials at the same good point. */
    function history(seed: number): Trial[] {
      const r = new Rng(seed);
      const trials: Trial[] = [];
      for (let i = 0; i < 20; i++) {
        const p = { x0: -5 + 15 * r.next(), x1: 15 * r.next() };
        trials.push(syntheticTrial(i, p, BRANIN.value(p)));
      }
      trials.push(syntheticTrial(20, { x0: Math.PI + 0.05, x1: 2.3 }, BRANIN.value({ x0: Math.PI + 0.05, x1: 2.3 })));
      for (let i = 0; i < 4; i++) trials.push({ ...syntheticTrial(21 + i, { ...good }, 0, 'running'), state: 'running' });
      return trials;
    }
    const distance = (p: Params) => Math.hypot(((p['x0'] as number) - Math.PI) / 15, ((p['x1'] as number) - 2.275) / 15);
    const ask = (options: Record<string, unknown>, seed: number) =>
      SAMPLERS.tpe.create(options).sample({ space, trials: history(seed), rng: new Rng(deriveSeed(seed, 'sampler', 25)), trialNumber: 25, studySeed: seed, direction: 'minimize' });

    it('with 4 running trials at the same good point, the next proposal is elsewhere', () => {
      for (let seed = 1; seed <= 10; seed++) {
        const p = ask({}, seed);
        assert.notDeepEqual(p, good);
        assert.ok(distance(p) > 1e-3, `seed ${seed}: ${JSON.stringify(p)}`);
      }
    });

    it('pushes proposals away from running trials compared with ignoring them', () => {
      const seeds = Array.from({ length: 60 }, (_, i) => i + 1);
      const withLiar = seeds.map((s) => distance(ask({ 'constant-liar': true }, s)));
      const without = seeds.map((s) => distance(ask({ 'constant-liar': false }, s)));
      const near = (ds: number[]) => ds.filter((d) => d < 0.05).length;
      assert.equal(near(withLiar), 0, 'proposals within 0.05 of the running trials, with the liar');
      assert.ok(near(without) >= 3, `without the liar only ${near(without)} of 60 proposals near the running point`);
      assert.ok(median(withLiar) > 1.2 * median(without), `median distance: with liar ${median(withLiar)}, without ${median(without)}`);
    });
  });

  it('conditional space: each branch is tuned on its own trials, so the deceptive branch C traps few seeds', () => {
    const p = PROBLEMS['mixedcond']!;
    const stuck = (options: Record<string, unknown>) =>
      Array.from({ length: 10 }, (_, i) => i + 1).filter((seed) => regretCurve(runSequential(SAMPLERS.tpe.create(options), p.space, p.value, seed, 200).values, p.fStar)[199]! >= 0.5 - 1e-9).length;
    const ours = stuck({});
    assert.ok(ours <= 2, `tpe stuck in branch C in ${ours} of 10 seeds`);
  });

  it('keeps the cost of an ask flat past max-above bad trials, with nearly the same bad-trial density', () => {
    const space: SearchSpace = { params: [{ key: 'x', dist: { kind: 'float', low: -10, high: 10, log: false }, conditions: [] }], fixed: {}, forbidden: [] };
    const r = new Rng(4);
    const trials: Trial[] = [];
    for (let i = 0; i < 1200; i++) {
      const x = 20 * r.next() ** 2 - 10;
      trials.push(syntheticTrial(i, { x }, x * x));
    }
    const ctx = (seed: number) => ({ space, trials, rng: new Rng(seed), trialNumber: 1200, studySeed: 1, direction: 'minimize' as const });
    const capped = SAMPLERS.tpe.create({ 'max-above': 200 });
    const full = SAMPLERS.tpe.create({ 'max-above': 5000 });
    const a = Array.from({ length: 40 }, (_, s) => capped.sample(ctx(s))['x'] as number);
    const b = Array.from({ length: 40 }, (_, s) => full.sample(ctx(s))['x'] as number);
    // both concentrate near the optimum x = 0 in the same way
    assert.ok(Math.abs(median(a.map(Math.abs)) - median(b.map(Math.abs))) < 0.5, `${median(a.map(Math.abs))} vs ${median(b.map(Math.abs))}`);
  });

  it('rejects bad options with E_BAD_VALUE naming the key, and ignores other samplers\' keys', () => {
    for (const [key, value] of [
      ['multivariate', 'yes'],
      ['n-startup-trials', -1],
      ['n-ei-candidates', 0],
      ['gamma', 1.5],
      ['prior-weight', 0],
      ['branch-exploration', 2],
      ['startup', 'grid'],
    ] as const) {
      assert.throws(
        () => SAMPLERS.tpe.create({ [key]: value }),
        (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.BAD_VALUE && e.details.key === `sweep.sampler-options.${key}`,
        key,
      );
    }
    assert.doesNotThrow(() => SAMPLERS.tpe.create({ 'float-points': 3 }));
  });
});
