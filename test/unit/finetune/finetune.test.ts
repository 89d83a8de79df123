import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readEncoderConfig, type EncoderConfig } from '../../../src/backbones/transformer/config.js';
import { loadTokenizer, loadTransformerWeights, padBatch } from '../../../src/backbones/transformer/load.js';
import { TransformerEncoder, type TokenBatch } from '../../../src/backbones/transformer/model.js';
import { loadTask } from '../../../src/data/load-task.js';
import type { PreparedData } from '../../../src/data/types.js';
import { Rng } from '../../../src/math/rng.js';
import { loadRecipe } from '../../../src/recipe/load.js';
import { retrainRecipe } from '../../../src/recipe/train.js';
import type { Recipe } from '../../../src/recipe/recipe.js';
import type { AdaptConfig } from '../../../src/strategies/types.js';
import { isFinetunedModel, loadTransformerClassifier, TransformerClassifier } from '../../../src/trainer/finetune/classifier.js';
import { lrScale, trainableAt } from '../../../src/trainer/finetune/modes.js';
import { FineTuner } from '../../../src/trainer/finetune/train-finetune.js';
import { initBackend, tf } from '../../../src/trainer/tf-backend.js';
import { trainTrial } from '../../../src/trainer/train-trial.js';

/** A recipe as `export` writes one, for retraining `params` with `seed` on `data`. */
function recipeFor(data: PreparedData, params: Record<string, unknown>, seed: number): Recipe {
  return {
    format: 'hybridtune-recipe',
    formatVersion: 1,
    hybridtuneVersion: 'test',
    task: { text: 'sentence', label: 'label', metric: 'accuracy', labels: data.labels },
    params,
    strategies: [],
    seed,
    model: { path: 'model', sha256: {} },
    provenance: { dataFingerprint: data.fingerprint, backend: 'wasm' },
  } as unknown as Recipe;
}

const FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/tiny-random-bert');
const SST2 = path.resolve(process.cwd(), '../shared/data/sst2');
const skip = !existsSync(FIXTURE) ? '../shared/fixtures/tiny-random-bert is absent' : !existsSync(SST2) ? '../shared/data/sst2 is absent' : false;

const adapt = (mode: AdaptConfig['mode'], extra: Partial<AdaptConfig> = {}): AdaptConfig => ({ mode, topK: 1, loraRank: 4, loraAlpha: 8, unfreezeEvery: 1, layerDecay: 1, ...extra });
const optimizer = { name: 'adamw' as const, lr: 0.01, batchSize: 8, epochs: 1, momentum: 0, weightDecay: 0.01, beta1: 0.9, beta2: 0.999 };
const plan = { optimizer, loss: { focalGamma: 0, labelSmoothing: 0 }, head: { name: 'linear' as const, width: 0, depth: 0, dropout: 0 } };

/** The fixture's parameter counts, from its config: what each mode must train. */
function counts(c: EncoderConfig, C: number) {
  const { hidden: H, intermediate: I, vocabSize: V, maxPositions: P, typeVocab: T } = c;
  const layer = 4 * (H * H + H) + 2 * 2 * H + (H * I + I) + (I * H + H);
  const embeddings = V * H + P * H + T * H + 2 * H;
  const head = H * C + C;
  const biases = 4 * H + I + H + 2 * H; // q k v o, ffn1, ffn2, both LayerNorm betas
  return { layer, embeddings, head, biases, all: embeddings + c.layers * layer };
}

describe('fine-tuning modes (tiny-random-bert)', { skip }, () => {
  let config: EncoderConfig;
  let batch: TokenBatch;
  let data: PreparedData;
  const tmp: string[] = [];

  before(async () => {
    await initBackend();
    config = readEncoderConfig(FIXTURE);
    const tok = await loadTokenizer(FIXTURE);
    const { ids, types } = tok.encode(['a gripping , funny film', 'dull', 'the plot is thin but the actors are good', 'bad bad bad'], 32);
    batch = padBatch(ids, types, [0, 1, 2, 3], tok.padId);
    data = await loadTask(
      { data: { train: path.join(SST2, 'train.tsv'), validation: path.join(SST2, 'dev.tsv'), maxTrain: 96 }, text: 'sentence', label: 'label', metric: 'accuracy' },
      { baseDir: process.cwd(), seed: 3 },
    );
    data = { ...data, validation: { texts: data.validation.texts.slice(0, 48), y: data.validation.y.slice(0, 48) } };
  });
  after(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function classifier(lora = false): TransformerClassifier {
    const enc = new TransformerEncoder(config, loadTransformerWeights(FIXTURE).weights);
    if (lora) enc.addLora(4, 8, new Rng(5));
    return new TransformerClassifier(enc, { numClasses: 2, head: plan.head, pooling: 'cls', maxLength: 32 }, new Rng(1));
  }

  const step = { batch: undefined as unknown as TokenBatch, targets: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1]), weights: Float32Array.from([1, 1, 1, 1]), seed: 3 };

  /** Names of the variables whose values changed over two steps. */
  function changedAfterSteps(t: FineTuner): Set<string> {
    const all = t.clf.allVariables();
    const before = new Map([...all].map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));
    t.trainStep({ ...step, batch }, 0.01);
    t.trainStep({ ...step, batch, seed: 4 }, 0.01);
    const changed = new Set<string>();
    for (const [n, v] of all) {
      const now = v.dataSync() as Float32Array;
      if (now.some((x, i) => x !== before.get(n)![i])) changed.add(n);
    }
    return changed;
  }

  const cases: Array<{ mode: AdaptConfig['mode']; count: (k: ReturnType<typeof counts>) => number; changes: (name: string) => boolean }> = [
    { mode: 'full', count: (k) => k.all + k.head, changes: () => true },
    { mode: 'top-k', count: (k) => k.layer + k.head, changes: (n) => n.startsWith('layer.0.') || n.startsWith('head.') },
    { mode: 'bitfit', count: (k) => k.biases + config.hidden + k.head, changes: (n) => n.endsWith('.bias') || n.endsWith('.beta') || n.startsWith('head.') },
    { mode: 'lora', count: (k) => config.layers * 2 * (config.hidden * 4 + 4 * config.hidden) + k.head, changes: (n) => n.includes('lora_') || n.startsWith('head.') },
  ];
  for (const c of cases) {
    it(`${c.mode}: trains exactly the weights it names (counted, and checked by which ones change)`, () => {
      const clf = classifier(c.mode === 'lora');
      const t = new FineTuner(clf, adapt(c.mode), plan, 0);
      try {
        assert.equal(t.trainableCount(), c.count(counts(config, 2)));
        const changed = changedAfterSteps(t);
        const all = [...clf.allVariables().keys()];
        const expected = all.filter(c.changes);
        assert.deepEqual([...changed].sort(), expected.sort());
      } finally {
        t.dispose();
        clf.dispose();
      }
    });
  }

  it('head-only trains the head alone; gradual unfreezing adds the top layer, then everything', () => {
    const k = counts(config, 2);
    const clf = classifier();
    const t = new FineTuner(clf, adapt('gradual', { unfreezeEvery: 2 }), plan, 0);
    try {
      const seen = [1, 2, 3, 4, 5].map((e) => {
        t.setEpoch(e);
        return t.trainableCount();
      });
      assert.deepEqual(seen, [k.head, k.head, k.layer + k.head, k.layer + k.head, k.all + k.head]);
      t.setEpoch(1);
      assert.deepEqual([...changedAfterSteps(t)].sort(), ['head.0.bias', 'head.0.kernel']);
      assert.equal(trainableAt(adapt('head-only'), config, 7).start, config.layers);
    } finally {
      t.dispose();
      clf.dispose();
    }
  });

  it('layer-wise decay scales each layer\'s learning rate by decay^(L − l)', () => {
    assert.equal(lrScale('head.0.kernel', 12, 0.8), 1);
    assert.equal(lrScale('layer.11.q.kernel', 12, 0.8), 0.8);
    assert.ok(Math.abs(lrScale('layer.0.q.kernel', 12, 0.8) - 0.8 ** 12) < 1e-12);
    assert.ok(Math.abs(lrScale('embeddings.word', 12, 0.8) - 0.8 ** 13) < 1e-12);
    assert.equal(lrScale('layer.0.q.kernel', 12, 1), 1);
    // in a step, a decayed layer moves less than it would without decay
    const move = (decay: number) => {
      const clf = classifier();
      const t = new FineTuner(clf, adapt('full', { layerDecay: decay }), { ...plan, optimizer: { ...optimizer, name: 'sgd', momentum: 0, weightDecay: 0 } }, 0);
      const w = clf.encoder.v('layer.0.ffn1.kernel');
      const before = (w.dataSync() as Float32Array).slice();
      t.trainStep({ ...step, batch }, 0.5);
      const d = (w.dataSync() as Float32Array).reduce((a, x, i) => a + Math.abs(x - before[i]!), 0);
      t.dispose();
      clf.dispose();
      return d;
    };
    const plain = move(1);
    const decayed = move(0.5);
    assert.ok(Math.abs(decayed / plain - 0.5) < 1e-3, `ratio ${decayed / plain}`);
  });

  it('LoRA adapters merge into the base weights: same outputs, no adapters left', () => {
    const clf = classifier(true);
    const t = new FineTuner(clf, adapt('lora'), plan, 0);
    try {
      for (let i = 0; i < 3; i++) t.trainStep({ ...step, batch, seed: i }, 0.05);
      const q0 = (clf.encoder.v('layer.0.q.kernel').dataSync() as Float32Array).slice();
      const before = tf.tidy(() => clf.logits(batch)).arraySync() as number[][];
      const tensors = tf.memory().numTensors;
      clf.encoder.mergeLora();
      assert.equal(clf.encoder.lora.size, 0);
      assert.equal(tf.memory().numTensors, tensors - 4, 'the four adapter variables are freed');
      const after = tf.tidy(() => clf.logits(batch)).arraySync() as number[][];
      after.flat().forEach((x, i) => assert.ok(Math.abs(x - before.flat()[i]!) < 1e-5));
      const q1 = clf.encoder.v('layer.0.q.kernel').dataSync() as Float32Array;
      assert.ok(q1.some((x, i) => x !== q0[i]), 'the query kernel now holds the update');
      assert.deepEqual(clf.encoder.v('layer.0.k.kernel').dataSync(), loadTransformerWeights(FIXTURE).weights.get('layer.0.k.kernel')!.data, 'keys had no adapter');
    } finally {
      t.dispose();
      clf.dispose();
    }
  });

  it('full fine-tuning on SST-2 sentences: the loss falls, memory stays flat, and the exported model predicts the same', async () => {
    const saveDir = mkdtempSync(path.join(os.tmpdir(), 'ht-ft-'));
    tmp.push(saveDir);
    const tensorsBefore = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const params = {
      backbone: 'transformer',
      'backbone.transformer.model': FIXTURE,
      'backbone.transformer.max-length': 48,
      'backbone.transformer.dropout': 0,
      adapt: 'full',
      optimizer: 'adamw',
      'optimizer.lr': 0.002,
      'optimizer.batch-size': 16,
      'optimizer.epochs': 6,
    };
    const r = await trainTrial({ data, params, seed: 7, metric: 'accuracy', saveDir, onEpoch: () => (perEpoch.push(tf.memory().numTensors), 'continue') });
    assert.equal(tf.memory().numTensors, tensorsBefore, 'every tensor of the trial is freed');
    assert.equal(new Set(perEpoch).size, 1, `tensors alive after each epoch: ${perEpoch.join(', ')}`);
    const losses = r.epochs.map((e) => e.loss);
    assert.ok(losses.at(-1)! < losses[0]! * 0.8, `loss per epoch: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    assert.equal(r.recipe.params['adapt'], 'full');
    // the saved folder is self-contained and predicts what the trial measured
    assert.ok(isFinetunedModel(saveDir));
    assert.deepEqual(readdirSync(saveDir).sort(), ['model.json', 'tokenizer.json', 'tokenizer_config.json', 'weights.bin']);
    const m = await loadTransformerClassifier(saveDir);
    try {
      const p = await m.predictProba(data.validation.texts);
      let correct = 0;
      data.validation.y.forEach((y, i) => (correct += Number((p[i * 2 + 1]! > p[i * 2]! ? 1 : 0) === y)));
      assert.equal(correct / data.validation.y.length, r.metrics.validation.accuracy);
    } finally {
      m.dispose();
    }
  });

  it('LoRA trial: exported merged, loadable through loadRecipe (retrain writes a recipe folder)', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'ht-lora-export-'));
    tmp.push(out);
    const params = {
      backbone: 'transformer',
      'backbone.transformer.model': FIXTURE,
      'backbone.transformer.max-length': 32,
      adapt: 'lora',
      'adapt.lora.rank': 4,
      'optimizer.lr': 0.01,
      'optimizer.batch-size': 32,
      'optimizer.epochs': 2,
    };
    const { result } = await retrainRecipe(recipeFor(data, params, 3), data, out);
    const meta = JSON.parse(readFileSync(path.join(out, 'model', 'model.json'), 'utf8')) as { weights: Array<{ name: string }> };
    assert.ok(!meta.weights.some((w) => w.name.includes('lora')), 'adapters merged before saving');
    const loaded = await loadRecipe(out);
    try {
      const preds = await loaded.predict(data.validation.texts);
      const acc = preds.filter((p, i) => p.label === data.labels[data.validation.y[i]!]).length / preds.length;
      assert.equal(acc, result.metrics.validation.accuracy);
    } finally {
      loaded.dispose();
    }
  });

  it('head-only trains on frozen tfjs features through the head trainer, cached on disk', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'ht-ho-'));
    tmp.push(cache);
    const saved = process.env['HYBRIDTUNE_CACHE_DIR'];
    process.env['HYBRIDTUNE_CACHE_DIR'] = cache;
    try {
      const params = { backbone: 'transformer', 'backbone.transformer.model': FIXTURE, 'backbone.transformer.max-length': 32, adapt: 'head-only', 'optimizer.epochs': 2 };
      const a = await trainTrial({ data, params, seed: 1, metric: 'accuracy' });
      assert.deepEqual(a.metrics.featureCache, { hits: 0, misses: data.train.texts.length + data.validation.texts.length, diskHits: 0 });
      const tensors = tf.memory().numTensors;
      const b = await trainTrial({ data, params: { ...params, 'optimizer.lr': 0.05 }, seed: 2, metric: 'accuracy' });
      assert.equal(b.metrics.featureCache!.misses, 0, 'the second trial encodes nothing');
      assert.equal(tf.memory().numTensors, tensors, 'the frozen encoder is freed after encoding');
      // exported (head on frozen features + the transformer featurizer) and served through loadRecipe
      const out = mkdtempSync(path.join(os.tmpdir(), 'ht-ho-export-'));
      tmp.push(out);
      const { result } = await retrainRecipe(recipeFor(data, params, 1), data, out);
      assert.ok(!isFinetunedModel(path.join(out, 'model')));
      const loaded = await loadRecipe(out);
      try {
        const preds = await loaded.predict(data.validation.texts);
        const acc = preds.filter((p, i) => p.label === data.labels[data.validation.y[i]!]).length / preds.length;
        assert.equal(acc, result.metrics.validation.accuracy);
      } finally {
        loaded.dispose();
      }
    } finally {
      if (saved === undefined) delete process.env['HYBRIDTUNE_CACHE_DIR'];
      else process.env['HYBRIDTUNE_CACHE_DIR'] = saved;
    }
  });
});
