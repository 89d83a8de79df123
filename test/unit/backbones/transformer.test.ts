import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readOnnxFile, tensorToFloat32 } from '../../../src/backbones/onnx/proto.js';
import { readEncoderConfig } from '../../../src/backbones/transformer/config.js';
import { loadTokenizer, loadTransformerWeights, padBatch } from '../../../src/backbones/transformer/load.js';
import { TransformerEncoder, type TokenBatch } from '../../../src/backbones/transformer/model.js';
import { readSafetensors, safetensorsBytes, weightsToHf } from '../../../src/backbones/transformer/safetensors.js';
import type { EncoderWeights } from '../../../src/backbones/transformer/weights.js';
import { initBackend, tf } from '../../../src/trainer/tf-backend.js';

const FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/tiny-random-bert');
const skip = existsSync(FIXTURE) ? false : '../shared/fixtures/tiny-random-bert is absent';

const TEXTS = ['a gripping , funny and moving film .', 'bad', 'the plot is thin but the actors are good', 'not the best movie of the year'];

/** ONNX Runtime's last_hidden_state for a batch, through @huggingface/transformers. */
async function ortHidden(dir: string, b: TokenBatch): Promise<Float32Array> {
  const { env, AutoModel, Tensor } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(dir) + path.sep;
  const model = await AutoModel.from_pretrained(path.basename(dir), { dtype: 'fp32' });
  const t = (a: Int32Array) => new Tensor('int64', BigInt64Array.from(a, BigInt), [b.batch, b.length]);
  const out = (await model({ input_ids: t(b.ids), attention_mask: t(b.mask), token_type_ids: t(b.types) })) as { last_hidden_state: { data: Float32Array; dims: number[] } };
  assert.deepEqual(out.last_hidden_state.dims, [b.batch, b.length, 32]);
  const data = out.last_hidden_state.data.slice();
  await model.dispose();
  return data;
}

function tfHidden(enc: TransformerEncoder, b: TokenBatch): Float32Array {
  const h = tf.tidy(() => enc.forward(b));
  const d = h.dataSync() as Float32Array;
  h.dispose();
  return d;
}

function maxDiff(a: Float32Array, b: Float32Array, keep?: (i: number) => boolean): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (!keep || keep(i)) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('tfjs BERT-family encoder (weights from the ONNX file)', { skip }, () => {
  let batch: TokenBatch;
  let reference: Float32Array;
  let weights: EncoderWeights;
  const tmp: string[] = [];

  before(async () => {
    await initBackend();
    const tok = await loadTokenizer(FIXTURE);
    const { ids, types } = tok.encode(TEXTS, 64);
    batch = padBatch(ids, types, [0, 1, 2, 3], tok.padId);
    assert.ok(batch.mask.includes(0), 'the batch has padding');
    reference = await ortHidden(FIXTURE, batch);
    weights = loadTransformerWeights(FIXTURE).weights;
  });
  after(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('finds every weight by the graph structure (Q, K and V told apart by where they flow)', () => {
    const g = readOnnxFile(path.join(FIXTURE, 'onnx', 'model.onnx'));
    const init = (n: string) => tensorToFloat32(g.initializers.get(n)!);
    const pairs: Array<[string, string]> = [
      ['embeddings.word', 'word_embeddings'],
      ['embeddings.position', 'position_embeddings'],
      ['embeddings.token_type', 'token_type_embeddings'],
      ['layer.0.q.kernel', 'q.W'],
      ['layer.0.k.kernel', 'k.W'],
      ['layer.0.v.kernel', 'v.W'],
      ['layer.0.o.kernel', 'o.W'],
      ['layer.0.ffn1.kernel', 'ffn_in.W'],
      ['layer.0.ffn2.kernel', 'ffn_out.W'],
      ['layer.0.ln2.gamma', 'ffn_ln.gamma'],
    ];
    for (const [canon, onnxName] of pairs) assert.deepEqual(weights.get(canon)!.data, init(onnxName), canon);
    assert.equal(loadTransformerWeights(FIXTURE).file, path.join('onnx', 'model.onnx'));
  });

  it('BERT: the forward pass matches ONNX Runtime within 1e-4 on a padded batch', () => {
    const enc = new TransformerEncoder(readEncoderConfig(FIXTURE), weights);
    try {
      const before = tf.memory().numTensors;
      const mine = tfHidden(enc, batch);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks from a forward pass');
      const d = maxDiff(mine, reference);
      assert.ok(d < 1e-4, `max |tfjs − ORT| = ${d}`);
      if (process.env['HT_VERBOSE']) console.log(`max |tfjs − ORT| = ${d}`);
    } finally {
      enc.dispose();
    }
  });

  it('DistilBERT (no token types; model.safetensors with Hugging Face names) matches the same reference', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-distil-'));
    tmp.push(dir);
    const bert = readEncoderConfig(FIXTURE);
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ model_type: 'distilbert', vocab_size: bert.vocabSize, dim: 32, n_layers: 1, n_heads: 2, hidden_dim: 64, max_position_embeddings: 128, activation: 'gelu', pad_token_id: 0 }),
    );
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(path.join(FIXTURE, f), path.join(dir, f));
    // DistilBERT has no token-type embeddings: fold BERT's type-0 row into the positions
    const type0 = weights.get('embeddings.token_type')!.data.subarray(0, 32);
    const pos = weights.get('embeddings.position')!.data.slice();
    for (let i = 0; i < pos.length; i++) pos[i]! += type0[i % 32]!;
    const w: EncoderWeights = new Map(weights);
    w.set('embeddings.position', { shape: [128, 32], data: pos });
    const c = readEncoderConfig(dir);
    writeFileSync(path.join(dir, 'model.safetensors'), safetensorsBytes(weightsToHf(w, c, 'distilbert.')));
    assert.ok(readSafetensors(path.join(dir, 'model.safetensors')).has('distilbert.transformer.layer.0.attention.q_lin.weight'));
    const loaded = loadTransformerWeights(dir);
    assert.equal(loaded.file, 'model.safetensors');
    const enc = new TransformerEncoder(c, loaded.weights);
    try {
      const d = maxDiff(tfHidden(enc, batch), reference);
      assert.ok(d < 1e-4, `max |tfjs − ORT| = ${d}`);
    } finally {
      enc.dispose();
    }
  });

  it('RoBERTa (positions from padding_idx + 1) matches the reference on every real token', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-roberta-'));
    tmp.push(dir);
    const bert = readEncoderConfig(FIXTURE);
    const padIdx = 1;
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ model_type: 'roberta', vocab_size: bert.vocabSize, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, max_position_embeddings: 130, type_vocab_size: 1, layer_norm_eps: 1e-12, hidden_act: 'gelu', pad_token_id: padIdx }),
    );
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) cpSync(path.join(FIXTURE, f), path.join(dir, f));
    // RoBERTa's position of token t is padding_idx + 1 + t: shift BERT's table by two rows
    const pos = new Float32Array(130 * 32);
    pos.set(weights.get('embeddings.position')!.data, (padIdx + 1) * 32);
    const w: EncoderWeights = new Map(weights);
    w.set('embeddings.position', { shape: [130, 32], data: pos });
    w.set('embeddings.token_type', { shape: [1, 32], data: weights.get('embeddings.token_type')!.data.slice(0, 32) });
    const c = readEncoderConfig(dir);
    writeFileSync(path.join(dir, 'model.safetensors'), safetensorsBytes(weightsToHf(w, c, 'roberta.')));
    const enc = new TransformerEncoder(c, loadTransformerWeights(dir).weights);
    try {
      const d = maxDiff(tfHidden(enc, batch), reference, (i) => batch.mask[Math.floor(i / 32)] === 1);
      assert.ok(d < 1e-4, `max |tfjs − ORT| on real tokens = ${d}`);
    } finally {
      enc.dispose();
    }
  });

  it('a folder whose weights do not fit its config is refused with what was expected', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-bad-'));
    tmp.push(dir);
    cpSync(FIXTURE, dir, { recursive: true });
    const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, num_hidden_layers: 2 }));
    assert.throws(() => loadTransformerWeights(dir), /E_FILE_FORMAT|layer 1|do not fit/);
  });
});
