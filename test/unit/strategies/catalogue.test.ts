import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBuiltin } from '../../../src/data/builtin.js';
import type { PreparedData } from '../../../src/data/types.js';
import { HybridTuneError } from '../../../src/errors.js';
import { Rng } from '../../../src/math/rng.js';
import { setTranslatorFactory } from '../../../src/strategies/augment/back-translate.js';
import { buildPlan, emptyPlan, implicitCondition, resolveRecipe, settingKeys, strategyById } from '../../../src/strategies/registry.js';
import { pseudoLabelCap, roundEpochs, selectPseudoLabels } from '../../../src/strategies/self-train.js';
import type { Params } from '../../../src/study/types.js';
import { soften } from '../../../src/trainer/teacher.js';
import { initBackend } from '../../../src/trainer/tf-backend.js';
import { trainTrial } from '../../../src/trainer/train-trial.js';
import { smallSpam } from '../../helpers/data.js';

let data: PreparedData;
let tmp: string;

before(async () => {
  await initBackend();
  data = await smallSpam();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'ht-catalogue-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const BASE: Params = { 'optimizer.epochs': 3, 'optimizer.lr': 0.05 };
const curve = (r: Awaited<ReturnType<typeof trainTrial>>) => r.epochs.map((e) => [e.value, e.loss]);

async function plan(given: Params, texts: string[], y: number[], baseDir?: string) {
  return buildPlan(resolveRecipe(given), emptyPlan(texts, Int32Array.from(y), 2), { rng: new Rng(1), labels: ['a', 'b'], ...(baseDir ? { baseDir } : {}) });
}

describe('registry: the new keys', () => {
  const keys = settingKeys();
  it('distill and self-train are switched on by their own name, their settings depend on it', () => {
    assert.equal(keys.get('distill')?.kind, 'toggle');
    assert.equal(keys.get('self-train')?.kind, 'toggle');
    assert.deepEqual(implicitCondition(keys.get('distill.weight')!), { key: 'distill', value: true });
    assert.deepEqual(implicitCondition(keys.get('self-train.threshold')!), { key: 'self-train', value: true });
    assert.deepEqual(implicitCondition(keys.get('augment.mixup.alpha')!), { key: 'augment.mixup', value: true });
    assert.deepEqual(implicitCondition(keys.get('balance.smote.k')!), { key: 'balance', value: 'smote' });
    assert.equal(keys.get('balance.reweight')?.kind, 'shared');
    assert.equal(strategyById('distill')?.id, 'distill');
    assert.equal(strategyById('balance.smote')?.id, 'balance.smote');
    assert.equal(strategyById('augment.feature-noise')?.stage, 'batch');
  });

  it('a recipe records the whole catalogue in stage order', () => {
    const r = resolveRecipe({
      'augment.eda': true,
      'augment.back-translate': true,
      'augment.mixup': true,
      'augment.feature-noise': true,
      balance: 'smote',
      'self-train': true,
      distill: true,
      schedule: 'cosine',
    });
    assert.deepEqual(
      r.strategies.map((s) => `${s.stage}:${s.id}`),
      [
        'features:backbone.ngram-hash',
        'data:augment.eda',
        'data:augment.back-translate',
        'label:balance.smote',
        'label:self-train',
        'loss:distill',
        'batch:augment.mixup',
        'batch:augment.feature-noise',
        'optimize:optimizer.adam',
        'optimize:schedule.cosine',
        'model:regularize',
        'model:head.linear',
        'model:adapt.head-only',
      ],
    );
  });
});

describe('balance.reweight: class weights on top of any balance choice, double counting flagged', () => {
  const texts = Array.from({ length: 100 }, (_, i) => `t${i}`);
  const y = texts.map((_, i) => (i < 80 ? 0 : 1));
  it('with balance none it equals balance: class-weight, and is off by default', async () => {
    const a = await plan({ 'balance.reweight': 1 }, texts, y);
    const b = await plan({ balance: 'class-weight' }, texts, y);
    assert.deepEqual(Array.from(a.classWeights), Array.from(b.classWeights));
    assert.deepEqual(Array.from((await plan({}, texts, y)).classWeights), [1, 1]);
    assert.deepEqual(a.notes, []);
  });
  it('flags oversample, smote, focal and class-weight combined with it', async () => {
    const over = await plan({ balance: 'oversample', 'balance.reweight': 1 }, texts, y);
    // weights from the counts before resampling (80/20), normalised over the balanced set (80/80)
    assert.ok(Math.abs(over.classWeights[1]! / over.classWeights[0]! - 4) < 1e-12);
    assert.ok(Math.abs((80 * over.classWeights[0]! + 80 * over.classWeights[1]!) / 160 - 1) < 1e-12);
    assert.match(over.notes.join(' '), /double-counts/);
    assert.match((await plan({ balance: 'focal', 'balance.reweight': 0.5 }, texts, y)).notes.join(' '), /focal loss with class weights/);
    assert.match((await plan({ balance: 'smote', 'balance.reweight': 1 }, texts, y)).notes.join(' '), /after smote double-counts/);
    assert.match((await plan({ balance: 'class-weight', 'balance.reweight': 1 }, texts, y)).notes.join(' '), /twice/);
  });
});

describe('focal loss', () => {
  it('stays finite with gamma < 1 once probabilities saturate (the derivative of (1 − p)^gamma is infinite at p = 1)', async () => {
    const r = await trainTrial({ data, params: { balance: 'focal', 'balance.focal.gamma': 0.3, 'optimizer.lr': 0.5, 'optimizer.epochs': 6 }, seed: 1, metric: 'macro-f1' });
    assert.ok(r.epochs.every((e) => Number.isFinite(e.loss)));
    assert.ok(r.epochs.at(-1)!.loss < 1e-3, 'probabilities did saturate');
    assert.ok(r.metrics.value > 0.9);
  });
});

describe('mixup, feature noise and SMOTE in the trainer', () => {
  it('mixup with alpha → 0 trains exactly as without it; a real alpha changes training and still learns', async () => {
    const plain = await trainTrial({ data, params: BASE, seed: 3, metric: 'macro-f1' });
    const tiny = await trainTrial({ data, params: { ...BASE, 'augment.mixup': true, 'augment.mixup.alpha': 1e-9 }, seed: 3, metric: 'macro-f1' });
    assert.deepEqual(curve(tiny), curve(plain));
    const mlpPlain = await trainTrial({ data, params: { ...BASE, head: 'mlp', 'head.mlp.width': 8 }, seed: 3, metric: 'macro-f1' });
    const mlpTiny = await trainTrial({ data, params: { ...BASE, head: 'mlp', 'head.mlp.width': 8, 'augment.mixup': true, 'augment.mixup.alpha': 1e-9 }, seed: 3, metric: 'macro-f1' });
    assert.deepEqual(curve(mlpTiny), curve(mlpPlain));
    const mixed = await trainTrial({ data, params: { ...BASE, 'augment.mixup': true, 'augment.mixup.alpha': 0.4 }, seed: 3, metric: 'macro-f1' });
    assert.notDeepEqual(curve(mixed), curve(plain));
    assert.ok(mixed.metrics.value > 0.85, `macro-F1 ${mixed.metrics.value}`);
    // mixed targets are soft, so the training loss stays above the unmixed one
    assert.ok(mixed.epochs.at(-1)!.loss > plain.epochs.at(-1)!.loss);
  });

  it('feature noise with sigma 0 trains exactly as without it; sigma > 0 does not', async () => {
    const plain = await trainTrial({ data, params: BASE, seed: 4, metric: 'macro-f1' });
    const zero = await trainTrial({ data, params: { ...BASE, 'augment.feature-noise': true, 'augment.feature-noise.sigma': 0 }, seed: 4, metric: 'macro-f1' });
    assert.deepEqual(curve(zero), curve(plain));
    const noisy = await trainTrial({ data, params: { ...BASE, 'augment.feature-noise': true, 'augment.feature-noise.sigma': 0.5 }, seed: 4, metric: 'macro-f1' });
    assert.notDeepEqual(curve(noisy), curve(plain));
  });

  it('SMOTE grows the minority class to the majority in feature space', async () => {
    const counts = [0, 0];
    for (const c of data.train.y) counts[c]!++;
    const r = await trainTrial({ data, params: { ...BASE, balance: 'smote', 'balance.smote.k': 3 }, seed: 5, metric: 'macro-f1' });
    const minority = counts[0]! < counts[1]! ? 0 : 1;
    const want = [0, 0];
    want[minority] = Math.abs(counts[0]! - counts[1]!);
    assert.deepEqual(r.strategyLog.smote?.added, want);
    assert.equal(r.metrics.trainExamples, 2 * Math.max(...counts));
    assert.match(r.metrics.notes.join(' '), /smote: \d+ synthetic examples/);
    assert.ok(r.metrics.value > 0.85);
  });
});

describe('distill', () => {
  let teacherDir: string;
  before(async () => {
    teacherDir = path.join(tmp, 'teacher');
    await trainTrial({ data, params: { ...BASE, head: 'mlp', 'head.mlp.width': 16 }, seed: 9, metric: 'macro-f1', saveDir: teacherDir });
  });

  it('with weight 0 trains exactly as plain training; with weight > 0 it does not', async () => {
    const plain = await trainTrial({ data, params: BASE, seed: 6, metric: 'macro-f1' });
    const zero = await trainTrial({ data, params: { ...BASE, distill: true, 'distill.teacher': teacherDir, 'distill.weight': 0 }, seed: 6, metric: 'macro-f1' });
    assert.equal(zero.strategyLog.teacher, teacherDir);
    assert.deepEqual(curve(zero), curve(plain));
    const soft = await trainTrial({ data, params: { ...BASE, distill: true, 'distill.teacher': teacherDir, 'distill.weight': 0.7, 'distill.temperature': 4 }, seed: 6, metric: 'macro-f1' });
    assert.notDeepEqual(curve(soft), curve(plain));
    assert.match(soft.metrics.notes.join(' '), /distill: teacher .* \(temperature 4, weight 0.7\)/);
    assert.ok(soft.metrics.value > 0.85);
  });

  it("finds the study's best trial as teacher (from studyDir or from a sweep's save folder), or trains without one", async () => {
    const study = path.join(tmp, 'study');
    mkdirSync(path.join(study, 'artifacts'), { recursive: true });
    writeFileSync(path.join(study, 'study.json'), '{}');
    writeFileSync(path.join(study, 'trials.json'), JSON.stringify({ formatVersion: 1, trials: [] }));
    const params = { ...BASE, distill: true };
    const none = await trainTrial({ data, params, seed: 7, metric: 'macro-f1', studyDir: study });
    assert.equal(none.strategyLog.teacher, null);
    assert.match(none.metrics.notes.join(' '), /no teacher \(the study has no complete trial with a saved model yet\)/);
    await trainTrial({ data, params: BASE, seed: 8, metric: 'macro-f1', saveDir: path.join(study, 'artifacts', 'trial-3') });
    const trial = (n: number, value: number, artifact?: string) => ({ number: n, state: 'complete', params: {}, seed: 1, intermediate: [], createdAt: '', metrics: { value }, ...(artifact ? { artifact } : {}) });
    writeFileSync(path.join(study, 'trials.json'), JSON.stringify({ formatVersion: 1, trials: [trial(2, 0.99), trial(3, 0.9, 'artifacts/trial-3')] }));
    const viaStudy = await trainTrial({ data, params, seed: 7, metric: 'macro-f1', studyDir: study });
    assert.equal(viaStudy.strategyLog.teacher, 'trial 3 of the study', 'the best trial that has a model');
    const viaSave = await trainTrial({ data, params, seed: 7, metric: 'macro-f1', saveDir: path.join(study, 'artifacts', 'trial-9') });
    assert.equal(viaSave.strategyLog.teacher, 'trial 3 of the study');
    assert.deepEqual(curve(viaSave), curve(viaStudy));
  });

  it('an MLP student learns from an MLP teacher (their layers share names), and no tensor is left behind', async () => {
    const { tf } = await import('../../../src/trainer/tf-backend.js');
    const before = tf.memory().numTensors;
    const r = await trainTrial({ data, params: { ...BASE, head: 'mlp', 'head.mlp.width': 8, distill: true, 'distill.teacher': teacherDir }, seed: 2, metric: 'macro-f1' });
    assert.equal(r.strategyLog.teacher, teacherDir);
    assert.ok(r.metrics.value > 0.85);
    assert.equal(tf.memory().numTensors, before);
  });

  it('a teacher folder that does not exist is a clear error', async () => {
    await assert.rejects(
      trainTrial({ data, params: { ...BASE, distill: true, 'distill.teacher': 'no-such-teacher' }, seed: 1, metric: 'macro-f1', baseDir: tmp }),
      (e: unknown) => e instanceof HybridTuneError && e.code === 'E_FILE_NOT_FOUND' && e.details.key === 'distill.teacher',
    );
  });

  it('softens probabilities with the temperature: T = 1 keeps them, rows sum to 1, higher T flattens', () => {
    const p = Float32Array.of(0.9, 0.1, 0.6, 0.4);
    const t1 = soften(p, 2, 1);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(t1[i]! - p[i]!) < 1e-6);
    const t4 = soften(p, 2, 4);
    assert.ok(Math.abs(t4[0]! + t4[1]! - 1) < 1e-6);
    // softmax(log p / T): 0.9^(1/4) / (0.9^(1/4) + 0.1^(1/4))
    assert.ok(Math.abs(t4[0]! - 0.9 ** 0.25 / (0.9 ** 0.25 + 0.1 ** 0.25)) < 1e-6);
    assert.ok(t4[0]! < 0.9 && t4[0]! > 0.5);
  });
});

describe('self-train', () => {
  it('selects the most confident pool rows at or above the threshold, at most the cap', () => {
    const probs = Float32Array.of(0.95, 0.05, 0.2, 0.8, 0.5, 0.5, 0.01, 0.99, 0.91, 0.09, 0.3, 0.7);
    const all = selectPseudoLabels(probs, 2, 0.9, 100);
    assert.deepEqual(Array.from(all.rows), [3, 0, 4]);
    assert.deepEqual(Array.from(all.labels), [1, 0, 0]);
    assert.ok(Array.from(all.confidence).every((c) => c >= 0.9));
    const capped = selectPseudoLabels(probs, 2, 0.7, 2);
    assert.deepEqual(Array.from(capped.rows), [3, 0]);
    assert.equal(selectPseudoLabels(probs, 2, 0.999, 10).rows.length, 0);
  });

  it('caps pseudo-labels at max-share of the training set and spreads rounds over the epochs', () => {
    assert.equal(pseudoLabelCap(700, 0.3), 300);
    assert.equal(pseudoLabelCap(100, 0.5), 100);
    assert.equal(pseudoLabelCap(100, 0), 0);
    assert.deepEqual(roundEpochs(6, 2), [2, 4]);
    assert.deepEqual(roundEpochs(4, 1), [2]);
    assert.deepEqual(roundEpochs(1, 3), []);
    assert.deepEqual(roundEpochs(3, 5), [1, 2]);
  });

  it('adds at most max-share pseudo-labels at or above the threshold, never a validation or test text', async () => {
    const table = loadBuiltin('spam-assassin');
    const pool = path.join(tmp, 'pool.jsonl');
    const texts = table.rows.map((r) => r['text']!);
    writeFileSync(pool, texts.map((t) => JSON.stringify({ body: t })).join('\n'));
    const params = { ...BASE, 'optimizer.epochs': 4, 'self-train': true, 'self-train.pool': 'pool.jsonl', 'self-train.column': 'body', 'self-train.threshold': 0.95, 'self-train.rounds': 2, 'self-train.max-share': 0.2, 'self-train.pool-size': 100000 };
    const r = await trainTrial({ data, params, seed: 3, metric: 'macro-f1', baseDir: tmp });
    const rounds = r.strategyLog.selfTrain!;
    assert.deepEqual(
      rounds.map((x) => x.afterEpoch),
      [1, 3],
    );
    const labelled = data.train.y.length;
    const held = new Set([...data.train.texts, ...data.validation.texts, ...data.test!.texts]);
    const expectedPool = new Set(texts.map((t) => t.trim()).filter((t) => t !== '' && !held.has(t))).size;
    for (const round of rounds) {
      assert.equal(round.cap, Math.floor((0.2 / 0.8) * labelled + 1e-9));
      assert.ok(round.added <= round.cap, `${round.added} > ${round.cap}`);
      assert.ok(round.added > 0, 'a trained model is confident about some of the pool');
      assert.ok(round.minConfidence! >= 0.95);
      assert.equal(round.pool, expectedPool, 'texts of train, validation and test are not in the pool');
    }
    assert.equal(r.metrics.trainExamples, labelled + rounds.at(-1)!.added);
    assert.ok(r.metrics.value > 0.85);
  });

  it('without a pool it says what to set', async () => {
    await assert.rejects(
      trainTrial({ data, params: { ...BASE, 'self-train': true }, seed: 1, metric: 'macro-f1' }),
      (e: unknown) => e instanceof HybridTuneError && e.details.key === 'self-train.pool',
    );
  });
});

describe('augment.back-translate (a stand-in translator at the seam: no translation model ships with the project)', () => {
  after(() => setTranslatorFactory());

  it('adds each round trip with the label of its source, skips unchanged ones, and passes language codes', async () => {
    for (const m of ['en-xx', 'xx-en']) {
      mkdirSync(path.join(tmp, 'models', m), { recursive: true });
      writeFileSync(path.join(tmp, 'models', m, 'config.json'), '{}');
    }
    const calls: Array<{ dir: string; src?: string; tgt?: string; n: number }> = [];
    setTranslatorFactory(async (dir, o) => ({
      async translate(texts) {
        calls.push({ dir: path.basename(dir), ...(o.srcLang ? { src: o.srcLang } : {}), ...(o.tgtLang ? { tgt: o.tgtLang } : {}), n: texts.length });
        // "translation": upper-case there, lower-case back, and 'same' comes back unchanged
        return path.basename(dir) === 'en-xx' ? texts.map((t) => t.toUpperCase()) : texts.map((t) => (t === 'SAME' ? 'same' : `${t.toLowerCase()} again`));
      },
    }));
    const p = await plan(
      { 'augment.back-translate': true, 'augment.back-translate.forward': 'models/en-xx', 'augment.back-translate.backward': 'models/xx-en', 'augment.back-translate.source': 'eng_Latn', 'augment.back-translate.pivot': 'fra_Latn' },
      ['good film', 'bad film', 'same'],
      [1, 0, 1],
      tmp,
    );
    assert.deepEqual(p.texts, ['good film', 'bad film', 'same', 'good film again', 'bad film again']);
    assert.deepEqual(Array.from(p.y), [1, 0, 1, 1, 0]);
    assert.match(p.notes.join(' '), /1 round trips came back unchanged/);
    assert.deepEqual(calls, [
      { dir: 'en-xx', src: 'eng_Latn', tgt: 'fra_Latn', n: 3 },
      { dir: 'xx-en', src: 'fra_Latn', tgt: 'eng_Latn', n: 3 },
    ]);
  });

  it('without translation models it is a clear error naming the key', async () => {
    await assert.rejects(plan({ 'augment.back-translate': true }, ['a', 'b'], [0, 1], tmp), (e: unknown) => e instanceof HybridTuneError && e.code === 'E_BAD_VALUE' && e.details.key === 'augment.back-translate.forward');
    await assert.rejects(
      plan({ 'augment.back-translate': true, 'augment.back-translate.forward': 'models/none', 'augment.back-translate.backward': 'models/xx-en' }, ['a', 'b'], [0, 1], tmp),
      (e: unknown) => e instanceof HybridTuneError && e.code === 'E_FILE_NOT_FOUND' && e.details.key === 'augment.back-translate.forward',
    );
  });
});
