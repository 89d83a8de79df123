import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTask } from '../../../src/data/load-task.js';
import { loadSpace } from '../../../src/space/load-space.js';
import { initBackend } from '../../../src/trainer/tf-backend.js';
import { trainTrial } from '../../../src/trainer/train-trial.js';

const SPACE = path.resolve(process.cwd(), 'search-spaces/tiny-bert.yaml');
const needed = ['../shared/fixtures/tiny-random-bert', '../shared/fixtures/tiny-random-llama-fp16', '../shared/data/sst2'].map((p) => path.resolve(process.cwd(), p));
const skip = needed.every((p) => existsSync(p)) ? false : `needs ${needed.join(', ')}`;

describe('the backbone as a categorical among several (search-spaces/tiny-bert.yaml)', { skip }, () => {
  let cacheDir = '';
  const saved = process.env['HYBRIDTUNE_CACHE_DIR'];
  before(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ht-choice-'));
    process.env['HYBRIDTUNE_CACHE_DIR'] = cacheDir;
  });
  after(() => {
    if (saved === undefined) delete process.env['HYBRIDTUNE_CACHE_DIR'];
    else process.env['HYBRIDTUNE_CACHE_DIR'] = saved;
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('the space declares backbone ∈ {ngram-hash, hf, transformer} and adapt only under transformer', () => {
    const s = loadSpace(SPACE);
    const byKey = new Map(s.space.params.map((p) => [p.key, p]));
    assert.deepEqual((byKey.get('backbone')!.dist as { choices?: unknown[] }).choices, ['ngram-hash', 'hf', 'transformer']);
    assert.deepEqual(byKey.get('adapt')!.conditions, [{ key: 'backbone', values: ['transformer'] }]);
    assert.deepEqual(byKey.get('adapt.lora.rank')!.conditions.map((c) => c.key).sort(), ['adapt']);
    assert.deepEqual(byKey.get('backbone.hf.pooling')!.conditions, [{ key: 'backbone', values: ['hf'] }]);
  });

  it('one trial per backbone on the same data: each trains on its own features and records the cache use', async () => {
    await initBackend();
    const s = loadSpace(SPACE);
    const data = await loadTask({ ...s.task, data: { ...s.task.data, maxTrain: 120 } }, { baseDir: path.dirname(SPACE), seed: s.seed });
    const small = { ...data, validation: { texts: data.validation.texts.slice(0, 60), y: data.validation.y.slice(0, 60) } };
    const common = { ...s.space.fixed, 'optimizer.epochs': 2, 'augment.generate': false };
    const results = [];
    for (const params of [
      { ...common, backbone: 'ngram-hash' },
      { ...common, backbone: 'hf', 'backbone.hf.pooling': 'cls' },
      { ...common, backbone: 'transformer', adapt: 'lora', 'adapt.lora.rank': 4 },
    ]) {
      const r = await trainTrial({ data: small, params, seed: 4, metric: 'accuracy', baseDir: path.dirname(SPACE) });
      assert.equal(r.epochs.length, 2);
      assert.equal(r.recipe.strategies[0]!.id, `backbone.${params.backbone}`);
      results.push(r);
    }
    assert.equal(results[0]!.metrics.featureCache, undefined, 'n-grams are not cached features');
    const c = results[1]!.metrics.featureCache!;
    assert.equal(c.hits + c.misses, 180, '120 training + 60 validation texts');
    assert.ok(c.misses >= 170 && c.diskHits === 0, `a fresh cache encodes them (SST-2 repeats a few sentences): ${JSON.stringify(c)}`);
    assert.equal(results[2]!.recipe.params['adapt'], 'lora');
  });
});
