import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../../errors.js';
import { fileDigest } from '../hf-encoder.js';
import { readOnnxFile } from '../onnx/proto.js';
import { readEncoderConfig, type EncoderConfig } from './config.js';
import { weightsFromOnnx } from './onnx-trace.js';
import { readSafetensors, weightsFromHf } from './safetensors.js';
import { checkWeights, type EncoderWeights } from './weights.js';
import type { TokenBatch } from './model.js';

/** Where the weights are read from, best first: PyTorch-free safetensors, else the plain fp32 ONNX graph, else its fp16 twin. */
export const WEIGHT_FILES = ['model.safetensors', path.join('onnx', 'model.onnx'), path.join('onnx', 'model_fp16.onnx')] as const;

export interface LoadedWeights {
  config: EncoderConfig;
  weights: EncoderWeights;
  /** The file the weights came from, relative to the model folder. */
  file: string;
  /** Content hash of config, tokenizer and weights file. */
  hash: string;
}

function modelFolderError(dir: string, message: string, hint?: string): HybridTuneError {
  return new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, message, {
    file: dir,
    key: 'backbone.transformer.model',
    expected: `a Hugging Face model folder with config.json, tokenizer.json and one of ${WEIGHT_FILES.join(', ')}`,
    hint,
  });
}

/** Checks the folder and returns the weights file it will use and the content hash that keys caches. */
export function transformerFiles(dir: string): { file: string; hash: string } {
  if (!existsSync(dir)) throw modelFolderError(dir, 'model folder not found (the transformer backbone reads local folders only)');
  for (const f of ['config.json', 'tokenizer.json']) if (!existsSync(path.join(dir, f))) throw modelFolderError(dir, `${f} not found in the model folder`);
  const file = WEIGHT_FILES.find((f) => existsSync(path.join(dir, f)));
  if (!file) throw modelFolderError(dir, `no weights found: none of ${WEIGHT_FILES.join(', ')} exists`, existsSync(path.join(dir, 'onnx')) ? 'quantized ONNX files cannot be fine-tuned' : undefined);
  const hash = ['config.json', 'tokenizer.json', file].map((f) => `${f}:${fileDigest(path.join(dir, f))}`).join('|');
  return { file, hash };
}

let lastLoaded: { key: string; value: LoadedWeights } | undefined;

/** Reads config and weights of a local model folder (the last one read is kept for the next trial). */
export function loadTransformerWeights(dir: string): LoadedWeights {
  const { file, hash } = transformerFiles(dir);
  const key = `${dir}|${hash}`;
  if (lastLoaded?.key === key) return lastLoaded.value;
  const config = readEncoderConfig(dir);
  let weights: EncoderWeights;
  try {
    weights = file.endsWith('.safetensors') ? weightsFromHf(readSafetensors(path.join(dir, file)), config) : weightsFromOnnx(readOnnxFile(path.join(dir, file)), config);
  } catch (e) {
    throw new HybridTuneError(ERROR_CODES.FILE_FORMAT, `cannot read the encoder's weights from ${file}: ${e instanceof Error ? e.message : String(e)}`, { file: path.join(dir, file), key: 'backbone.transformer.model' });
  }
  const problems = checkWeights(weights, config);
  if (problems.length > 0) {
    throw new HybridTuneError(ERROR_CODES.FILE_FORMAT, `the weights in ${file} do not fit config.json: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`, {
      file: path.join(dir, file),
      key: 'backbone.transformer.model',
      expected: `a ${config.family} encoder with ${config.layers} layers of width ${config.hidden}`,
    });
  }
  const value = { config, weights, file, hash };
  lastLoaded = { key, value };
  return value;
}

export interface TextTokenizer {
  /** Token ids of each text, with special tokens, truncated to maxLength. */
  encode(texts: readonly string[], maxLength: number): { ids: number[][]; types: number[][] };
  padId: number;
}

const tokenizers = new Map<string, Promise<TextTokenizer>>();

/** The folder's tokenizer (tokenizer.json + tokenizer_config.json) through @huggingface/transformers, built without touching its global model paths. */
export function loadTokenizer(dir: string): Promise<TextTokenizer> {
  let t = tokenizers.get(dir);
  if (!t) {
    t = (async () => {
      const hf = (await import('@huggingface/transformers')) as unknown as Record<string, unknown>;
      const json = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
      const cfgFile = path.join(dir, 'tokenizer_config.json');
      const cfg = existsSync(cfgFile) ? (JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>) : {};
      const name = String(cfg['tokenizer_class'] ?? 'PreTrainedTokenizer').replace(/Fast$/, '');
      type Ctor = new (j: unknown, c: unknown) => ((texts: string[], o: Record<string, unknown>) => { input_ids: number[][]; token_type_ids?: number[][] }) & { pad_token_id?: number };
      const Cls = (hf[name] ?? hf['PreTrainedTokenizer']) as Ctor;
      const tok = new Cls(json, cfg);
      const padId = tok.pad_token_id ?? 0;
      return {
        padId,
        encode(texts: readonly string[], maxLength: number) {
          if (texts.length === 0) return { ids: [], types: [] };
          const e = tok([...texts], { padding: false, truncation: true, max_length: maxLength, return_tensor: false });
          return { ids: e.input_ids, types: e.token_type_ids ?? e.input_ids.map((r) => r.map(() => 0)) };
        },
      };
    })();
    tokenizers.set(dir, t);
    t.catch(() => tokenizers.delete(dir));
  }
  return t;
}

/** Pads the chosen rows of tokenised texts to the longest of them. */
export function padBatch(ids: readonly number[][], types: readonly number[][], rows: ArrayLike<number>, padId: number): TokenBatch {
  let length = 1;
  for (let i = 0; i < rows.length; i++) length = Math.max(length, ids[rows[i]!]!.length);
  const n = rows.length;
  const b: TokenBatch = { batch: n, length, ids: new Int32Array(n * length).fill(padId), mask: new Int32Array(n * length), types: new Int32Array(n * length) };
  for (let i = 0; i < n; i++) {
    const r = ids[rows[i]!]!;
    const t = types[rows[i]!]!;
    for (let j = 0; j < r.length; j++) {
      b.ids[i * length + j] = r[j]!;
      b.mask[i * length + j] = 1;
      b.types[i * length + j] = t[j] ?? 0;
    }
  }
  return b;
}
