import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SparseRows } from '../../../src/backbones/sparse.js';
import { Rng } from '../../../src/math/rng.js';
import { addGaussianNoise, mixRows, mixupLambda, sampleBeta, unmixGrad } from '../../../src/strategies/augment/mixup.js';
import { concatRows, interpolateRows, sameClassNeighbours, smote, smoteTargets } from '../../../src/strategies/balance/smote.js';

function sparse(rows: Array<Record<number, number>>, dims = 50): SparseRows {
  const indptr = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  rows.forEach((r, i) => {
    for (const [k, v] of Object.entries(r)) {
      idx.push(Number(k));
      val.push(v);
    }
    indptr[i + 1] = idx.length;
  });
  return { n: rows.length, dims, indptr, indices: Int32Array.from(idx), values: Float32Array.from(val) };
}

function dense(x: SparseRows, r: number): Float64Array {
  const out = new Float64Array(x.dims);
  for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) out[x.indices[j]!]! += x.values[j]!;
  return out;
}

const cosine = (a: Float64Array, b: Float64Array) => {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return d / Math.sqrt(na * nb);
};

/** Random sparse rows: class c uses features mostly from its own block of 10. */
function randomRows(counts: number[], rng: Rng, dims = 40): { x: SparseRows; y: Int32Array } {
  const rows: Array<Record<number, number>> = [];
  const y: number[] = [];
  counts.forEach((n, c) => {
    for (let i = 0; i < n; i++) {
      const r: Record<number, number> = {};
      for (let t = 0; t < 4; t++) r[(c * 10 + rng.int(0, 9)) % dims] = rng.uniform(0.1, 1);
      r[rng.int(0, dims - 1)] = rng.uniform(0.1, 0.5);
      rows.push(r);
      y.push(c);
    }
  });
  return { x: sparse(rows, dims), y: Int32Array.from(y) };
}

describe('mixup math', () => {
  it('Beta draws have the right mean and variance', () => {
    const rng = new Rng(1);
    for (const [a, b] of [
      [2, 2],
      [0.4, 0.4],
      [2, 5],
    ] as const) {
      const xs = Array.from({ length: 20000 }, () => sampleBeta(a, b, rng));
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
      const em = a / (a + b);
      const ev = (a * b) / ((a + b) ** 2 * (a + b + 1));
      assert.ok(Math.abs(m - em) < 0.01, `Beta(${a},${b}) mean ${m} vs ${em}`);
      assert.ok(Math.abs(v - ev) < 0.01, `Beta(${a},${b}) variance ${v} vs ${ev}`);
      assert.ok(xs.every((x) => x >= 0 && x <= 1));
    }
  });

  it('λ is folded to at least 0.5 and is exactly 1 as alpha → 0', () => {
    const rng = new Rng(2);
    const ls = Array.from({ length: 2000 }, () => mixupLambda(0.4, rng));
    assert.ok(ls.every((l) => l >= 0.5 && l <= 1));
    assert.ok(ls.some((l) => l < 0.9), 'alpha 0.4 mixes');
    for (let i = 0; i < 2000; i++) assert.equal(mixupLambda(1e-9, rng), 1);
  });

  it('mixRows mixes each row with its partner, and unmixGrad is its exact adjoint', () => {
    const rng = new Rng(3);
    const B = 7;
    const w = 5;
    const a = Float32Array.from({ length: B * w }, () => rng.normal());
    const g = Float32Array.from({ length: B * w }, () => rng.normal());
    const perm = rng.permutation(B);
    const lambda = 0.7;
    const m = mixRows(a, w, perm, lambda);
    for (let i = 0; i < B; i++) for (let c = 0; c < w; c++) assert.ok(Math.abs(m[i * w + c]! - (0.7 * a[i * w + c]! + 0.3 * a[perm[i]! * w + c]!)) < 1e-6);
    // <mix(a), g> = <a, unmix(g)> for every a, g: the gradient of the mixing
    const ug = unmixGrad(g, w, perm, lambda);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < B * w; i++) {
      lhs += m[i]! * g[i]!;
      rhs += a[i]! * ug[i]!;
    }
    assert.ok(Math.abs(lhs - rhs) < 1e-4, `${lhs} vs ${rhs}`);
    // λ = 1: both are the identity, bit for bit
    assert.deepEqual(mixRows(a, w, perm, 1), a);
    assert.deepEqual(unmixGrad(g, w, perm, 1), g);
  });

  it('feature noise has the requested standard deviation and sigma 0 changes nothing', () => {
    const buf = new Float32Array(40000);
    addGaussianNoise(buf, 0.3, new Rng(4));
    const sd = Math.sqrt(buf.reduce((s, x) => s + x * x, 0) / buf.length);
    assert.ok(Math.abs(sd - 0.3) < 0.01, `sd ${sd}`);
    const zero = Float32Array.of(1, 2, 3);
    addGaussianNoise(zero, 0, new Rng(5));
    assert.deepEqual(zero, Float32Array.of(1, 2, 3));
  });
});

describe('SMOTE', () => {
  it('creates exactly the requested number of minority examples per class', () => {
    const { x, y } = randomRows([60, 20, 7], new Rng(6));
    assert.deepEqual(smoteTargets([60, 20, 7], 1), [60, 60, 60]);
    assert.deepEqual(smoteTargets([60, 20, 7], 0.5), [60, 30, 30]);
    assert.deepEqual(smoteTargets([60, 40, 7], 0.5), [60, 40, 30], 'a class above the target is not shrunk');
    for (const ratio of [1, 0.5]) {
      const s = smote(x, y, 3, { k: 5, ratio }, new Rng(7));
      const want = smoteTargets([60, 20, 7], ratio).map((t, c) => t - [60, 20, 7][c]!);
      assert.deepEqual(s.added, want);
      const byClass = [0, 0, 0];
      for (const c of s.y) byClass[c]!++;
      assert.deepEqual(byClass, want);
      assert.equal(s.x.n, want.reduce((a, b) => a + b, 0));
    }
  });

  it('puts every new row on the segment between an example and one of its k nearest same-class neighbours', () => {
    const { x, y } = randomRows([50, 12], new Rng(8));
    const k = 3;
    const s = smote(x, y, 2, { k, ratio: 1 }, new Rng(9));
    assert.equal(s.x.n, 38);
    const members = [...y.keys()].filter((i) => y[i] === 1);
    for (let r = 0; r < s.x.n; r++) {
      const a = s.from[r]!;
      const b = s.to[r]!;
      const g = s.gap[r]!;
      assert.equal(y[a], 1);
      assert.equal(y[b], 1);
      assert.notEqual(a, b);
      assert.ok(g >= 0 && g <= 1);
      // b is among a's k most similar class members
      const da = dense(x, a);
      const sims = members.filter((m) => m !== a).map((m) => ({ m, s: cosine(da, dense(x, m)) }));
      sims.sort((p, q) => q.s - p.s || p.m - q.m);
      assert.ok(
        sims.slice(0, k).some((p) => p.m === b),
        `row ${r}: ${b} is not among the ${k} nearest of ${a}`,
      );
      // the row is (1 − g)·a + g·b, over the union of their features
      const row = dense(s.x, r);
      const db = dense(x, b);
      for (let f = 0; f < x.dims; f++) assert.ok(Math.abs(row[f]! - ((1 - g) * da[f]! + g * db[f]!)) < 1e-5, `row ${r} feature ${f}`);
      const union = new Set([...da.keys()].filter((f) => da[f] !== 0 || db[f] !== 0));
      const present = new Set(Array.from(s.x.indices.subarray(s.x.indptr[r], s.x.indptr[r + 1])));
      for (const f of present) assert.ok(union.has(f), `feature ${f} outside the union`);
    }
  });

  it('neighbours are by cosine: the nearest of a row is its near-duplicate', () => {
    const x = sparse([{ 1: 1, 2: 1 }, { 1: 1, 2: 0.9 }, { 5: 1 }, { 1: 0.1, 5: 1 }]);
    const nb = sameClassNeighbours(x, [0, 1, 2, 3], 1);
    assert.deepEqual(
      nb.map((r) => r[0]),
      [1, 0, 3, 2],
    );
  });

  it('neighbours equal a brute-force ranking (cosine desc, index asc), rows sharing no feature and negative values included', () => {
    const rng = new Rng(31);
    for (let round = 0; round < 20; round++) {
      const rows: Array<Record<number, number>> = [];
      const n = 5 + rng.int(0, 25);
      for (let r = 0; r < n; r++) {
        const row: Record<number, number> = {};
        // few features out of many: plenty of pairs share nothing (cosine 0)
        for (let f = 0; f < 1 + rng.int(0, 3); f++) row[rng.int(0, 29)] = round % 3 === 0 ? rng.next() * 2 - 1 : 0.1 + rng.next();
        rows.push(row);
      }
      const x = sparse(rows, 30);
      const members = Array.from({ length: n }, (_, i) => i).filter(() => rng.next() < 0.8);
      if (members.length < 2) continue;
      for (const k of [1, 3, 5, 50]) {
        const got = sameClassNeighbours(x, members, k).map((a) => Array.from(a));
        const want = members.map((r, pos) => {
          const others = members.map((q, p) => ({ q, p, sim: cosine(dense(x, r), dense(x, q)) })).filter((o) => o.p !== pos);
          // rows of norm 0 have cosine 0 with everything
          for (const o of others) if (!Number.isFinite(o.sim)) o.sim = 0;
          others.sort((a, b) => b.sim - a.sim || a.p - b.p);
          return others.slice(0, Math.min(k, members.length - 1)).map((o) => o.q);
        });
        assert.deepEqual(got.map((g) => g.length), want.map((w) => w.length), `round ${round} k ${k}: counts`);
        // equal cosines computed two ways may differ in the last bit: compare the similarity sequence, then the rows where it is unambiguous
        got.forEach((g, pos) => {
          const sims = (rowsOf: number[]) => rowsOf.map((q) => cosine(dense(x, members[pos]!), dense(x, q)) || 0);
          assert.equal(new Set(g).size, g.length, 'no neighbour twice');
          assert.ok(!g.includes(members[pos]!), 'not itself');
          const a = sims(g);
          const b = sims(want[pos]!);
          a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-9, `round ${round} k ${k} member ${pos}: ${g} vs ${want[pos]}`));
        });
      }
    }
  });

  it('is deterministic by seed; a single-example class is copied', () => {
    const { x, y } = randomRows([30, 1], new Rng(10));
    const a = smote(x, y, 2, { k: 5, ratio: 1 }, new Rng(11));
    const b = smote(x, y, 2, { k: 5, ratio: 1 }, new Rng(11));
    assert.deepEqual(a.x, b.x);
    assert.deepEqual(a.single, [1]);
    const only = [...y.keys()].find((i) => y[i] === 1)!;
    for (let r = 0; r < a.x.n; r++) assert.deepEqual(dense(a.x, r), dense(x, only));
  });

  it('interpolates dense rows (encoder features) column by column', () => {
    const d = 4;
    const data = Float32Array.of(1, 0, 2, 0, 3, 1, 0, 1);
    const x: SparseRows = { n: 2, dims: d, indptr: Int32Array.of(0, 4, 8), indices: Int32Array.of(0, 1, 2, 3, 0, 1, 2, 3), values: data };
    const r = interpolateRows(x, [0], [1], [0.25]);
    assert.deepEqual(Array.from(r.indices), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(r.values), [1.5, 0.25, 1.5, 0.25]);
    const both = concatRows(x, r);
    assert.equal(both.n, 3);
    assert.deepEqual(Array.from(both.indptr), [0, 4, 8, 12]);
  });
});
