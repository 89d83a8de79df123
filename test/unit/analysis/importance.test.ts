import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isStrategyKey,
  mainEffectImportance,
  quantileBins,
  strategyImportance,
  type ImportanceObservation,
  type ImportanceParam,
} from '../../../src/analysis/importance.js';

/** A small seeded PRNG, so the synthetic trials are the same every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const byKey = (rows: ReturnType<typeof mainEffectImportance>) => new Map(rows.map((r) => [r.key, r]));

describe('mainEffectImportance', () => {
  it('gives a setting that fully determines the metric about all the importance, and noise about none', () => {
    const rnd = mulberry32(1);
    const obs: ImportanceObservation[] = Array.from({ length: 400 }, () => {
      const x = rnd();
      const z = rnd();
      return { params: { x, z }, value: 0.5 + 0.4 * x };
    });
    const params: ImportanceParam[] = [
      { key: 'x', kind: 'numeric' },
      { key: 'z', kind: 'numeric' },
    ];
    const rows = mainEffectImportance(obs, params);
    assert.deepEqual(
      rows.map((r) => r.key),
      ['x', 'z'],
      'most important first',
    );
    const m = byKey(rows);
    assert.ok(m.get('x')!.importance > 0.97, `x ${m.get('x')!.importance}`);
    assert.ok(m.get('z')!.importance < 0.02, `z ${m.get('z')!.importance}`);
    // Ten quantile bins of a linear effect explain all but the within-bin spread (about 1/100).
    assert.ok(m.get('x')!.explained > 0.97 && m.get('x')!.explained <= 1, `explained ${m.get('x')!.explained}`);
    assert.equal(m.get('x')!.groups.length, 10);
    assert.ok(Math.abs(rows.reduce((a, r) => a + r.importance, 0) - 1) < 1e-12, 'sums to 1');
  });

  it('credits a pure-noise setting with about nothing even in a small study (bias-corrected)', () => {
    const rnd = mulberry32(2);
    let explainedSum = 0;
    const runs = 50;
    for (let r = 0; r < runs; r++) {
      const obs = Array.from({ length: 30 }, () => ({ params: { z: rnd(), c: ['a', 'b', 'c'][Math.floor(rnd() * 3)]! }, value: rnd() }));
      const rows = mainEffectImportance(obs, [
        { key: 'z', kind: 'numeric' },
        { key: 'c', kind: 'categorical', choices: ['a', 'b', 'c'] },
      ]);
      for (const row of rows) explainedSum += row.explained;
    }
    // Plain eta-squared would average about (k-1)/(n-1): 0.17 for 5 bins of 30 trials, 0.07 for 3 groups.
    assert.ok(explainedSum / (2 * runs) < 0.06, `mean explained share of noise ${explainedSum / (2 * runs)}`);
  });

  it('scores a categorical setting that sets the metric at 1, with its groups in the choice order', () => {
    const rnd = mulberry32(3);
    const effect: Record<string, number> = { sgd: 0.6, adam: 0.8, adamw: 0.85 };
    const obs = Array.from({ length: 120 }, () => {
      const opt = ['adam', 'adamw', 'sgd'][Math.floor(rnd() * 3)]!;
      return { params: { optimizer: opt, noise: rnd() }, value: effect[opt]! };
    });
    const rows = mainEffectImportance(obs, [
      { key: 'optimizer', kind: 'categorical', choices: ['sgd', 'adam', 'adamw'] },
      { key: 'noise', kind: 'numeric' },
    ]);
    const m = byKey(rows);
    assert.ok(m.get('optimizer')!.explained > 1 - 1e-9);
    assert.ok(m.get('optimizer')!.importance > 1 - 1e-9);
    assert.equal(m.get('noise')!.importance, 0);
    const round = (x: number) => Math.round(x * 1e9) / 1e9;
    assert.deepEqual(
      m.get('optimizer')!.groups.map((g) => [g.label, round(g.mean), round(g.sd)]),
      [
        ['sgd', 0.6, 0],
        ['adam', 0.8, 0],
        ['adamw', 0.85, 0],
      ],
    );
  });

  it('uses only the trials where a conditional setting is active', () => {
    const rnd = mulberry32(4);
    const obs = Array.from({ length: 300 }, (): ImportanceObservation => {
      const mlp = rnd() < 0.5;
      if (!mlp) return { params: { head: 'linear' }, value: 0.7 + 0.05 * rnd() };
      const width = 16 + Math.floor(rnd() * 240);
      return { params: { head: 'mlp', 'head.mlp.width': width }, value: 0.5 + width / 1000 };
    });
    const rows = mainEffectImportance(obs, [
      { key: 'head', kind: 'categorical', choices: ['linear', 'mlp'] },
      { key: 'head.mlp.width', kind: 'numeric' },
    ]);
    const width = byKey(rows).get('head.mlp.width')!;
    assert.equal(width.n, obs.filter((o) => 'head.mlp.width' in o.params).length);
    assert.ok(width.explained > 0.95, `within the MLP trials width sets the metric: ${width.explained}`);
  });

  it('reports the best of each group in the study direction', () => {
    const obs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8].map((v, i) => ({ params: { c: i % 2 === 0 ? 'a' : 'b' }, value: v }));
    const p: ImportanceParam[] = [{ key: 'c', kind: 'categorical', choices: ['a', 'b'] }];
    assert.deepEqual(
      mainEffectImportance(obs, p)[0]!.groups.map((g) => g.best),
      [0.7, 0.8],
    );
    assert.deepEqual(
      mainEffectImportance(obs, p, { direction: 'minimize' })[0]!.groups.map((g) => g.best),
      [0.1, 0.2],
    );
  });

  it('says when there are too few trials, and gives all zeros when nothing explains anything', () => {
    const few = mainEffectImportance(
      [1, 2, 3].map((v) => ({ params: { x: v }, value: v })),
      [{ key: 'x', kind: 'numeric' }],
    );
    assert.equal(few[0]!.estimable, false);
    assert.equal(few[0]!.explained, 0);
    assert.equal(few[0]!.importance, 0);
    const flat = mainEffectImportance(
      Array.from({ length: 20 }, (_, i) => ({ params: { x: i }, value: 0.5 })),
      [{ key: 'x', kind: 'numeric' }],
    );
    assert.equal(flat[0]!.estimable, true);
    assert.equal(flat[0]!.importance, 0);
  });

  it('ignores non-finite metrics and a numeric setting given a string is grouped by value', () => {
    const obs = [
      ...Array.from({ length: 10 }, (_, i) => ({ params: { x: i % 2 === 0 ? 'lo' : 'hi' }, value: i % 2 === 0 ? 0 : 1 })),
      { params: { x: 'lo' }, value: Number.NaN },
    ];
    const [row] = mainEffectImportance(obs, [{ key: 'x', kind: 'numeric' }]);
    assert.equal(row!.kind, 'categorical');
    assert.equal(row!.n, 10);
    assert.ok(row!.explained > 1 - 1e-9);
  });
});

describe('quantileBins', () => {
  it('cuts into up to maxBins quantile bins and never splits equal values', () => {
    const xs = [5, 1, 1, 1, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13];
    const bins = quantileBins(xs, 4);
    assert.equal(new Set(bins).size, 4);
    const ones = xs.map((x, i) => (x === 1 ? bins[i] : -1)).filter((b) => b !== -1);
    assert.equal(new Set(ones).size, 1, 'ties share a bin');
    // Monotone: a larger value never sits in a lower bin.
    for (let i = 0; i < xs.length; i++) for (let j = 0; j < xs.length; j++) if (xs[i]! < xs[j]!) assert.ok(bins[i]! <= bins[j]!);
  });
  it('groups by value when there are few distinct values', () => {
    assert.deepEqual(quantileBins([3, 1, 2, 1, 3, 2, 1, 1, 2, 3], 10), [2, 0, 1, 0, 2, 1, 0, 0, 1, 2]);
  });
});

describe('strategy importance', () => {
  it('knows strategy keys: family choices and augment toggles', () => {
    for (const k of ['balance', 'schedule', 'head', 'optimizer', 'augment.eda', 'augment.mixup']) assert.ok(isStrategyKey(k), k);
    for (const k of ['optimizer.lr', 'balance.focal.gamma', 'augment.eda.alpha', 'regularize.dropout']) assert.ok(!isStrategyKey(k), k);
  });

  it('ranks only the strategy choices, normalised among themselves', () => {
    const rnd = mulberry32(5);
    const obs = Array.from({ length: 300 }, () => {
      const balance = ['none', 'class-weight', 'focal'][Math.floor(rnd() * 3)]!;
      const eda = rnd() < 0.5;
      const lr = rnd();
      return { params: { balance, 'augment.eda': eda, 'optimizer.lr': lr }, value: (balance === 'focal' ? 0.1 : 0) + lr };
    });
    const params: ImportanceParam[] = [
      { key: 'balance', kind: 'categorical', choices: ['none', 'class-weight', 'focal'] },
      { key: 'augment.eda', kind: 'categorical', choices: [false, true] },
      { key: 'optimizer.lr', kind: 'numeric' },
    ];
    const rows = strategyImportance(obs, params);
    assert.deepEqual(
      rows.map((r) => r.key),
      ['balance', 'augment.eda'],
    );
    assert.ok(rows[0]!.importance > 0.9, `balance ${rows[0]!.importance}`);
    assert.ok(Math.abs(rows.reduce((a, r) => a + r.importance, 0) - 1) < 1e-12);
    // Over all settings the learning rate dominates.
    assert.equal(mainEffectImportance(obs, params)[0]!.key, 'optimizer.lr');
  });
});
