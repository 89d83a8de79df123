import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { denseToRows, type Featurizer, type FeaturizerContext } from './featurizer.js';
import type { SparseRows } from './sparse.js';

export type Pooling = 'mean' | 'cls' | 'max';

export interface HfSettings {
  /** A local folder in Hugging Face layout (config.json, tokenizer.json, onnx/model*.onnx), or a Hub id when online. */
  model: string;
  pooling: Pooling;
  maxLength: number;
  dtype: 'fp32' | 'fp16' | 'q8';
  batchSize: number;
}

export function hfSettingsFrom(s: Record<string, unknown>): HfSettings {
  return {
    model: String(s['model'] ?? ''),
    pooling: (s['pooling'] as Pooling | undefined) ?? 'mean',
    maxLength: (s['max-length'] as number | undefined) ?? 128,
    dtype: (s['dtype'] as HfSettings['dtype'] | undefined) ?? 'fp32',
    batchSize: (s['batch-size'] as number | undefined) ?? 32,
  };
}

/** True unless HYBRIDTUNE_OFFLINE is 0/false: this machine has no Hub access, and surprise downloads are not wanted. */
export function offline(): boolean {
  const v = process.env['HYBRIDTUNE_OFFLINE'];
  return v === undefined ? true : !/^(0|false|no)$/i.test(v);
}

const ONNX_FILE: Record<HfSettings['dtype'], string> = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q8: 'model_quantized.onnx' };

/** Checks a local model folder and returns a hash of its files (the cache key part that changes when the model does). */
export function checkModelFolder(dir: string, dtype: HfSettings['dtype']): string {
  const wanted = ['config.json', 'tokenizer.json', path.join('onnx', ONNX_FILE[dtype])];
  const missing = wanted.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `model folder is incomplete: ${missing.join(', ')} not found`, {
      file: dir,
      key: 'backbone.hf.model',
      expected: `a folder in Hugging Face layout with ${wanted.join(', ')}`,
      hint: existsSync(path.join(dir, 'onnx')) ? `onnx/ has: ${readdirSync(path.join(dir, 'onnx')).join(', ')}` : 'export the model to ONNX (e.g. with optimum) first',
    });
  }
  const h = createHash('sha256');
  for (const f of wanted) {
    const file = path.join(dir, f);
    // the config and tokenizer fully; the weights by size and a sample of bytes, to stay fast on large models
    const st = statSync(file);
    h.update(`${f}:${st.size}:`);
    const buf = readFileSync(file);
    h.update(buf.length <= 1 << 22 ? buf : Buffer.concat([buf.subarray(0, 1 << 20), buf.subarray(buf.length - (1 << 20))]));
  }
  return h.digest('hex');
}

interface Encoder {
  encode(texts: readonly string[], pooling: Pooling, maxLength: number): Promise<Float32Array>;
  dims: number;
}

// One loaded encoder per (folder, dtype) per process, and one feature cache per (model hash, pooling, max length).
const encoders = new Map<string, Promise<Encoder>>();
const caches = new Map<string, Map<string, Float32Array>>();
/** Number of texts actually run through an encoder in this process (cache misses), for tests and status. */
export const encoderStats = { encoded: 0, cacheHits: 0 };

async function loadEncoder(modelDir: string, s: HfSettings): Promise<Encoder> {
  const key = `${modelDir}|${s.dtype}`;
  let e = encoders.get(key);
  if (!e) {
    e = (async () => {
      const { env, AutoTokenizer, AutoModel } = await import('@huggingface/transformers');
      env.allowRemoteModels = !offline();
      env.allowLocalModels = true;
      env.localModelPath = path.dirname(modelDir) + path.sep;
      const id = path.basename(modelDir);
      const tokenizer = await AutoTokenizer.from_pretrained(id);
      const model = await AutoModel.from_pretrained(id, { dtype: s.dtype });
      const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { hidden_size?: number; dim?: number; d_model?: number };
      const dims = config.hidden_size ?? config.dim ?? config.d_model ?? 0;
      return {
        dims,
        async encode(texts: readonly string[], pooling: Pooling, maxLength: number): Promise<Float32Array> {
          const enc = tokenizer([...texts], { padding: true, truncation: true, max_length: maxLength });
          const out = (await model(enc)) as { last_hidden_state: { dims: number[]; data: Float32Array; dispose?: () => void } };
          const hs = out.last_hidden_state;
          const [b, len, h] = hs.dims as [number, number, number];
          const mask = enc.attention_mask.data as BigInt64Array;
          const pooled = new Float32Array(b * h);
          for (let i = 0; i < b; i++) {
            if (pooling === 'cls') {
              pooled.set(hs.data.subarray(i * len * h, i * len * h + h), i * h);
              continue;
            }
            let count = 0;
            if (pooling === 'max') pooled.fill(-Infinity, i * h, (i + 1) * h);
            for (let t = 0; t < len; t++) {
              if (mask[i * len + t] === 0n) continue;
              count++;
              const off = (i * len + t) * h;
              for (let j = 0; j < h; j++) {
                const v = hs.data[off + j]!;
                if (pooling === 'mean') pooled[i * h + j]! += v;
                else if (v > pooled[i * h + j]!) pooled[i * h + j] = v;
              }
            }
            if (pooling === 'mean' && count > 0) for (let j = 0; j < h; j++) pooled[i * h + j]! /= count;
          }
          hs.dispose?.();
          return pooled;
        },
      };
    })();
    encoders.set(key, e);
    e.catch(() => encoders.delete(key));
  }
  return e;
}

/** A frozen encoder through @huggingface/transformers (ONNX Runtime): pooled last hidden states, computed once per text. */
export class HfFeaturizer implements Featurizer {
  readonly kind = 'hf';
  readonly dense = true;
  readonly settings: HfSettings;
  readonly modelDir: string;
  private modelHash = '';
  private dims = 0;

  constructor(settings: HfSettings, ctx: FeaturizerContext) {
    if (!settings.model) {
      throw new HybridTuneError(ERROR_CODES.BAD_VALUE, 'the hf backbone needs a model', { key: 'backbone.hf.model', expected: 'a local model folder, e.g. ../models/bert-base' });
    }
    this.settings = settings;
    this.modelDir = path.resolve(ctx.baseDir, settings.model);
  }

  get size(): number {
    return this.dims;
  }

  async fit(_texts: readonly string[]): Promise<void> {
    if (!existsSync(this.modelDir) && offline()) {
      throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `model folder not found (offline: the Hub is not asked)`, {
        file: this.modelDir,
        key: 'backbone.hf.model',
        expected: `a folder with config.json, tokenizer.json and onnx/${ONNX_FILE[this.settings.dtype]}`,
        hint: 'set HYBRIDTUNE_OFFLINE=0 to allow downloads from the Hugging Face Hub by model id',
      });
    }
    this.modelHash = checkModelFolder(this.modelDir, this.settings.dtype);
    this.dims = (await loadEncoder(this.modelDir, this.settings)).dims;
  }

  async transform(texts: readonly string[]): Promise<SparseRows> {
    const s = this.settings;
    const encoder = await loadEncoder(this.modelDir, s);
    const cacheKey = `${this.modelHash}|${s.pooling}|${s.maxLength}|${s.dtype}`;
    let cache = caches.get(cacheKey);
    if (!cache) caches.set(cacheKey, (cache = new Map()));
    const missing = [...new Set(texts.filter((t) => !cache!.has(t)))];
    encoderStats.cacheHits += texts.length - missing.length;
    for (let i = 0; i < missing.length; i += s.batchSize) {
      const batch = missing.slice(i, i + s.batchSize);
      const pooled = await encoder.encode(batch, s.pooling, s.maxLength);
      batch.forEach((t, k) => cache!.set(t, pooled.slice(k * encoder.dims, (k + 1) * encoder.dims)));
      encoderStats.encoded += batch.length;
    }
    const d = encoder.dims;
    const data = new Float32Array(texts.length * d);
    texts.forEach((t, i) => data.set(cache!.get(t)!, i * d));
    return denseToRows(data, texts.length, d);
  }

  toJSON() {
    return { kind: 'hf', settings: this.settings, modelDir: this.modelDir, modelHash: this.modelHash, dims: this.dims };
  }

  static async fromJSON(state: { settings: HfSettings; modelDir: string; modelHash: string }): Promise<HfFeaturizer> {
    const f = new HfFeaturizer({ ...state.settings, model: state.modelDir }, { baseDir: '/' });
    await f.fit([]);
    if (f.modelHash !== state.modelHash) {
      throw new HybridTuneError(ERROR_CODES.RECIPE_INVALID, 'the encoder model changed since the recipe was trained', {
        file: state.modelDir,
        key: 'featurizer.modelHash',
        expected: `model files with hash ${state.modelHash.slice(0, 12)}`,
      });
    }
    return f;
  }
}
