import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { addCounts, cachedEncode, emptyCounts, featureNamespace, type CacheCounts } from './feature-cache.js';
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
  for (const f of wanted) h.update(`${f}:`).update(fileDigest(path.join(dir, f)));
  return h.digest('hex');
}

const digests = new Map<string, { size: number; mtimeMs: number; digest: string }>();

/**
 * A file's content hash: all of it up to 4 MiB; beyond that its size and 32 chunks of
 * 64 KiB spread over the whole file (a retrained or re-exported model differs in
 * all of them), so a 1 GB model is keyed in milliseconds. Memoised by size and mtime.
 */
export function fileDigest(file: string): string {
  const st = statSync(file);
  const memo = digests.get(file);
  if (memo && memo.size === st.size && memo.mtimeMs === st.mtimeMs) return memo.digest;
  const h = createHash('sha256').update(`${st.size}:`);
  if (st.size <= 1 << 22) h.update(readFileSync(file));
  else {
    const fd = openSync(file, 'r');
    try {
      const chunk = Buffer.alloc(1 << 16);
      for (let i = 0; i < 32; i++) {
        const pos = Math.floor(((st.size - chunk.length) * i) / 31);
        const n = readSync(fd, chunk, 0, chunk.length, pos);
        h.update(chunk.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
  }
  const digest = h.digest('hex');
  digests.set(file, { size: st.size, mtimeMs: st.mtimeMs, digest });
  return digest;
}

interface Encoder {
  encode(texts: readonly string[], pooling: Pooling, maxLength: number): Promise<Float32Array>;
  dims: number;
}

// One loaded encoder per (model, dtype) per thread. Loads run one at a time: transformers.js
// reads its model location from a global (env.localModelPath).
const encoders = new Map<string, Promise<Encoder>>();
let loadChain: Promise<unknown> = Promise.resolve();

/** Runs a transformers.js model load after the ones before it (they share env.localModelPath). */
export function serialLoad<T>(load: () => Promise<T>): Promise<T> {
  const p = loadChain.then(load, load);
  loadChain = p.catch(() => undefined);
  return p;
}
/** Texts run through an encoder in this thread (misses) and texts served from a cache (hits), for tests and benches. */
export const encoderStats = { encoded: 0, cacheHits: 0, diskHits: 0 };

/** Where a model comes from: a local folder, or (online only) a Hub id. */
export type ModelSource = { kind: 'local'; dir: string } | { kind: 'hub'; id: string };

/** Mean, CLS or max pooling of last hidden states [b, len, h] under an attention mask. */
export function poolHidden(data: Float32Array, dims: readonly number[], mask: ArrayLike<number | bigint>, pooling: Pooling): Float32Array {
  const [b, len, h] = dims as [number, number, number];
  const pooled = new Float32Array(b * h);
  for (let i = 0; i < b; i++) {
    if (pooling === 'cls') {
      pooled.set(data.subarray(i * len * h, i * len * h + h), i * h);
      continue;
    }
    let count = 0;
    if (pooling === 'max') pooled.fill(-Infinity, i * h, (i + 1) * h);
    for (let t = 0; t < len; t++) {
      if (Number(mask[i * len + t]) === 0) continue;
      count++;
      const off = (i * len + t) * h;
      for (let j = 0; j < h; j++) {
        const v = data[off + j]!;
        if (pooling === 'mean') pooled[i * h + j]! += v;
        else if (v > pooled[i * h + j]!) pooled[i * h + j] = v;
      }
    }
    if (pooling === 'mean' && count > 0) for (let j = 0; j < h; j++) pooled[i * h + j]! /= count;
  }
  return pooled;
}

async function loadEncoder(source: ModelSource, s: HfSettings, modelHash: string): Promise<Encoder> {
  // keyed by the files' hash too: a folder whose files changed is loaded again
  const key = `${source.kind === 'local' ? source.dir : source.id}|${s.dtype}|${modelHash}`;
  let e = encoders.get(key);
  if (!e) {
    const load = async (): Promise<Encoder> => {
      const { env, AutoTokenizer, AutoModel } = await import('@huggingface/transformers');
      let id: string;
      if (source.kind === 'local') {
        env.allowRemoteModels = false;
        env.allowLocalModels = true;
        env.localModelPath = path.dirname(source.dir) + path.sep;
        id = path.basename(source.dir);
      } else {
        env.allowRemoteModels = true;
        env.allowLocalModels = false;
        id = source.id;
      }
      const tokenizer = await AutoTokenizer.from_pretrained(id);
      const model = await AutoModel.from_pretrained(id, { dtype: s.dtype });
      const config = model.config as unknown as { hidden_size?: number; dim?: number; d_model?: number };
      const dims = config.hidden_size ?? config.dim ?? config.d_model ?? 0;
      return {
        dims,
        async encode(texts: readonly string[], pooling: Pooling, maxLength: number): Promise<Float32Array> {
          const enc = tokenizer([...texts], { padding: true, truncation: true, max_length: maxLength });
          const out = (await model(enc)) as { last_hidden_state: { dims: number[]; data: Float32Array; dispose?: () => void } };
          const hs = out.last_hidden_state;
          const pooled = poolHidden(hs.data, hs.dims, enc.attention_mask.data as BigInt64Array, pooling);
          hs.dispose?.();
          return pooled;
        },
      };
    };
    e = serialLoad(load);
    encoders.set(key, e);
    e.catch(() => encoders.delete(key));
  }
  return e;
}

/** Hash of a Hub model's files in transformers.js's download cache (or of its id when they are not found there). */
function hubModelHash(id: string, dtype: HfSettings['dtype'], cacheDir: string | null | undefined): string {
  const h = createHash('sha256').update(`hub:${id}:${dtype}:`);
  if (cacheDir) {
    const dir = path.join(cacheDir, id);
    for (const f of ['config.json', 'tokenizer.json', path.join('onnx', ONNX_FILE[dtype])]) {
      const file = path.join(dir, f);
      if (existsSync(file)) h.update(`${f}:${statSync(file).size}:`).update(readFileSync(file).subarray(0, 1 << 20));
    }
  }
  return h.digest('hex');
}

/** A frozen encoder through @huggingface/transformers (ONNX Runtime): pooled last hidden states, computed once per text and cached on disk. */
export class HfFeaturizer implements Featurizer {
  readonly kind = 'hf';
  readonly dense = true;
  readonly settings: HfSettings;
  readonly modelDir: string;
  private modelHash = '';
  private dims = 0;
  private source: ModelSource | undefined;
  private counts: CacheCounts = emptyCounts();
  private readonly onProgress: FeaturizerContext['onProgress'];

  constructor(settings: HfSettings, ctx: FeaturizerContext) {
    if (!settings.model) {
      throw new HybridTuneError(ERROR_CODES.BAD_VALUE, 'the hf backbone needs a model', { key: 'backbone.hf.model', expected: 'a local model folder, e.g. ../models/bert-base' });
    }
    this.settings = settings;
    this.modelDir = path.resolve(ctx.baseDir, settings.model);
    this.onProgress = ctx.onProgress;
  }

  get size(): number {
    return this.dims;
  }

  cacheCounts(): CacheCounts {
    return { ...this.counts };
  }

  async fit(_texts: readonly string[]): Promise<void> {
    if (this.source) return;
    if (!existsSync(this.modelDir)) {
      if (offline() || !/^[\w.-]+(\/[\w.-]+)?$/.test(this.settings.model)) {
        throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `model folder not found${offline() ? ' (offline: the Hub is not asked)' : ''}`, {
          file: this.modelDir,
          key: 'backbone.hf.model',
          expected: `a folder with config.json, tokenizer.json and onnx/${ONNX_FILE[this.settings.dtype]}${offline() ? '' : ', or a Hub id such as Xenova/all-MiniLM-L6-v2'}`,
          hint: offline() ? 'set HYBRIDTUNE_OFFLINE=0 to allow downloads from the Hugging Face Hub by model id' : undefined,
        });
      }
      const source: ModelSource = { kind: 'hub', id: this.settings.model };
      this.dims = (await loadEncoder(source, this.settings, 'hub')).dims;
      const { env } = await import('@huggingface/transformers');
      this.modelHash = hubModelHash(source.id, this.settings.dtype, env.cacheDir);
      this.source = source;
      return;
    }
    this.modelHash = checkModelFolder(this.modelDir, this.settings.dtype);
    const source: ModelSource = { kind: 'local', dir: this.modelDir };
    this.dims = (await loadEncoder(source, this.settings, this.modelHash)).dims;
    this.source = source;
  }

  /** The cache namespace: what the features depend on. */
  namespaceKey(): string {
    const s = this.settings;
    return `hf|${this.modelHash}|${s.pooling}|${s.maxLength}|${s.dtype}`;
  }

  async transform(texts: readonly string[]): Promise<SparseRows> {
    if (!this.source) await this.fit([]);
    const s = this.settings;
    const encoder = await loadEncoder(this.source!, s, this.source!.kind === 'hub' ? 'hub' : this.modelHash);
    const ns = featureNamespace(this.namespaceKey(), encoder.dims, `hf:${path.basename(this.modelDir)} ${s.pooling}/${s.maxLength}/${s.dtype}`, {
      model: this.source!.kind === 'local' ? this.modelDir : this.settings.model,
    });
    const { data, counts } = await cachedEncode(ns, texts, (batch) => encoder.encode(batch, s.pooling, s.maxLength), { batchSize: s.batchSize, onProgress: this.onProgress });
    this.counts = addCounts(this.counts, counts);
    encoderStats.encoded += counts.misses;
    encoderStats.cacheHits += counts.hits;
    encoderStats.diskHits += counts.diskHits;
    return denseToRows(data, texts.length, encoder.dims);
  }

  toJSON() {
    return { kind: 'hf', settings: this.settings, modelDir: this.source?.kind === 'hub' ? this.settings.model : this.modelDir, modelHash: this.modelHash, dims: this.dims };
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
