import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../src/math/rng.js';
import { buildPlan, emptyPlan, FAMILIES, implicitCondition, resolveRecipe, settingKeys } from '../../../src/strategies/registry.js';
import { STAGES, type LrSchedule, type TrainingPlan } from '../../../src/strategies/types.js';
import type { Params } from '../../../src/study/types.js';

const LABELS = ['a', 'b', 'c'];

/** `counts[c]` examples of class c, interleaved; each text names its class and index. */
function dataset(counts: number[]): { texts: string[]; y: Int32Array } {
  const texts: string[] = [];
  const y: number[] = [];
  const left = [...counts];
  let i = 0;
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        texts.push(`class-${c} example ${i++}`);
        y.push(c);
        left[c] = n - 1;
      }
    });
  }
  return { texts, y: Int32Array.from(y) };
}

function classCounts(y: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const v of y) c[v]!++;
  return c;
}

async function plan(given: Params, counts = [60, 25, 15], seed = 1): Promise<TrainingPlan> {
  const { texts, y } = dataset(counts);
  return buildPlan(resolveRecipe(given), emptyPlan(texts, y, counts.length), { rng: new Rng(seed), labels: LABELS.slice(0, counts.length) });
}

async function scheduleOf(given: Params): Promise<LrSchedule> {
  return (await plan({ ...given })).schedule.lrAt;
}

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol;

describe('resolveRecipe', () => {
  it('fills every family default for an empty recipe', () => {
    const { params } = resolveRecipe({});
    assert.deepEqual(params, {
      backbone: 'ngram-hash',
      'backbone.ngram-hash.dims': 262144,
      'backbone.ngram-hash.word-ngrams': 2,
      'backbone.ngram-hash.char-ngrams': 0,
      'backbone.ngram-hash.weighting': 'tfidf',
      'backbone.ngram-hash.lowercase': true,
      'augment.generate': false,
      'augment.eda': false,
      'augment.back-translate': false,
      'augment.mixup': false,
      'augment.feature-noise': false,
      balance: 'none',
      'balance.reweight': 0,
      'self-train': false,
      distill: false,
      'optimizer.lr': 0.01,
      'optimizer.batch-size': 64,
      'optimizer.epochs': 5,
      optimizer: 'adam',
      'optimizer.adam.beta1': 0.9,
      'optimizer.adam.beta2': 0.999,
      'schedule.warmup': 0,
      schedule: 'constant',
      'regularize.dropout': 0,
      'regularize.weight-decay': 0,
      'regularize.label-smoothing': 0,
      'regularize.patience': 0,
      head: 'linear',
      adapt: 'head-only',
      'adapt.layer-decay': 1,
    });
  });

  it('fills defaults generically: every family choice, shared setting, toggle and active setting', () => {
    const { params } = resolveRecipe({});
    for (const f of Object.values(FAMILIES)) {
      if (f.mode === 'one') {
        assert.equal(params[f.name], f.default, f.name);
        const s = f.strategies.find((x) => x.name === f.default)!;
        for (const d of s.settings) assert.equal(params[`${s.id}.${d.name}`], d.default, `${s.id}.${d.name}`);
      }
      if (f.mode === 'any') for (const s of f.strategies) assert.equal(params[s.id], false, s.id);
      for (const d of f.shared) assert.equal(params[`${f.name}.${d.name}`], d.default, `${f.name}.${d.name}`);
    }
  });

  it('keeps strategies in stage order: features, data, label, loss, optimize, model', () => {
    const empty = resolveRecipe({});
    assert.deepEqual(
      empty.strategies.map((s) => s.id),
      ['backbone.ngram-hash', 'balance.none', 'optimizer.adam', 'schedule.constant', 'regularize', 'head.linear', 'adapt.head-only'],
    );
    const full = resolveRecipe({ 'augment.eda': true, balance: 'focal', head: 'mlp', optimizer: 'sgd', schedule: 'cosine' });
    assert.deepEqual(
      full.strategies.map((s) => [s.id, s.stage]),
      [
        ['backbone.ngram-hash', 'features'],
        ['augment.eda', 'data'],
        ['balance.focal', 'loss'],
        ['optimizer.sgd', 'optimize'],
        ['schedule.cosine', 'optimize'],
        ['regularize', 'model'],
        ['head.mlp', 'model'],
        ['adapt.head-only', 'model'],
      ],
    );
    for (const r of [empty, full]) {
      const stages = r.strategies.map((s) => STAGES.indexOf(s.stage as (typeof STAGES)[number]));
      assert.ok(stages.every((x) => x >= 0));
      assert.deepEqual(stages, [...stages].sort((a, b) => a - b));
    }
  });

  it('passes each strategy its settings, shared family settings included', () => {
    const r = resolveRecipe({ optimizer: 'sgd', 'optimizer.lr': 0.2, 'optimizer.sgd.momentum': 0.8, schedule: 'step', 'schedule.warmup': 0.1 });
    assert.deepEqual(r.strategies.find((s) => s.id === 'optimizer.sgd')!.settings, { lr: 0.2, 'batch-size': 64, epochs: 5, momentum: 0.8 });
    assert.deepEqual(r.strategies.find((s) => s.id === 'schedule.step')!.settings, { warmup: 0.1, drop: 0.5, every: 2 });
  });

  it('drops settings of inactive strategies', () => {
    const { params } = resolveRecipe({
      balance: 'class-weight',
      'balance.focal.gamma': 3,
      'optimizer.sgd.momentum': 0.5,
      'augment.eda.alpha': 0.2,
      'head.mlp.width': 32,
      'no.such.key': 1,
    });
    for (const k of ['balance.focal.gamma', 'optimizer.sgd.momentum', 'augment.eda.alpha', 'head.mlp.width', 'no.such.key']) assert.equal(k in params, false, k);
    assert.equal(params['balance.class-weight.power'], 1);
    assert.equal(params['augment.eda'], false);
  });

  it('keeps given values of active strategies over the defaults', () => {
    const { params } = resolveRecipe({ balance: 'focal', 'balance.focal.gamma': 3.5, 'augment.eda': true, 'augment.eda.copies': 4 });
    assert.equal(params['balance.focal.gamma'], 3.5);
    assert.equal(params['augment.eda.copies'], 4);
    assert.equal(params['augment.eda.alpha'], 0.1);
  });
});

describe('settingKeys', () => {
  const keys = settingKeys();

  it('indexes family choices, toggles, shared and strategy settings', () => {
    assert.equal(keys.get('balance')?.kind, 'choice');
    assert.deepEqual(keys.get('balance')?.decl.choices, ['none', 'oversample', 'undersample', 'class-weight', 'focal', 'smote']);
    assert.equal(keys.get('balance.focal.gamma')?.kind, 'setting');
    assert.equal(keys.get('augment.eda')?.kind, 'toggle');
    assert.equal(keys.get('augment.eda')?.decl.type, 'bool');
    assert.equal(keys.get('optimizer.lr')?.kind, 'shared');
    assert.equal(keys.get('optimizer.lr')?.decl.log, true);
    assert.equal(keys.get('regularize.dropout')?.kind, 'shared');
    assert.equal(keys.has('regularize'), false, 'a family without strategies has no choice key');
    assert.equal(keys.has('augment'), false, 'an any-of family has toggles, not a choice');
  });

  it('gives the implicit condition of a strategy setting', () => {
    assert.deepEqual(implicitCondition(keys.get('balance.focal.gamma')!), { key: 'balance', value: 'focal' });
    assert.deepEqual(implicitCondition(keys.get('augment.eda.alpha')!), { key: 'augment.eda', value: true });
    assert.equal(implicitCondition(keys.get('optimizer.lr')!), undefined);
    assert.equal(implicitCondition(keys.get('balance')!), undefined);
  });

  it('has a key for every default resolveRecipe fills', () => {
    for (const k of Object.keys(resolveRecipe({ 'augment.eda': true }).params)) assert.ok(keys.has(k), k);
  });
});

describe('buildPlan: balance', () => {
  it('oversample makes every class as large as the largest, with texts matching their labels', async () => {
    const p = await plan({ balance: 'oversample' });
    assert.deepEqual(classCounts(p.y, 3), [60, 60, 60]);
    assert.equal(p.texts.length, 180);
    p.texts.forEach((t, i) => assert.ok(t.startsWith(`class-${p.y[i]} `), `${t} labelled ${p.y[i]}`));
    // every original example is kept
    const { texts } = dataset([60, 25, 15]);
    assert.deepEqual([...new Set(p.texts)].sort(), [...texts].sort());
    assert.deepEqual(p.applied, ['backbone.ngram-hash', 'balance.oversample', 'optimizer.adam', 'schedule.constant', 'regularize', 'head.linear', 'adapt.head-only']);
  });

  it('undersample cuts every class to the smallest, without duplicates', async () => {
    const p = await plan({ balance: 'undersample' });
    assert.deepEqual(classCounts(p.y, 3), [15, 15, 15]);
    assert.equal(new Set(p.texts).size, 45);
    p.texts.forEach((t, i) => assert.ok(t.startsWith(`class-${p.y[i]} `)));
  });

  it('resampling is deterministic by seed and differs across seeds', async () => {
    const a = await plan({ balance: 'undersample' }, [60, 25, 15], 5);
    const b = await plan({ balance: 'undersample' }, [60, 25, 15], 5);
    const c = await plan({ balance: 'undersample' }, [60, 25, 15], 6);
    assert.deepEqual(a.texts, b.texts);
    assert.notDeepEqual(a.texts, c.texts);
  });

  it('class-weight: inverse frequency, mean 1 over the examples, rare class heavier', async () => {
    const p = await plan({ balance: 'class-weight' }, [80, 20]);
    // n/c = [1.25, 5], mean over examples = 2 → [0.625, 2.5]
    assert.ok(close(p.classWeights[0]!, 0.625) && close(p.classWeights[1]!, 2.5), `weights ${Array.from(p.classWeights)}`);
    const meanOverExamples = (80 * p.classWeights[0]! + 20 * p.classWeights[1]!) / 100;
    assert.ok(close(meanOverExamples, 1));
    assert.ok(p.classWeights[1]! > p.classWeights[0]!);
    assert.deepEqual(classCounts(p.y, 2), [80, 20], 'the data is not resampled');
  });

  it('class-weight with three classes and a power keeps mean 1; power 0 is neutral', async () => {
    const counts = [60, 25, 15];
    const p = await plan({ balance: 'class-weight', 'balance.class-weight.power': 0.5 }, counts);
    const w = Array.from(p.classWeights);
    assert.ok(close(counts.reduce((a, c, i) => a + c * w[i]!, 0) / 100, 1));
    assert.ok(w[2]! > w[1]! && w[1]! > w[0]!);
    // power 0.5: w ∝ 1/sqrt(count)
    assert.ok(close(w[2]! / w[0]!, Math.sqrt(60 / 15)));
    const neutral = await plan({ balance: 'class-weight', 'balance.class-weight.power': 0 }, counts);
    assert.deepEqual(Array.from(neutral.classWeights), [1, 1, 1]);
  });

  it('focal sets gamma and leaves class weights neutral', async () => {
    const p = await plan({ balance: 'focal', 'balance.focal.gamma': 2.5 });
    assert.equal(p.loss.focalGamma, 2.5);
    assert.deepEqual(Array.from(p.classWeights), [1, 1, 1]);
    assert.equal((await plan({ balance: 'focal' })).loss.focalGamma, 2);
    assert.equal((await plan({})).loss.focalGamma, 0);
  });
});

describe('buildPlan: optimizer, regularize, head', () => {
  it('regularize sets dropout, weight decay, label smoothing and patience, and later strategies keep them', async () => {
    const p = await plan({
      'regularize.dropout': 0.3,
      'regularize.weight-decay': 0.01,
      'regularize.label-smoothing': 0.1,
      'regularize.patience': 3,
      optimizer: 'adamw',
      'optimizer.lr': 0.05,
      head: 'mlp',
      'head.mlp.width': 32,
      'head.mlp.depth': 2,
    });
    assert.equal(p.head.dropout, 0.3);
    assert.equal(p.optimizer.weightDecay, 0.01);
    assert.equal(p.loss.labelSmoothing, 0.1);
    assert.equal(p.patience, 3);
    assert.deepEqual(p.head, { name: 'mlp', width: 32, depth: 2, dropout: 0.3 });
    assert.equal(p.optimizer.name, 'adamw');
    assert.equal(p.optimizer.lr, 0.05);
  });

  it('sgd sets momentum and no betas; adam the betas and no momentum', async () => {
    const sgd = (await plan({ optimizer: 'sgd', 'optimizer.sgd.momentum': 0.7, 'optimizer.batch-size': 16, 'optimizer.epochs': 9 })).optimizer;
    assert.deepEqual({ name: sgd.name, momentum: sgd.momentum, beta1: sgd.beta1, batchSize: sgd.batchSize, epochs: sgd.epochs }, { name: 'sgd', momentum: 0.7, beta1: 0, batchSize: 16, epochs: 9 });
    const adam = (await plan({})).optimizer;
    assert.deepEqual({ momentum: adam.momentum, beta1: adam.beta1, beta2: adam.beta2, lr: adam.lr }, { momentum: 0, beta1: 0.9, beta2: 0.999, lr: 0.01 });
  });

  it('passes backbone settings through', async () => {
    const p = await plan({ 'backbone.ngram-hash.char-ngrams': 3 });
    assert.equal(p.backbone.name, 'ngram-hash');
    assert.equal(p.backbone.settings['char-ngrams'], 3);
    assert.equal(p.backbone.settings['dims'], 262144);
  });
});

describe('buildPlan: learning-rate schedules', () => {
  const TOTAL = 100;
  const PER_EPOCH = 10;
  const curve = (f: LrSchedule) => Array.from({ length: TOTAL }, (_, s) => f(s, TOTAL, PER_EPOCH));

  it('constant is 1 throughout without warm-up, and 1 after the warm-up', async () => {
    assert.ok(curve(await scheduleOf({})).every((v) => v === 1));
    const lr = curve(await scheduleOf({ 'schedule.warmup': 0.2 }));
    assert.ok(lr.slice(20).every((v) => v === 1), 'after warm-up');
    assert.ok(lr.slice(0, 19).every((v) => v < 1), 'during warm-up');
  });

  it('warm-up ramps linearly from ~0 to 1', async () => {
    const lr = curve(await scheduleOf({ 'schedule.warmup': 0.2 }));
    assert.ok(lr[0]! <= 0.05 + 1e-12, `starts at ${lr[0]}`);
    for (let s = 1; s < 20; s++) assert.ok(close(lr[s]! - lr[s - 1]!, 0.05), `step ${s}: ${lr[s]! - lr[s - 1]!}`);
    assert.ok(close(lr[19]!, 1));
  });

  it('cosine goes from 1 down to min-ratio at the last step, never rising', async () => {
    const lr = curve(await scheduleOf({ schedule: 'cosine', 'schedule.cosine.min-ratio': 0.1 }));
    assert.ok(close(lr[0]!, 1));
    assert.ok(close(lr[TOTAL - 1]!, 0.1), `ends at ${lr[TOTAL - 1]}`);
    for (let s = 1; s < TOTAL; s++) assert.ok(lr[s]! <= lr[s - 1]! + 1e-12);
    // half-way is the mean of peak and floor
    const mid = (await scheduleOf({ schedule: 'cosine', 'schedule.cosine.min-ratio': 0.1 }))(50, 101, 10);
    assert.ok(close(mid, 0.55));
    // with warm-up, the cosine starts after it at the peak
    const warm = curve(await scheduleOf({ schedule: 'cosine', 'schedule.warmup': 0.1 }));
    assert.ok(close(warm[10]!, 1) && close(warm[TOTAL - 1]!, 0));
  });

  it('linear-warmup-decay rises over the warm-up, then falls linearly to ~0', async () => {
    const lr = curve(await scheduleOf({ schedule: 'linear-warmup-decay', 'schedule.warmup': 0.1 }));
    assert.ok(lr[0]! <= 0.1 + 1e-12);
    assert.ok(close(lr[10]!, 1));
    assert.ok(lr[TOTAL - 1]! < 1e-9, `ends at ${lr[TOTAL - 1]}`);
    const d = lr[11]! - lr[10]!;
    assert.ok(d < 0);
    for (let s = 11; s < TOTAL; s++) assert.ok(close(lr[s]! - lr[s - 1]!, d, 1e-9), `not linear at ${s}`);
  });

  it('step multiplies by `drop` every `every` epochs', async () => {
    const f = await scheduleOf({ schedule: 'step', 'schedule.step.drop': 0.5, 'schedule.step.every': 2 });
    const lr = curve(f);
    for (let s = 0; s < TOTAL; s++) {
      const epoch = Math.floor(s / PER_EPOCH);
      assert.ok(close(lr[s]!, Math.pow(0.5, Math.floor(epoch / 2))), `step ${s}: ${lr[s]}`);
    }
    assert.equal(lr[19], 1);
    assert.equal(lr[20], 0.5);
    assert.equal(lr[40], 0.25);
    const f3 = await scheduleOf({ schedule: 'step', 'schedule.step.drop': 0.1, 'schedule.step.every': 3 });
    assert.ok(close(f3(29, TOTAL, PER_EPOCH), 1) && close(f3(30, TOTAL, PER_EPOCH), 0.1) && close(f3(60, TOTAL, PER_EPOCH), 0.01));
  });

  it('one-cycle starts at 1/div, peaks at 1 at pct-start, and ends near 0', async () => {
    const lr = curve(await scheduleOf({ schedule: 'one-cycle', 'schedule.one-cycle.pct-start': 0.3, 'schedule.one-cycle.div': 25 }));
    assert.ok(close(lr[0]!, 1 / 25));
    const peak = lr.indexOf(Math.max(...lr));
    assert.equal(peak, 30);
    assert.ok(close(lr[30]!, 1));
    for (let s = 1; s <= 30; s++) assert.ok(lr[s]! > lr[s - 1]!, `rising at ${s}`);
    for (let s = 31; s < TOTAL; s++) assert.ok(lr[s]! <= lr[s - 1]!, `falling at ${s}`);
    assert.ok(lr[TOTAL - 1]! < 1e-4, `ends at ${lr[TOTAL - 1]}`);
    assert.ok(close(lr[TOTAL - 1]!, 1 / 25 / 1e4));
  });

  it('records the schedule name in the plan', async () => {
    for (const name of ['constant', 'step', 'cosine', 'linear-warmup-decay', 'one-cycle']) {
      assert.equal((await plan({ schedule: name })).schedule.name, name);
    }
  });
});
