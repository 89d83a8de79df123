import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../src/math/rng.js';
import { contains, describeDistribution, fromUnit, gridValues, toUnit, type Distribution } from '../../../src/space/distributions.js';

const FLOAT: Distribution = { kind: 'float', low: -2, high: 3, log: false };
const LOG_FLOAT: Distribution = { kind: 'float', low: 1e-4, high: 1, log: true };
const STEP_FLOAT: Distribution = { kind: 'float', low: 0, high: 1, log: false, step: 0.25 };
const INT: Distribution = { kind: 'int', low: 1, high: 6, log: false, step: 1 };
const LOG_INT: Distribution = { kind: 'int', low: 1, high: 200, log: true, step: 1 };
const STEP_INT: Distribution = { kind: 'int', low: 0, high: 10, log: false, step: 2 };
const CATEGORICAL: Distribution = { kind: 'categorical', choices: ['adam', 'sgd', 3, true] };

const ALL: Array<[string, Distribution]> = [
  ['float', FLOAT],
  ['log float', LOG_FLOAT],
  ['float with step', STEP_FLOAT],
  ['int', INT],
  ['log int', LOG_INT],
  ['int with step', STEP_INT],
  ['categorical', CATEGORICAL],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Every value of a finite distribution. */
function allValues(d: Distribution): Array<number | string | boolean> {
  if (d.kind === 'categorical') return [...d.choices];
  const step = d.kind === 'int' ? d.step : d.step!;
  const out: number[] = [];
  for (let v = d.low; v <= d.high + 1e-12; v += step) out.push(Math.round(v * 1e9) / 1e9);
  return out;
}

describe('fromUnit / toUnit', () => {
  it('round-trips a continuous float value and a unit position', () => {
    for (const v of [-2, -1.25, 0, 0.5, 2.999]) {
      const u = toUnit(FLOAT, v);
      assert.ok(u >= 0 && u <= 1, `u=${u}`);
      assert.ok(Math.abs((fromUnit(FLOAT, u) as number) - v) < 1e-9, `v=${v}`);
    }
    for (const u of [0, 0.1, 0.5, 0.9]) assert.ok(Math.abs(toUnit(FLOAT, fromUnit(FLOAT, u)) - u) < 1e-9);
    assert.equal(fromUnit(FLOAT, 0), -2);
    assert.equal(fromUnit(FLOAT, 0.5), 0.5);
  });

  it('round-trips a log float, uniform in log space', () => {
    for (const v of [1e-4, 3e-4, 1e-2, 0.5, 0.9999]) {
      const back = fromUnit(LOG_FLOAT, toUnit(LOG_FLOAT, v)) as number;
      assert.ok(Math.abs(back - v) / v < 1e-9, `v=${v} back=${back}`);
    }
    // each decade gets a quarter of the unit interval
    assert.ok(Math.abs(toUnit(LOG_FLOAT, 1e-3) - 0.25) < 1e-12);
    assert.ok(Math.abs(toUnit(LOG_FLOAT, 1e-2) - 0.5) < 1e-12);
    assert.ok(Math.abs((fromUnit(LOG_FLOAT, 0.75) as number) - 1e-1) < 1e-12);
  });

  it('round-trips every value of an int, log int, stepped int, stepped float and categorical', () => {
    for (const d of [INT, LOG_INT, STEP_INT, STEP_FLOAT, CATEGORICAL]) {
      for (const v of allValues(d)) {
        const u = toUnit(d, v);
        assert.ok(u >= 0 && u <= 1, `${describeDistribution(d)}: u=${u} for ${String(v)}`);
        const back = fromUnit(d, u);
        if (typeof v === 'number' && d.kind === 'float') assert.ok(Math.abs((back as number) - v) < 1e-9, `${String(v)} -> ${String(back)}`);
        else assert.equal(back, v, describeDistribution(d));
      }
    }
  });

  it('maps an int value to the centre of its cell', () => {
    // 6 values: cell i is [i/6, (i+1)/6)
    assert.ok(Math.abs(toUnit(INT, 1) - 1 / 12) < 1e-12);
    assert.ok(Math.abs(toUnit(INT, 6) - 11 / 12) < 1e-12);
    assert.equal(fromUnit(INT, 1 / 6 - 1e-9), 1);
    assert.equal(fromUnit(INT, 1 / 6 + 1e-9), 2);
    assert.ok(Math.abs(toUnit(CATEGORICAL, 'sgd') - 3 / 8) < 1e-12);
  });

  it('sends the ends of the unit interval to the ends of the distribution (and clamps outside it)', () => {
    const ends: Array<[Distribution, unknown, unknown]> = [
      [FLOAT, -2, 3],
      [LOG_FLOAT, 1e-4, 1],
      [STEP_FLOAT, 0, 1],
      [INT, 1, 6],
      [LOG_INT, 1, 200],
      [STEP_INT, 0, 10],
      [CATEGORICAL, 'adam', true],
    ];
    for (const [d, lo, hi] of ends) {
      const a = fromUnit(d, 0);
      const b = fromUnit(d, 1);
      if (typeof lo === 'number') {
        assert.ok(Math.abs((a as number) - lo) <= 1e-9 * Math.max(1, Math.abs(lo)), `${describeDistribution(d)} at 0: ${String(a)}`);
        assert.ok(Math.abs((b as number) - (hi as number)) <= 1e-9 * Math.max(1, Math.abs(hi as number)), `${describeDistribution(d)} at 1: ${String(b)}`);
      } else {
        assert.equal(a, lo);
        assert.equal(b, hi);
      }
      assert.deepEqual(fromUnit(d, -0.5), a);
      assert.deepEqual(fromUnit(d, 1.5), b);
    }
  });

  it('keeps a stepped float on its step grid', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 500; i++) {
      const v = fromUnit(STEP_FLOAT, rng.next()) as number;
      assert.ok([0, 0.25, 0.5, 0.75, 1].includes(v), `off-grid ${v}`);
    }
  });
});

describe('contains', () => {
  it('holds for every draw of every distribution', () => {
    const rng = new Rng(3);
    for (const [name, d] of ALL) {
      const seen = new Set<unknown>();
      for (let i = 0; i < 2000; i++) {
        const v = fromUnit(d, rng.next());
        assert.ok(contains(d, v), `${name}: ${String(v)} outside ${describeDistribution(d)}`);
        seen.add(v);
      }
      // small finite linear-scale distributions are covered entirely by 2000 uniform draws
      if ((d.kind !== 'float' || d.step) && !(d.kind !== 'categorical' && d.log)) assert.equal(seen.size, allValues(d).length, `${name} covered ${seen.size}`);
    }
  });

  it('rejects values of the wrong type, outside the range or off the step', () => {
    assert.equal(contains(FLOAT, 3.0001), false);
    assert.equal(contains(FLOAT, -2.0001), false);
    assert.equal(contains(FLOAT, Number.NaN), false);
    assert.equal(contains(FLOAT, Number.POSITIVE_INFINITY), false);
    assert.equal(contains(FLOAT, '1'), false);
    assert.equal(contains(INT, 2.5), false);
    assert.equal(contains(INT, 7), false);
    assert.equal(contains(INT, 0), false);
    assert.equal(contains(STEP_INT, 3), false);
    assert.equal(contains(STEP_INT, 4), true);
    assert.equal(contains(CATEGORICAL, 'adamw'), false);
    assert.equal(contains(CATEGORICAL, '3'), false, 'categorical match is strict: "3" is not 3');
    assert.equal(contains(CATEGORICAL, 3), true);
    assert.equal(contains(CATEGORICAL, true), true);
  });
});

describe('log-uniform draws', () => {
  const N = 4001;

  it('log float: the median is near the geometric mean of the bounds, not the arithmetic middle', () => {
    const rng = new Rng(20240601);
    const draws = Array.from({ length: N }, () => fromUnit(LOG_FLOAT, rng.next()) as number);
    const med = median(draws);
    // geometric mean of 1e-4 and 1 is 1e-2; allow 0.15 decades
    assert.ok(Math.abs(Math.log10(med) - -2) < 0.15, `median ${med}`);
    // a quarter of the draws in each decade
    const firstDecade = draws.filter((v) => v < 1e-3).length / N;
    assert.ok(Math.abs(firstDecade - 0.25) < 0.03, `first decade share ${firstDecade}`);
    // a linear scale puts the median near 0.5 instead
    const linear: Distribution = { ...LOG_FLOAT, log: false };
    const medLinear = median(Array.from({ length: N }, () => fromUnit(linear, rng.next()) as number));
    assert.ok(Math.abs(medLinear - 0.5) < 0.05, `linear median ${medLinear}`);
  });

  it('log int: the median is near the geometric mean of the bounds', () => {
    const d: Distribution = { kind: 'int', low: 10, high: 10000, log: true, step: 1 };
    const rng = new Rng(99);
    const draws = Array.from({ length: N }, () => fromUnit(d, rng.next()) as number);
    const med = median(draws);
    const gm = Math.sqrt(10 * 10000);
    assert.ok(Math.abs(med - gm) / gm < 0.15, `median ${med}, geometric mean ${gm}`);
    assert.ok(draws.every((v) => Number.isInteger(v) && v >= 10 && v <= 10000));
  });
});

describe('gridValues', () => {
  it('lists every choice of a categorical', () => {
    assert.deepEqual(gridValues(CATEGORICAL), ['adam', 'sgd', 3, true]);
  });

  it('lists every value of a small int range, step respected', () => {
    assert.deepEqual(gridValues(INT), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(gridValues(STEP_INT), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(gridValues({ kind: 'int', low: 1, high: 3, log: false, step: 1 }, 1), [2]);
  });

  it('takes cell centres of a large int range', () => {
    const d: Distribution = { kind: 'int', low: 1, high: 100, log: false, step: 1 };
    assert.deepEqual(gridValues(d, 5), [11, 31, 51, 71, 91]);
    const logValues = gridValues(LOG_INT, 4) as number[];
    assert.equal(logValues.length, 4);
    for (let i = 1; i < logValues.length; i++) assert.ok(logValues[i]! > logValues[i - 1]!);
    for (const v of logValues) assert.ok(contains(LOG_INT, v));
  });

  it('spaces float points evenly, end points included, in log space for log floats', () => {
    assert.deepEqual(gridValues(FLOAT, 5), [-2, -0.75, 0.5, 1.75, 3]);
    const logs = gridValues(LOG_FLOAT, 5) as number[];
    const expected = [1e-4, 1e-3, 1e-2, 1e-1, 1];
    logs.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) / expected[i]! < 1e-9, `${v} vs ${expected[i]}`));
    for (const v of logs) assert.ok(contains(LOG_FLOAT, v));
  });

  it('keeps float grid end points exactly on the bounds (no ulp overshoot)', () => {
    // exp(log(0.3)) and 0.1 + (0.3 - 0.1) are both 0.30000000000000004
    for (const log of [true, false]) {
      const d: Distribution = { kind: 'float', low: 0.1, high: 0.3, log };
      for (const n of [2, 3, 5, 7]) {
        const values = gridValues(d, n) as number[];
        assert.equal(values[0], 0.1);
        assert.equal(values[values.length - 1], 0.3);
        for (const v of values) assert.ok(contains(d, v), `${v} outside ${describeDistribution(d)}`);
      }
    }
  });

  it('gives the middle (geometric for log) for a single float point', () => {
    assert.deepEqual(gridValues(FLOAT, 1), [0.5]);
    const [g] = gridValues(LOG_FLOAT, 1) as number[];
    assert.ok(Math.abs(g! - 1e-2) < 1e-9);
  });
});
