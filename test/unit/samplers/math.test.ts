import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choleskyInverse, choleskySolve, choleskyWithJitter } from '../../../src/math/linalg.js';
import { minimizeLbfgs } from '../../../src/math/lbfgs.js';
import { erfc, erfcx, logNormCdf, normCdf, normCdfFast, normQuantile } from '../../../src/math/normal.js';
import { Rng } from '../../../src/math/rng.js';
import { rankToNormal } from '../../../src/math/stats.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('normal distribution helpers', () => {
  it('match reference values (scipy.special) in the body and far in the tails', () => {
    assert.ok(rel(erfc(1), 0.15729920705028513) < 1e-14);
    assert.ok(rel(erfc(5), 1.5374597944280349e-12) < 1e-12);
    assert.ok(rel(erfcx(30), 0.018795888861416751) < 1e-12);
    assert.ok(rel(normCdf(-10), 7.61985302416047e-24) < 1e-12);
    assert.ok(rel(logNormCdf(-40), -804.6084420137538) < 1e-12);
    assert.ok(rel(logNormCdf(-1e4), -50000010.12927892) < 1e-12);
    assert.ok(rel(normQuantile(0.975), 1.959963984540054) < 1e-14);
    assert.ok(rel(normQuantile(1e-20), -9.262340089798408) < 1e-13);
    for (let z = -8; z <= 8; z += 0.25) assert.ok(rel(normCdfFast(z), normCdf(z)) < 2e-7, `z ${z}`);
  });

  it('rank-to-normal is monotone, symmetric and shares ranks on ties', () => {
    const v = rankToNormal([3, 1, 2, 2]);
    assert.ok(v[1]! < v[2]! && v[2]! === v[3]! && v[3]! < v[0]!);
    assert.ok(Math.abs(v[1]! + v[0]!) < 1e-12);
  });
});

describe('linear algebra', () => {
  it('Cholesky solve and inverse of a random SPD matrix', () => {
    const r = new Rng(1);
    const n = 9;
    const b = Float64Array.from({ length: n * n }, () => r.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j]! += b[i * n + k]! * b[j * n + k]!;
    for (let i = 0; i < n; i++) a[i * n + i]! += 0.1;
    const { l } = choleskyWithJitter(a, n);
    const rhs = Float64Array.from({ length: n }, () => r.normal());
    const x = choleskySolve(l, n, rhs);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
      assert.ok(Math.abs(s - rhs[i]!) < 1e-9);
    }
    const inv = choleskyInverse(l, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-9);
      }
  });

  it('jitter rescues a singular (duplicate-row) covariance', () => {
    const a = Float64Array.from([1, 1, 1, 1]);
    const { jitter } = choleskyWithJitter(a, 2);
    assert.ok(jitter > 0 && jitter < 1e-6);
  });

  it('L-BFGS minimises the Rosenbrock function, and respects bounds', () => {
    const f = (x: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      return { value: 100 * (b - a * a) ** 2 + (1 - a) ** 2, grad: Float64Array.from([-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)]) };
    };
    const r = minimizeLbfgs(f, [-1.2, 1], { maxIterations: 500, gradTolerance: 1e-8, valueTolerance: 0 });
    assert.ok(Math.abs(r.x[0]! - 1) < 1e-4 && Math.abs(r.x[1]! - 1) < 1e-4, `${Array.from(r.x)}`);
    const bounded = minimizeLbfgs(f, [-1.2, 0.5], { lower: [-2, -2], upper: [0.5, 0.5], maxIterations: 500 });
    assert.ok(bounded.x[0]! <= 0.5 && bounded.x[1]! <= 0.5);
    assert.ok(Math.abs(bounded.x[0]! - 0.5) < 1e-3 && Math.abs(bounded.x[1]! - 0.25) < 1e-2, `${Array.from(bounded.x)}`);
  });
});
