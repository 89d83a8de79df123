import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resetTextCaches } from '../../../src/backbones/text-cache.js';
import { HybridTuneError } from '../../../src/errors.js';
import { Rng } from '../../../src/math/rng.js';
import {
  chooseSources,
  cleanGeneration,
  filterByLabeler,
  generateExamples,
  generateSettingsFrom,
  generateStrategy,
  trainProxyLabeler,
} from '../../../src/strategies/augment-generate.js';
import { emptyPlan } from '../../../src/strategies/registry.js';
import { initBackend } from '../../../src/trainer/tf-backend.js';
import { trainTrial } from '../../../src/trainer/train-trial.js';

const LLAMA = path.resolve(process.cwd(), '../shared/fixtures/tiny-random-llama-fp16');
const skip = existsSync(LLAMA) ? false : '../shared/fixtures/tiny-random-llama-fp16 is absent';

const texts = ['a fine , moving film', 'dull and far too long', 'the actors are superb', 'a waste of time', 'warm and funny', 'nothing works here'];
const y = Int32Array.from([1, 0, 1, 0, 1, 0]);
const labels = ['0', '1'];

let cacheDir = '';
const saved = process.env['HYBRIDTUNE_CACHE_DIR'];
before(() => {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ht-gen-'));
  process.env['HYBRIDTUNE_CACHE_DIR'] = cacheDir;
});
after(() => {
  if (saved === undefined) delete process.env['HYBRIDTUNE_CACHE_DIR'];
  else process.env['HYBRIDTUNE_CACHE_DIR'] = saved;
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('augment.generate helpers', () => {
  it('takes the first non-empty line of a continuation, without quotes', () => {
    assert.equal(cleanGeneration('\n  "a  great film"\nmore'), 'a great film');
    assert.equal(cleanGeneration('   \n\n'), '');
  });

  it('chooses source examples per class in proportion, by the seed alone', () => {
    const yy = Int32Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1));
    const a = chooseSources(yy, 2, 10, 4);
    assert.equal(a.length, 10);
    assert.equal(a.filter((i) => yy[i] === 1).length, 2);
    assert.deepEqual(chooseSources(yy, 2, 10, 4), a);
    assert.notDeepEqual(chooseSources(yy, 2, 10, 5), a);
  });

  it('the filter keeps exactly the generations the labeler puts in their intended class, confidently enough', () => {
    // a labeler that says class 1 with probability 0.9 for texts with "good", else class 0 with 0.6
    const labeler = (ts: readonly string[]) => Float32Array.from(ts.flatMap((t) => (t.includes('good') ? [0.1, 0.9] : [0.6, 0.4])));
    const gen = { texts: ['good one', 'bad one', 'good two', 'meh'], y: Int32Array.from([1, 1, 0, 0]) };
    assert.deepEqual(filterByLabeler(gen, labeler, 2, 0.5), { texts: ['good one', 'meh'], y: Int32Array.from([1, 0]) });
    assert.deepEqual(filterByLabeler(gen, labeler, 2, 0.7), { texts: ['good one'], y: Int32Array.from([1]) });
  });

  it('the proxy labeler learns its training data (seeded, deterministic)', () => {
    const train = [...texts, ...texts.map((t) => `${t} indeed`)];
    const yy = Int32Array.from([...y, ...y]);
    const a = trainProxyLabeler(train, yy, 2, new Rng(1))(train);
    const b = trainProxyLabeler(train, yy, 2, new Rng(1))(train);
    assert.deepEqual(a, b);
    let correct = 0;
    yy.forEach((c, i) => (correct += Number(a[i * 2 + c]! > 0.5)));
    assert.equal(correct, train.length);
  });
});

describe('augment.generate through the text-generation pipeline (tiny-random-llama-fp16)', { skip }, () => {
  const settings = generateSettingsFrom({ model: LLAMA, dtype: 'fp16', examples: 4, copies: 2, 'max-new-tokens': 12, seed: 3 });

  it('generates label-conditioned examples, deterministic by seed, and caches them on disk', async () => {
    const a = await generateExamples(texts, y, labels, settings, LLAMA);
    assert.equal(a.report.generated, 8, '4 sources × 2 copies');
    assert.equal(a.report.fromCache, 0);
    assert.equal(a.texts.length + a.report.empty, 8);
    assert.ok(a.texts.every((t) => typeof t === 'string' && t.length > 0 && !t.includes('\n')));
    assert.ok([...a.y].every((c) => c === 0 || c === 1));
    const dir = path.join(cacheDir, 'generations');
    assert.equal(readdirSync(dir).length, 1, 'one namespace for this model and dtype');
    // a fresh process (memory dropped) generates nothing and gets the same texts
    resetTextCaches();
    let calls = 0;
    const b = await generateExamples(texts, y, labels, settings, LLAMA, async () => {
      calls++;
      return 'should not be called';
    });
    assert.equal(calls, 0);
    assert.equal(b.report.fromCache, 8);
    assert.deepEqual(b.texts, a.texts);
    assert.deepEqual(b.y, a.y);
    // the model generates the same again without the cache (seeded sampling)
    resetTextCaches();
    rmSync(dir, { recursive: true, force: true });
    const c = await generateExamples(texts, y, labels, settings, LLAMA);
    assert.equal(c.report.generated, 8);
    assert.deepEqual(c.texts, a.texts);
    // another seed: other generations
    const d = await generateExamples(texts, y, labels, { ...settings, seed: 4 }, LLAMA);
    assert.notDeepEqual(d.texts, a.texts);
  });

  it('as a strategy: adds the kept generations to the plan with their labels and a note; the filter only removes', async () => {
    const run = async (filter: boolean) => {
      const plan = emptyPlan([...texts], y, 2);
      await generateStrategy.apply(plan, { ...generateStrategy.settings.reduce((o, s) => ({ ...o, [s.name]: s.default }), {}), model: LLAMA, dtype: 'fp16', examples: 6, copies: 2, 'max-new-tokens': 12, filter, 'filter-confidence': 0.55 }, { rng: new Rng(1), labels });
      return plan;
    };
    const plain = await run(false);
    const filtered = await run(true);
    assert.ok(plain.texts.length > texts.length);
    assert.equal(plain.y.length, plain.texts.length);
    assert.match(plain.notes.join('\n'), /augment\.generate: \d+ examples added/);
    assert.ok(filtered.texts.length <= plain.texts.length);
    assert.match(filtered.notes.join('\n'), /filtered out/);
    // every kept generation is labelled as intended by the same (seeded) labeler
    const labeler = trainProxyLabeler(texts, y, 2, new Rng(1).fork('labeler'));
    const extra = filtered.texts.slice(texts.length);
    const p = labeler(extra);
    extra.forEach((_, i) => {
      const c = filtered.y[texts.length + i]!;
      assert.ok(p[i * 2 + c]! >= 0.55 && p[i * 2 + c]! >= p[i * 2 + (1 - c)]!);
    });
  });

  it('in a trial: the training set grows by the generations', async () => {
    await initBackend();
    const data = {
      labels,
      train: { texts, y },
      validation: { texts: texts.slice(0, 4), y: y.slice(0, 4) },
      fingerprint: 'x',
      sources: { train: 'mem', validation: 'mem' },
    };
    const params = { 'augment.generate': true, 'augment.generate.model': LLAMA, 'augment.generate.dtype': 'fp16', 'augment.generate.examples': 6, 'augment.generate.max-new-tokens': 10, 'optimizer.epochs': 1 };
    const r = await trainTrial({ data, params, seed: 1, metric: 'accuracy' });
    assert.ok(r.metrics.trainExamples > texts.length);
    assert.ok(r.recipe.strategies.some((s) => s.id === 'augment.generate'));
  });

  it('a dtype the folder lacks is an error that lists what onnx/ has', async () => {
    const plan = emptyPlan([...texts], y, 2);
    await assert.rejects(
      (async () => generateStrategy.apply(plan, { model: LLAMA, dtype: 'fp32' }, { rng: new Rng(1), labels }))(),
      (e: unknown) => e instanceof HybridTuneError && e.code === 'E_FILE_NOT_FOUND' && /model_fp16\.onnx/.test(e.details.hint ?? ''),
    );
  });
});
