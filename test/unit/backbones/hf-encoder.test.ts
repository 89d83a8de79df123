import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { HfFeaturizer, encoderStats, hfSettingsFrom } from '../../../src/backbones/hf-encoder.js';
import { HybridTuneError } from '../../../src/errors.js';
import { initBackend } from '../../../src/trainer/tf-backend.js';
import { trainTrial } from '../../../src/trainer/train-trial.js';

const FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/tiny-random-bert');
// features go to a private cache folder, never the project's .cache
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ht-features-'));
const savedCacheDir = process.env['HYBRIDTUNE_CACHE_DIR'];
process.env['HYBRIDTUNE_CACHE_DIR'] = cacheDir;
after(() => {
  if (savedCacheDir === undefined) delete process.env['HYBRIDTUNE_CACHE_DIR'];
  else process.env['HYBRIDTUNE_CACHE_DIR'] = savedCacheDir;
  rmSync(cacheDir, { recursive: true, force: true });
});
const present = existsSync(FIXTURE);
const skip = present ? false : '../shared/fixtures/tiny-random-bert is absent';

describe('hf backbone (frozen encoder via @huggingface/transformers)', { skip }, () => {
  const texts = ['a good movie', 'a bad movie , really bad', 'fine'];

  it('pools last hidden states into one vector per text, per pooling mode', async () => {
    const rows: Record<string, Float32Array> = {};
    for (const pooling of ['mean', 'cls', 'max'] as const) {
      const f = new HfFeaturizer(hfSettingsFrom({ model: FIXTURE, pooling }), { baseDir: '/' });
      await f.fit(texts);
      const x = await f.transform(texts);
      assert.equal(f.size, 32, 'hidden size of the fixture');
      assert.equal(x.n, 3);
      assert.equal(x.values.length, 3 * 32);
      assert.ok(x.values.every(Number.isFinite));
      rows[pooling] = x.values;
    }
    assert.notDeepEqual(rows['mean'], rows['cls']);
    assert.notDeepEqual(rows['mean'], rows['max']);
    // max pooling is at least the mean in every coordinate
    for (let i = 0; i < rows['mean']!.length; i++) assert.ok(rows['max']![i]! >= rows['mean']![i]! - 1e-6);
  });

  it('encodes each text once: a second pass and repeated texts are cache hits', async () => {
    const f = new HfFeaturizer(hfSettingsFrom({ model: FIXTURE, 'max-length': 16 }), { baseDir: '/' });
    await f.fit([]);
    const before = encoderStats.encoded;
    const a = await f.transform(['one text', 'two text', 'one text']);
    assert.equal(encoderStats.encoded - before, 2);
    const hits = encoderStats.cacheHits;
    const b = await f.transform(['two text', 'one text']);
    assert.equal(encoderStats.encoded - before, 2, 'nothing new encoded');
    assert.equal(encoderStats.cacheHits - hits, 2);
    assert.deepEqual(b.values.subarray(0, 32), a.values.subarray(32, 64));
  });

  it('a changed model folder invalidates the cache (the key includes the files hash)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-model-'));
    try {
      const copy = path.join(dir, 'bert');
      cpSync(FIXTURE, copy, { recursive: true });
      const f1 = new HfFeaturizer(hfSettingsFrom({ model: copy }), { baseDir: '/' });
      await f1.fit([]);
      const h1 = (f1.toJSON() as { modelHash: string }).modelHash;
      const cfg = JSON.parse(readFileSync(path.join(copy, 'config.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(copy, 'config.json'), JSON.stringify({ ...cfg, note: 'changed' }));
      const f2 = new HfFeaturizer(hfSettingsFrom({ model: copy }), { baseDir: '/' });
      await f2.fit([]);
      assert.notEqual((f2.toJSON() as { modelHash: string }).modelHash, h1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing model folder says which files were looked for and where', async () => {
    const f = new HfFeaturizer(hfSettingsFrom({ model: 'no-such-model' }), { baseDir: '/tmp' });
    await assert.rejects(f.fit([]), (e: unknown) => e instanceof HybridTuneError && e.code === 'E_FILE_NOT_FOUND' && e.details.file === '/tmp/no-such-model' && /config\.json/.test(e.details.expected ?? ''));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-empty-'));
    writeFileSync(path.join(dir, 'config.json'), '{}');
    const g = new HfFeaturizer(hfSettingsFrom({ model: dir }), { baseDir: '/' });
    await assert.rejects(g.fit([]), (e: unknown) => e instanceof HybridTuneError && /tokenizer\.json, onnx\/model\.onnx not found/.test(e.message));
    // a dtype the folder lacks: the error lists the ONNX files it has
    const q8 = new HfFeaturizer(hfSettingsFrom({ model: FIXTURE, dtype: 'q8' }), { baseDir: '/' });
    await assert.rejects(q8.fit([]), (e: unknown) => e instanceof HybridTuneError && /model_quantized\.onnx not found/.test(e.message) && /onnx\/ has: model\.onnx/.test(e.details.hint ?? ''));
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains a head on encoder features end to end', async () => {
    await initBackend();
    const train = Array.from({ length: 40 }, (_, i) => (i % 2 ? `a good fine great movie ${i}` : `a bad awful boring movie ${i}`));
    const data = {
      labels: ['neg', 'pos'],
      train: { texts: train, y: Int32Array.from(train, (_, i) => i % 2) },
      validation: { texts: train.slice(0, 10), y: Int32Array.from({ length: 10 }, (_, i) => i % 2) },
      fingerprint: 'x',
      sources: { train: 'mem', validation: 'mem' },
    };
    const r = await trainTrial({ data, params: { backbone: 'hf', 'backbone.hf.model': FIXTURE, head: 'mlp', 'head.mlp.width': 8, 'optimizer.epochs': 3 }, seed: 1, metric: 'accuracy' });
    assert.equal(r.epochs.length, 3);
    assert.ok(r.metrics.value >= 0 && r.metrics.value <= 1);
    assert.deepEqual(r.recipe.strategies[0], { id: 'backbone.hf', stage: 'features', settings: { model: FIXTURE, pooling: 'mean', 'max-length': 128, dtype: 'fp32' } });
  });
});
