import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSeed, Rng } from '../../../src/math/rng.js';
import { SobolSequence, isPrimitivePolynomial, primitivePolynomial, directionParameters } from '../../../src/math/sobol.js';
import { JOE_KUO } from '../../../src/math/sobol-directions.js';
import { SAMPLERS } from '../../../src/samplers/registry.js';
import type { SearchSpace } from '../../../src/space/types.js';
import type { Params, Trial } from '../../../src/study/types.js';

/** Each coordinate of the first 2^k points has exactly one point in each interval [i/2^k, (i+1)/2^k). */
function assertStratified(points: Float64Array[], dims: number[], k: number): void {
  const n = 2 ** k;
  for (const d of dims) {
    const cells = points.slice(0, n).map((p) => Math.floor(p[d]! * n)).sort((a, b) => a - b);
    assert.deepEqual(cells, Array.from({ length: n }, (_, i) => i), `dim ${d}, 2^${k} points`);
  }
}

describe('Sobol sequence', () => {
  it('unscrambled: the first points are the known ones (same as scipy.stats.qmc.Sobol(scramble=False))', () => {
    const s = new SobolSequence(3);
    const first = Array.from({ length: 8 }, (_, i) => Array.from(s.point(i)));
    assert.deepEqual(first, [
      [0, 0, 0],
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
      [0.875, 0.875, 0.125],
      [0.625, 0.125, 0.875],
      [0.125, 0.625, 0.375],
    ]);
    // far into the Joe–Kuo table: point 13, dimensions 21..40
    const high = Array.from(new SobolSequence(40).point(13)).slice(20);
    assert.deepEqual(high, [0.5625, 0.0625, 0.8125, 0.5625, 0.0625, 0.4375, 0.4375, 0.0625, 0.0625, 0.3125, 0.5625, 0.4375, 0.4375, 0.5625, 0.6875, 0.3125, 0.0625, 0.6875, 0.6875, 0.9375]);
  });

  it('point n does not depend on the points before it (a stateless sampler can ask for any index)', () => {
    const s = new SobolSequence(5, 7);
    const again = new SobolSequence(5, 7);
    assert.deepEqual(Array.from(again.point(1000)), Array.from(s.point(1000)));
  });

  it('unscrambled and scrambled points are stratified: one point per 1/2^k interval in every dimension', () => {
    for (const seed of [undefined, 1, 2, 99]) {
      const s = new SobolSequence(24, seed);
      const pts = Array.from({ length: 256 }, (_, i) => s.point(i));
      for (let k = 1; k <= 8; k++) assertStratified(pts, Array.from({ length: 24 }, (_, d) => d), k);
    }
  });

  it('the first two dimensions form a (0, m, 2)-net, scrambled too: every 2^a × 2^(m−a) box holds one point', () => {
    const s = new SobolSequence(2, 5);
    const m = 6;
    const pts = Array.from({ length: 2 ** m }, (_, i) => s.point(i));
    for (let a = 0; a <= m; a++) {
      const boxes = new Set(pts.map((p) => `${Math.floor(p[0]! * 2 ** a)},${Math.floor(p[1]! * 2 ** (m - a))}`));
      assert.equal(boxes.size, 2 ** m, `a = ${a}`);
    }
  });

  it('scrambling depends on the seed only', () => {
    const a = Array.from(new SobolSequence(4, 1).point(3));
    assert.deepEqual(Array.from(new SobolSequence(4, 1).point(3)), a);
    assert.notDeepEqual(Array.from(new SobolSequence(4, 2).point(3)), a);
    // adding dimensions leaves the existing ones unchanged
    assert.deepEqual(Array.from(new SobolSequence(9, 1).point(3)).slice(0, 4), a);
  });

  it('the primitive polynomials it enumerates are exactly those of the Joe–Kuo table, in order', () => {
    assert.equal(JOE_KUO.length, 255);
    JOE_KUO.forEach((row, i) => {
      const [s, a] = row.split(' ').map(Number) as [number, number];
      const p = primitivePolynomial(i);
      assert.equal(31 - Math.clz32(p), s, `dimension ${i + 2}`);
      assert.equal((p >>> 1) & ((1 << (s - 1)) - 1), a, `dimension ${i + 2}`);
    });
    assert.equal(isPrimitivePolynomial(0b111), true); // x² + x + 1
    assert.equal(isPrimitivePolynomial(0b101), false); // x² + 1 = (x + 1)²
    assert.equal(isPrimitivePolynomial(0b11111), false); // x⁴+x³+x²+x+1: order 5, not 15
  });

  it('past the table, dimensions get valid generated direction numbers (odd m_k < 2^k) and stay stratified', () => {
    const { s, m } = directionParameters(300);
    assert.equal(m.length, s);
    m.forEach((v, k) => {
      assert.equal(v % 2, 1);
      assert.ok(v < 2 ** (k + 1));
    });
    const seq = new SobolSequence(310, 3);
    const pts = Array.from({ length: 128 }, (_, i) => seq.point(i));
    for (let k = 1; k <= 7; k++) assertStratified(pts, [256, 280, 309], k);
  });
});

describe('sobol sampler', () => {
  const space: SearchSpace = {
    params: [
      { key: 'arch', dist: { kind: 'categorical', choices: ['a', 'b', 'c', 'd'] }, conditions: [] },
      { key: 'lr', dist: { kind: 'float', low: 1e-4, high: 1, log: true }, conditions: [] },
      { key: 'width', dist: { kind: 'int', low: 1, high: 8, log: false, step: 1 }, conditions: [] },
      { key: 'dropout', dist: { kind: 'float', low: 0, high: 0.5, log: false }, conditions: [{ key: 'arch', values: ['c', 'd'] }] },
    ],
    fixed: {},
    forbidden: [],
  };

  function run(seed: number, n: number, options: Record<string, unknown> = {}): Params[] {
    const sampler = SAMPLERS.sobol.create(options);
    const trials: Trial[] = [];
    const out: Params[] = [];
    for (let i = 0; i < n; i++) {
      const p = sampler.sample({ space, trials, rng: new Rng(deriveSeed(seed, 'sampler', i)), trialNumber: i, studySeed: seed, direction: 'maximize' });
      out.push(p);
      trials.push({ number: i, state: 'running', params: p, seed: i, intermediate: [], createdAt: '' });
    }
    return out;
  }

  it('maps stratified points through each distribution: 8 trials take every choice twice and every int once', () => {
    const ps = run(11, 8);
    const count = (k: string, v: unknown) => ps.filter((p) => p[k] === v).length;
    for (const c of ['a', 'b', 'c', 'd']) assert.equal(count('arch', c), 2);
    assert.deepEqual(ps.map((p) => p['width']).sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
    // log scale: one trial per octave-ish eighth of log10(lr) in [-4, 0]
    assert.deepEqual(ps.map((p) => Math.floor(((Math.log10(p['lr'] as number) + 4) / 4) * 8)).sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a conditional setting is present exactly when its condition holds', () => {
    for (const p of run(3, 32)) assert.equal(p['dropout'] !== undefined, p['arch'] === 'c' || p['arch'] === 'd');
  });

  it('trial n takes point n whatever the trials before it (resume-safe), and scramble: false gives the plain sequence', () => {
    const a = run(5, 10);
    const b = run(5, 10);
    assert.deepEqual(a, b);
    const plain = run(5, 2, { scramble: false });
    // point 0 of the plain sequence is the origin: every setting at its lowest value
    assert.equal(plain[0]!['arch'], 'a');
    assert.equal(plain[0]!['width'], 1);
    assert.ok(Math.abs((plain[0]!['lr'] as number) - 1e-4) < 1e-15);
    // point 1 is the centre
    assert.equal(plain[1]!['arch'], 'c');
    assert.equal(plain[1]!['width'], 5);
    assert.throws(() => SAMPLERS.sobol.create({ scramble: 'yes' }), /scramble/);
  });
});
