import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bracketOf, hyperbandBrackets, HyperbandRule } from '../../../src/schedulers/hyperband.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { readRanking } from '../../../src/schedulers/ranker.js';
import { OptionReader } from '../../../src/schedulers/options.js';
import { decide, trial } from './helpers.js';

describe('hyperband', () => {
  const layout = hyperbandBrackets(1, 81, 3);

  it('has Optuna\'s brackets and trial allocation for min 1, max 81, eta 3', () => {
    assert.deepEqual(layout.budgets, [81, 34, 15, 8, 5]);
    assert.equal(layout.total, 143);
  });

  it('assigns brackets deterministically from the trial number, in the budgeted proportions', () => {
    const a = Array.from({ length: 1000 }, (_, n) => bracketOf(n, layout));
    const b = Array.from({ length: 1000 }, (_, n) => bracketOf(n, hyperbandBrackets(1, 81, 3)));
    assert.deepEqual(a, b);
    // every block of `total` consecutive trials fills each bracket exactly
    for (const start of [0, 143, 500]) {
      const counts = [0, 0, 0, 0, 0];
      for (let n = start; n < start + 143; n++) counts[bracketOf(n, layout)]!++;
      assert.deepEqual(counts, layout.budgets);
    }
    // interleaved: the first 20 trials already visit several brackets
    assert.ok(new Set(a.slice(0, 20)).size >= 3, JSON.stringify(a.slice(0, 20)));
  });

  it('stops at the bracket\'s rungs against trials of the same bracket only; the last bracket never stops', () => {
    const rule = new HyperbandRule({ minResource: 1, reductionFactor: 3, ranking: readRanking(new OptionReader('hyperband', {})), bootstrapCount: 0 });
    const byBracket = (b: number) => Array.from({ length: 400 }, (_, n) => n).filter((n) => bracketOf(n, layout) === b);
    const [b0, b4] = [byBracket(0), byBracket(4)];
    const t0 = trial(b0[0]!, [0.5]);
    assert.equal(rule.decides(t0, 1), true, 'bracket 0 has a rung at epoch 1');
    assert.equal(rule.decides(trial(b4[0]!, [0.5]), 1), false);
    for (let e = 1; e < 81; e++) assert.equal(rule.decides(trial(b4[0]!, new Array(e).fill(0.5)), e), false, `bracket 4 epoch ${e}`);
    // a weak trial of bracket 0 among strong trials of other brackets only: best of its own bracket, so it goes on
    const strongElsewhere = byBracket(1).slice(0, 5).map((n) => trial(n, [0.9]));
    const s = SCHEDULERS.hyperband.create({});
    assert.equal(decide(s, [...strongElsewhere, t0], t0.number), 'continue');
    const strongSame = b0.slice(1, 6).map((n) => trial(n, [0.9]));
    assert.equal(decide(s, [...strongSame, t0], t0.number), 'stop');
  });
});
