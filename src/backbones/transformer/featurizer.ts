import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../../errors.js';
import { tf } from '../../trainer/tf-backend.js';
import { addCounts, cachedEncode, emptyCounts, featureNamespace, type CacheCounts } from '../feature-cache.js';
import { denseToRows, type Featurizer, type FeaturizerContext } from '../featurizer.js';
import type { SparseRows } from '../sparse.js';
import { maxInputLength } from './config.js';
import { loadTokenizer, loadTransformerWeights, padBatch, transformerFiles } from './load.js';
import { poolStates, TransformerEncoder, type TransformerPooling } from './model.js';

export interface TransformerSettings {
  model: string;
  pooling: TransformerPooling;
  maxLength: number;
  dropout: number;
}

export function transformerSettingsFrom(s: Record<string, unknown>): TransformerSettings {
  return {
    model: String(s['model'] ?? ''),
    pooling: (s['pooling'] as TransformerPooling | undefined) ?? 'cls',
    maxLength: (s['max-length'] as number | undefined) ?? 128,
    dropout: (s['dropout'] as number | undefined) ?? 0.1,
  };
}

export function resolveTransformerDir(s: TransformerSettings, baseDir: string): string {
  if (!s.model) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, 'the transformer backbone needs a model', { key: 'backbone.transformer.model', expected: 'a local model folder, e.g. ../models/bert-base-uncased' });
  }
  return path.resolve(baseDir, s.model);
}

/**
 * The transformer backbone frozen: pooled last hidden states of the TensorFlow.js
 * encoder, computed once per text and cached on disk like the `hf` backbone's. This
 * is what `adapt: head-only` trains on, through the ordinary head trainer.
 */
export class TransformerFeaturizer implements Featurizer {
  readonly kind = 'transformer';
  readonly dense = true;
  readonly settings: TransformerSettings;
  readonly modelDir: string;
  private hash = '';
  private dims = 0;
  private counts: CacheCounts = emptyCounts();
  private readonly onProgress: FeaturizerContext['onProgress'];

  constructor(settings: TransformerSettings, ctx: FeaturizerContext) {
    this.settings = settings;
    this.modelDir = resolveTransformerDir(settings, ctx.baseDir);
    this.onProgress = ctx.onProgress;
  }

  get size(): number {
    return this.dims;
  }

  cacheCounts(): CacheCounts {
    return { ...this.counts };
  }

  async fit(_texts: readonly string[]): Promise<void> {
    if (this.hash) return;
    this.hash = transformerFiles(this.modelDir).hash;
    this.dims = loadTransformerWeights(this.modelDir).config.hidden;
  }

  namespaceKey(): string {
    return `tfjs|${this.hash}|${this.settings.pooling}|${this.settings.maxLength}`;
  }

  async transform(texts: readonly string[]): Promise<SparseRows> {
    await this.fit([]);
    const s = this.settings;
    const ns = featureNamespace(this.namespaceKey(), this.dims, `transformer:${path.basename(this.modelDir)} ${s.pooling}/${s.maxLength}`, { model: this.modelDir });
    // the encoder's variables exist only while something is encoded: cache hits need none
    let encoder: TransformerEncoder | undefined;
    const tokenizer = await loadTokenizer(this.modelDir);
    try {
      const { data, counts } = await cachedEncode(
        ns,
        texts,
        async (batch) => {
          if (!encoder) {
            const { config, weights } = loadTransformerWeights(this.modelDir);
            encoder = new TransformerEncoder(config, weights);
          }
          const enc = encoder;
          const { ids, types } = tokenizer.encode(batch, Math.min(s.maxLength, maxInputLength(enc.config)));
          const b = padBatch(ids, types, Array.from(ids.keys()), tokenizer.padId);
          const pooled = tf.tidy(() => poolStates(enc.forward(b), b, s.pooling));
          const out = pooled.dataSync() as Float32Array;
          pooled.dispose();
          return out;
        },
        { batchSize: 32, onProgress: this.onProgress },
      );
      this.counts = addCounts(this.counts, counts);
      return denseToRows(data, texts.length, this.dims);
    } finally {
      (encoder as TransformerEncoder | undefined)?.dispose();
    }
  }

  toJSON() {
    return { kind: 'transformer', settings: this.settings, modelDir: this.modelDir, modelHash: this.hash, dims: this.dims };
  }

  static async fromJSON(state: { settings: TransformerSettings; modelDir: string; modelHash: string }): Promise<TransformerFeaturizer> {
    const f = new TransformerFeaturizer({ ...state.settings, model: state.modelDir }, { baseDir: '/' });
    await f.fit([]);
    if (f.hash !== state.modelHash) {
      throw new HybridTuneError(ERROR_CODES.RECIPE_INVALID, 'the encoder model changed since the recipe was trained', { file: state.modelDir, key: 'featurizer.modelHash', expected: 'the model files the recipe was trained with' });
    }
    return f;
  }
}
