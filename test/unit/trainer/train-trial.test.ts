import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { NgramHashFeaturizer, type NgramHashState } from '../../../src/backbones/ngram-hash.js';
import type { PreparedData } from '../../../src/data/types.js';
import { HeadModel } from '../../../src/trainer/head-model.js';
import { initBackend, tf } from '../../../src/trainer/tf-backend.js';
import { TrialDivergedError, trainTrial } from '../../../src/trainer/train-trial.js';
import { smallSpam } from '../../helpers/data.js';
import { readFileSync } from 'node:fs';
import type { Params } from '../../../src/study/types.js';

let data: PreparedData;

before(async () => {
  await initBackend();
  data = await smallSpam();
});

describe('trainTrial', () => {
  it('learns: a linear head separates spam from ham well above chance', async () => {
    const r = await trainTrial({ data, params: { 'optimizer.epochs': 4, 'optimizer.lr': 0.05 }, seed: 1, metric: 'macro-f1' });
    assert.equal(r.epochs.length, 4);
    assert.ok(r.metrics.value > 0.85, `macro-F1 ${r.metrics.value}`);
    assert.ok(r.epochs[3]!.loss < r.epochs[0]!.loss, 'training loss falls');
    assert.ok(r.metrics.test, 'test metrics when a test split exists');
    assert.equal(r.metrics.validation.confusion.flat().reduce((a, b) => a + b, 0), data.validation.y.length);
  });

  it('is reproducible: the same seed gives the same metrics, another seed others', async () => {
    const params = { head: 'mlp', 'head.mlp.width': 16, 'optimizer.epochs': 2, 'regularize.dropout': 0.3, 'augment.eda': true, 'augment.eda.copies': 1 };
    const a = await trainTrial({ data, params, seed: 5, metric: 'macro-f1' });
    const b = await trainTrial({ data, params, seed: 5, metric: 'macro-f1' });
    const c = await trainTrial({ data, params, seed: 6, metric: 'macro-f1' });
    assert.deepEqual(
      a.epochs.map((e) => [e.value, e.loss]),
      b.epochs.map((e) => [e.value, e.loss]),
    );
    assert.notDeepEqual(
      a.epochs.map((e) => e.loss),
      c.epochs.map((e) => e.loss),
    );
    assert.equal(a.metrics.trainExamples, 2 * data.train.y.length, 'EDA with one copy doubles the training set');
  });

  it('frees its tensors: none left behind after trials of every head and loss', async () => {
    await trainTrial({ data, params: { 'optimizer.epochs': 1 }, seed: 1, metric: 'macro-f1' });
    const before = tf.memory().numTensors;
    const variants: Params[] = [
      { head: 'mlp', 'head.mlp.depth': 2, 'optimizer.epochs': 1, optimizer: 'adamw', 'regularize.weight-decay': 0.01 },
      { balance: 'focal', 'regularize.label-smoothing': 0.1, 'optimizer.epochs': 1, optimizer: 'sgd' },
      { balance: 'class-weight', schedule: 'one-cycle', 'optimizer.epochs': 1 },
    ];
    for (const params of variants) {
      await trainTrial({ data, params, seed: 2, metric: 'macro-f1' });
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('reports every epoch and stops when the scheduler says stop (pruned)', async () => {
    const seen: number[] = [];
    const r = await trainTrial({
      data,
      params: { 'optimizer.epochs': 5 },
      seed: 1,
      metric: 'macro-f1',
      onEpoch: (rec) => {
        seen.push(rec.epoch);
        return rec.epoch >= 2 ? 'stop' : 'continue';
      },
    });
    assert.deepEqual(seen, [1, 2]);
    assert.equal(r.ended, 'pruned');
  });

  it('a stop at the last epoch leaves the trial complete (as the simulated backend does)', async () => {
    const r = await trainTrial({ data, params: { 'optimizer.epochs': 2 }, seed: 1, metric: 'macro-f1', onEpoch: () => 'stop' });
    assert.equal(r.ended, 'pruned', 'stopped after epoch 1 of 2');
    const last = await trainTrial({ data, params: { 'optimizer.epochs': 2 }, seed: 1, metric: 'macro-f1', onEpoch: (rec) => (rec.epoch === 2 ? 'stop' : 'continue') });
    assert.equal(last.ended, 'completed');
    assert.equal(last.epochs.length, 2);
  });

  it('early stopping keeps the best epoch', async () => {
    // a learning rate this high oscillates, so patience 1 stops before the last epoch
    const r = await trainTrial({ data, params: { 'optimizer.epochs': 12, 'optimizer.lr': 3, 'regularize.patience': 1, optimizer: 'sgd', 'optimizer.sgd.momentum': 0.99 }, seed: 3, metric: 'accuracy' });
    const best = Math.max(...r.epochs.map((e) => e.value));
    assert.equal(r.metrics.value, best);
    assert.equal(r.epochs[r.metrics.bestEpoch - 1]!.value, best);
    if (r.ended === 'early-stopping') assert.ok(r.epochs.length < 12);
  });

  it('fails clearly when training diverges', async () => {
    await assert.rejects(
      trainTrial({ data, params: { optimizer: 'sgd', 'optimizer.lr': 1e6, head: 'mlp', 'head.mlp.depth': 2, 'head.mlp.width': 16, 'optimizer.epochs': 5 }, seed: 1, metric: 'accuracy' }),
      (e: unknown) => e instanceof TrialDivergedError && /NaN or infinite/.test(e.message),
    );
  });

  it('saves a model that loads and predicts exactly as the trained one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-model-'));
    try {
      const r = await trainTrial({ data, params: { head: 'mlp', 'head.mlp.width': 8, 'optimizer.epochs': 2 }, seed: 4, metric: 'macro-f1', saveDir: dir });
      const meta = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { featurizer: NgramHashState };
      const model = HeadModel.load(dir);
      const f = NgramHashFeaturizer.fromJSON(meta.featurizer);
      const p = model.predictProba(f.transform(data.validation.texts));
      let correct = 0;
      for (let i = 0; i < data.validation.y.length; i++) if ((p[2 * i + 1]! > p[2 * i]! ? 1 : 0) === data.validation.y[i]) correct++;
      assert.equal(correct / data.validation.y.length, r.metrics.validation.accuracy);
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
