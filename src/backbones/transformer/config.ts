import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../../errors.js';

/** The encoder families the TensorFlow.js graph implements. */
export const ENCODER_FAMILIES = ['bert', 'roberta', 'distilbert'] as const;
export type EncoderFamily = (typeof ENCODER_FAMILIES)[number];

/** Hugging Face `model_type`s that share one of those graphs. */
const FAMILY_OF: Record<string, EncoderFamily> = {
  bert: 'bert',
  roberta: 'roberta',
  'xlm-roberta': 'roberta',
  camembert: 'roberta',
  distilbert: 'distilbert',
};

export interface EncoderConfig {
  family: EncoderFamily;
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  maxPositions: number;
  /** 0 when the model has no token-type embeddings (DistilBERT). */
  typeVocab: number;
  layerNormEps: number;
  activation: 'gelu' | 'gelu_new' | 'relu';
  padTokenId: number;
}

/** Reads `config.json` of a Hugging Face model folder into the encoder's shape. */
export function readEncoderConfig(dir: string): EncoderConfig {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) {
    throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, 'config.json not found in the model folder', { file, key: 'backbone.transformer.model', expected: 'a Hugging Face model folder' });
  }
  const c = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const type = String(c['model_type'] ?? '');
  const family = FAMILY_OF[type];
  if (!family) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `model_type '${type}' cannot be fine-tuned in TensorFlow.js`, {
      file,
      key: 'backbone.transformer.model',
      value: type,
      expected: `one of ${Object.keys(FAMILY_OF).join(', ')} (use the frozen 'hf' backbone for other encoders)`,
    });
  }
  const num = (k: string, d?: number): number => {
    const v = c[k];
    if (typeof v === 'number') return v;
    if (d !== undefined) return d;
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `config.json lacks '${k}'`, { file, key: k, expected: 'a number' });
  };
  const act = String(c['hidden_act'] ?? c['activation'] ?? 'gelu');
  const activation = act === 'gelu_new' || act === 'gelu_pytorch_tanh' ? 'gelu_new' : act === 'relu' ? 'relu' : 'gelu';
  if (family === 'distilbert') {
    return {
      family,
      vocabSize: num('vocab_size'),
      hidden: num('dim'),
      layers: num('n_layers'),
      heads: num('n_heads'),
      intermediate: num('hidden_dim'),
      maxPositions: num('max_position_embeddings', 512),
      typeVocab: 0,
      layerNormEps: 1e-12,
      activation,
      padTokenId: num('pad_token_id', 0),
    };
  }
  return {
    family,
    vocabSize: num('vocab_size'),
    hidden: num('hidden_size'),
    layers: num('num_hidden_layers'),
    heads: num('num_attention_heads'),
    intermediate: num('intermediate_size'),
    maxPositions: num('max_position_embeddings', 512),
    typeVocab: num('type_vocab_size', family === 'roberta' ? 1 : 2),
    layerNormEps: num('layer_norm_eps', family === 'roberta' ? 1e-5 : 1e-12),
    activation,
    padTokenId: num('pad_token_id', family === 'roberta' ? 1 : 0),
  };
}

/** Longest input the model's position embeddings allow (RoBERTa reserves padding_idx + 1 of them). */
export function maxInputLength(c: EncoderConfig): number {
  return c.family === 'roberta' ? c.maxPositions - c.padTokenId - 1 : c.maxPositions;
}
