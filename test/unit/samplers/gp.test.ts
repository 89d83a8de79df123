import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';
import { logH } from '../../../src/math/normal.js';
import { Rng } from '../../../src/math/rng.js';
import { logExpectedImprovement } from '../../../src/samplers/gp/acquisition.js';
import { decodeLatent, featureLayout, LatentCodec, writeFeatures } from '../../../src/samplers/gp/features.js';
import { defaultPriors, fitHyperparameters, GaussianProcess, negLogPosterior } from '../../../src/samplers/gp/gaussian-process.js';
import { compressUpperTail, selectFitRows } from '../../../src/samplers/gp/sampler.js';
import { encodeUnit } from '../../../src/samplers/history.js';
import { SAMPLERS } from '../../../src/samplers/registry.js';
import type { SearchSpace } from '../../../src/space/types.js';
import type { Params } from '../../../src/study/types.js';
import { PROBLEMS, runSequential, syntheticTrial } from '../../../bench/problems.js';

describe('log expected improvement', () => {
  it('is finite and keeps falling for tiny improvements, where EI itself underflows to 0', () => {
    const values = [5, 20, 40, 100, 1e3, 1e5].map((gap) => logExpectedImprovement(gap, 1, 0));
    for (const v of values) assert.ok(Number.isFinite(v), String(v));
    for (let i = 1; i < values.length; i++) assert.ok(values[i]! < values[i - 1]!, `not decreasing at ${i}`);
    // EI = σ·h(z) underflows below z ≈ -38; its log is about -z²/2 - log(√(2π)) - 2 log|z| there
    const z = -1e3;
    assert.ok(Math.abs(logH(z) - (-0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z))) < 1e-5);
    // and agrees with the direct formula where that is representable
    // (for z < -5 the direct formula itself cancels catastrophically, which is the point of log h)
    for (const m of [-2, 0, 0.5, 1, 1.4]) {
      const zz = (0 - m) / 0.3;
      const pdf = Math.exp(-0.5 * zz * zz) / Math.sqrt(2 * Math.PI);
      const cdf = 0.5 * (1 + erfApprox(zz / Math.SQRT2));
      const ei = 0.3 * (pdf + zz * cdf);
      if (ei > 1e-300) assert.ok(Math.abs(logExpectedImprovement(m, 0.09, 0) - Math.log(ei)) < 1e-6 * Math.max(1, Math.abs(Math.log(ei))), `mean ${m}`);
    }
  });

  it('with zero variance, is the log of the plain improvement (or -Infinity when there is none)', () => {
    assert.equal(logExpectedImprovement(-1, 0, 0), 0);
    assert.equal(logExpectedImprovement(1, 0, 0), -Infinity);
  });
});

/** erf by its Taylor series (fine for |x| < 6 in a test). */
function erfApprox(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('Gaussian process', () => {
  it('the gradient of the negative log posterior matches finite differences', () => {
    const r = new Rng(3);
    const n = 12;
    const d = 3;
    const x = Float64Array.from({ length: n * d }, () => r.next());
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(4 * x[i * d]!) + x[i * d + 1]! ** 2);
    const theta = Float64Array.from([Math.log(0.4), Math.log(0.9), Math.log(2), Math.log(1.3), Math.log(1e-3)]);
    const priors = defaultPriors();
    const { value, grad } = negLogPosterior(theta, x, n, d, y, priors);
    assert.ok(Number.isFinite(value));
    for (let k = 0; k < theta.length; k++) {
      const h = 1e-6;
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[k]! += h;
      down[k]! -= h;
      const numeric = (negLogPosterior(up, x, n, d, y, priors).value - negLogPosterior(down, x, n, d, y, priors).value) / (2 * h);
      assert.ok(Math.abs(numeric - grad[k]!) < 1e-4 * Math.max(1, Math.abs(numeric)), `θ${k}: analytic ${grad[k]}, numeric ${numeric}`);
    }
  });

  it('interpolates noise-free data, is confident at the data and unsure far from it, and finds the irrelevant input', () => {
    const r = new Rng(9);
    const n = 30;
    const d = 2;
    const x = Float64Array.from({ length: n * d }, () => r.next());
    const f = (a: number) => Math.sin(6 * a);
    const y = Float64Array.from({ length: n }, (_, i) => f(x[i * d]!));
    const hyper = fitHyperparameters(x, n, d, y, new Rng(1), { restarts: 1, maxIterations: 60 });
    assert.ok(hyper.logLengthscales[1]! > hyper.logLengthscales[0]! + 1, `length scales ${Array.from(hyper.logLengthscales, Math.exp)}`);
    const gp = new GaussianProcess(x, n, d, y, hyper);
    const atData = gp.predict(x, n);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(atData.mean[i]! - y[i]!) < 0.05, `residual at ${i}`);
    const test = Float64Array.from([0.5, 0.5, 0.2, 0.9]);
    const pred = gp.predict(test, 2);
    assert.ok(Math.abs(pred.mean[0]! - f(0.5)) < 0.1 && Math.abs(pred.mean[1]! - f(0.2)) < 0.1);
    const far = new GaussianProcess(x.slice(0, 2 * d), 2, d, y.slice(0, 2), hyper).predict(Float64Array.from([x[0]!, x[1]!, 1 - x[0]!, 1 - x[1]!]), 2);
    assert.ok(far.variance[0]! < far.variance[1]!);
  });
});

describe('gp features', () => {
  const space: SearchSpace = {
    params: [
      { key: 'branch', dist: { kind: 'categorical', choices: ['a', 'b'] }, conditions: [] },
      { key: 'n', dist: { kind: 'int', low: 1, high: 4, log: false, step: 1 }, conditions: [{ key: 'branch', values: ['a'] }] },
      { key: 'lr', dist: { kind: 'float', low: 1e-3, high: 1, log: true }, conditions: [] },
    ],
    fixed: {},
    forbidden: [],
  };

  it('one-hot categoricals, unit numbers, inactive numbers at 0.5 and inactive choices all zero', () => {
    const layout = featureLayout(space.params);
    assert.equal(layout.width, 4);
    const out = new Float64Array(4);
    writeFeatures(layout, encodeUnit(space.params, { branch: 'b', lr: 0.1 }), out, 0);
    assert.deepEqual(Array.from(out).map((v) => Math.round(v * 1e9) / 1e9), [0, 1, 0.5, 0.666666667]);
    writeFeatures(layout, encodeUnit(space.params, { branch: 'a', n: 2, lr: 1e-3 }), out, 0);
    assert.deepEqual(Array.from(out), [1, 0, 0.375, 0]);
  });

  it('the fast latent codec agrees with decoding to params and encoding them', () => {
    const codec = new LatentCodec(space);
    const r = new Rng(2);
    for (let i = 0; i < 200; i++) {
      const z = Float64Array.from({ length: 3 }, () => r.next());
      const slow = encodeUnit(space.params, decodeLatent(space, z));
      const fast = codec.code(z, new Float64Array(3));
      assert.deepEqual(Array.from(fast), Array.from(slow));
    }
  });

  it('bounded fit set: best half, most recent quarter, spread of the rest', () => {
    const values = Array.from({ length: 400 }, (_, i) => (i * 37) % 400);
    const trials = values.map((v, i) => syntheticTrial(i, { x: v }, v));
    const rows = values.map((_, i) => i);
    const keep = selectFitRows(values, trials, rows, 100);
    assert.equal(keep.length, 100);
    const best50 = [...rows].sort((a, b) => values[a]! - values[b]!).slice(0, 50);
    for (const i of best50) assert.ok(keep.includes(i));
    for (let i = 399; i > 399 - 10; i--) assert.ok(keep.includes(i), `recent ${i}`);
  });

  it('compresses the worse half of the targets only', () => {
    const v = compressUpperTail([0, 1, 2, 3, 1000]);
    assert.deepEqual(v.slice(0, 3), [0, 1, 2]);
    assert.ok(v[4]! < 20 && v[4]! > v[3]!);
  });
});

describe('gp sampler', () => {
  const space: SearchSpace = { params: [{ key: 'x', dist: { kind: 'float', low: -10, high: 10, log: false }, conditions: [] }], fixed: {}, forbidden: [] };
  const optimum = 1.234;
  const quadratic = (p: Params) => ((p['x'] as number) - optimum) ** 2;

  it('finds the optimum of a 1-D quadratic within 0.05 in 20 trials', () => {
    for (const seed of [1, 2, 3]) {
      const run = runSequential(SAMPLERS.gp.create({}), space, quadratic, seed, 20);
      const best = run.params[run.values.indexOf(Math.min(...run.values))]!['x'] as number;
      assert.ok(Math.abs(best - optimum) < 0.05, `seed ${seed}: best x ${best}`);
    }
  });

  it('beats Optuna TPE\'s median regret at 50 trials on Branin by far (0.172 in the anchor), on a few seeds', () => {
    const p = PROBLEMS['branin2']!;
    for (const seed of [1, 2]) {
      const run = runSequential(SAMPLERS.gp.create({}), p.space, p.value, seed, 40);
      assert.ok(Math.min(...run.values) - p.fStar < 0.05, `seed ${seed}`);
    }
  });

  it('is reproducible by seed', () => {
    const a = runSequential(SAMPLERS.gp.create({}), space, quadratic, 4, 14).params;
    const b = runSequential(SAMPLERS.gp.create({}), space, quadratic, 4, 14).params;
    assert.deepEqual(a, b);
  });

  it('rejects bad options with E_BAD_VALUE', () => {
    for (const [key, value] of [
      ['max-fit-points', 3],
      ['output', 'log'],
      ['constant-liar', 1],
      ['lengthscale-median', -1],
    ] as const) {
      assert.throws(
        () => SAMPLERS.gp.create({ [key]: value }),
        (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.BAD_VALUE && e.details.key === `sweep.sampler-options.${key}`,
        key,
      );
    }
  });
});
