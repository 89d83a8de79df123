import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EncoderConfig } from '../../backbones/transformer/config.js';
import { maxInputLength } from '../../backbones/transformer/config.js';
import { loadTokenizer, padBatch, type TextTokenizer } from '../../backbones/transformer/load.js';
import { poolStates, TransformerEncoder, type ForwardOptions, type TokenBatch, type TransformerPooling } from '../../backbones/transformer/model.js';
import type { EncoderWeights } from '../../backbones/transformer/weights.js';
import type { Rng } from '../../math/rng.js';
import type { HeadConfig } from '../../strategies/types.js';
import { tf } from '../tf-backend.js';

export const FINETUNED_FORMAT = 'hybridtune-transformer';
export const FINETUNED_FORMAT_VERSION = 1;

export interface ClassifierSpec {
  numClasses: number;
  head: HeadConfig;
  pooling: TransformerPooling;
  maxLength: number;
}

interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
}

/** A fine-tunable encoder with a classifier head (linear, or an MLP) on its pooled output. */
export class TransformerClassifier {
  readonly encoder: TransformerEncoder;
  readonly spec: ClassifierSpec;
  /** `head.{i}.kernel` / `head.{i}.bias` → variable. */
  readonly head = new Map<string, tf.Variable>();
  private static nextId = 0;
  private readonly prefix = `clf${TransformerClassifier.nextId++}`;

  constructor(encoder: TransformerEncoder, spec: ClassifierSpec, rng: Rng | null) {
    this.encoder = encoder;
    this.spec = spec;
    const H = encoder.config.hidden;
    const widths = spec.head.name === 'mlp' ? Array.from({ length: spec.head.depth }, () => spec.head.width) : [];
    const dims = [H, ...widths, spec.numClasses];
    for (let i = 0; i + 1 < dims.length; i++) {
      const fanIn = dims[i]!;
      const fanOut = dims[i + 1]!;
      const k = new Float32Array(fanIn * fanOut);
      // BERT's classifier init (normal, std 0.02) for the output layer; Glorot for hidden layers
      if (rng) for (let j = 0; j < k.length; j++) k[j] = i + 2 === dims.length ? rng.normal(0, 0.02) : rng.uniform(-1, 1) * Math.sqrt(6 / (fanIn + fanOut));
      this.head.set(`head.${i}.kernel`, tf.tidy(() => tf.variable(tf.tensor2d(k, [fanIn, fanOut]), true, `${this.prefix}/head.${i}.kernel`)));
      this.head.set(`head.${i}.bias`, tf.tidy(() => tf.variable(tf.zeros([fanOut]), true, `${this.prefix}/head.${i}.bias`)));
    }
  }

  get maxLength(): number {
    return Math.min(this.spec.maxLength, maxInputLength(this.encoder.config));
  }

  /** Logits from pooled vectors [B, H]; dropout on the head's input and hidden layers when training. */
  headLogits(pooled: tf.Tensor2D, training: boolean, dropout: number, seed: number): tf.Tensor2D {
    const n = this.head.size / 2;
    let a: tf.Tensor2D = pooled;
    for (let i = 0; i < n; i++) {
      if (training && dropout > 0) a = tf.dropout(a, dropout, undefined, seed + i) as tf.Tensor2D;
      a = tf.add(tf.matMul(a, this.head.get(`head.${i}.kernel`)!), this.head.get(`head.${i}.bias`)!) as tf.Tensor2D;
      if (i < n - 1) a = tf.relu(a);
    }
    return a;
  }

  /** Logits for a batch with nothing training (evaluation and prediction). */
  logits(b: TokenBatch): tf.Tensor2D {
    const off: ForwardOptions = { training: false, dropout: 0, seed: 0 };
    return this.headLogits(poolStates(this.encoder.forward(b, off), b, this.spec.pooling), false, 0, 0);
  }

  /** Class probabilities for tokenised texts, row-major n × classes; batches of similar length to pad little. */
  predictTokens(ids: readonly number[][], types: readonly number[][], padId: number, batchSize = 32): Float32Array {
    const C = this.spec.numClasses;
    const out = new Float32Array(ids.length * C);
    const order = Array.from(ids.keys()).sort((a, b) => ids[a]!.length - ids[b]!.length);
    for (let s = 0; s < order.length; s += batchSize) {
      const rows = order.slice(s, s + batchSize);
      const b = padBatch(ids, types, rows, padId);
      const p = tf.tidy(() => tf.softmax(this.logits(b)));
      const d = p.dataSync() as Float32Array;
      p.dispose();
      rows.forEach((r, i) => out.set(d.subarray(i * C, (i + 1) * C), r * C));
    }
    return out;
  }

  /** Every variable by canonical name: encoder weights, LoRA adapters (`….lora_a/b`) and head. */
  allVariables(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>(this.encoder.vars);
    for (const [k, p] of this.encoder.lora) {
      m.set(`${k}.lora_a`, p.a);
      m.set(`${k}.lora_b`, p.b);
    }
    for (const [k, v] of this.head) m.set(k, v);
    return m;
  }

  /**
   * Writes `model.json` (format, encoder config, head, pooling, labels, weight table),
   * `weights.bin` (float32, LoRA merged first) and the tokenizer files: everything
   * `loadTransformerClassifier` needs, with no reference to the original model folder.
   */
  save(dir: string, tokenizerDir: string, extra: Record<string, unknown> = {}): void {
    if (this.encoder.lora.size > 0) this.encoder.mergeLora();
    mkdirSync(dir, { recursive: true });
    const entries: WeightEntry[] = [];
    const chunks: Buffer[] = [];
    let offset = 0;
    const vars = new Map<string, tf.Variable>([...this.encoder.vars, ...this.head]);
    for (const [name, v] of vars) {
      const data = v.dataSync() as Float32Array;
      entries.push({ name, shape: [...v.shape], offset });
      chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      offset += data.byteLength;
    }
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(chunks));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) if (existsSync(path.join(tokenizerDir, f))) copyFileSync(path.join(tokenizerDir, f), path.join(dir, f));
    writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify(
        { format: FINETUNED_FORMAT, formatVersion: FINETUNED_FORMAT_VERSION, encoder: this.encoder.config, spec: this.spec, dtype: 'float32', weights: entries, weightsFile: 'weights.bin', ...extra },
        null,
        1,
      ),
    );
  }

  dispose(): void {
    this.encoder.dispose();
    for (const v of this.head.values()) v.dispose();
    this.head.clear();
  }
}

export interface LoadedClassifier {
  classifier: TransformerClassifier;
  tokenizer: TextTokenizer;
  /** Class probabilities, row-major n × classes. */
  predictProba(texts: readonly string[]): Promise<Float32Array>;
  dispose(): void;
}

/** Whether a saved model folder holds a fine-tuned transformer (as opposed to a head on features). */
export function isFinetunedModel(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { format?: string }).format === FINETUNED_FORMAT;
  } catch {
    return false;
  }
}

/** Loads what `TransformerClassifier.save` wrote, for prediction. */
export async function loadTransformerClassifier(dir: string): Promise<LoadedClassifier> {
  const meta = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { format: string; formatVersion: number; encoder: EncoderConfig; spec: ClassifierSpec; weights: WeightEntry[] };
  if (meta.format !== FINETUNED_FORMAT || meta.formatVersion !== FINETUNED_FORMAT_VERSION) throw new Error(`${path.join(dir, 'model.json')}: not a ${FINETUNED_FORMAT} v${FINETUNED_FORMAT_VERSION} model`);
  const bin = readFileSync(path.join(dir, 'weights.bin'));
  const read = (e: WeightEntry) => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const copy = new Float32Array(n);
    new Uint8Array(copy.buffer).set(bin.subarray(e.offset, e.offset + n * 4));
    return copy;
  };
  const weights: EncoderWeights = new Map();
  for (const e of meta.weights) if (!e.name.startsWith('head.')) weights.set(e.name, { shape: e.shape, data: read(e) });
  const classifier = new TransformerClassifier(new TransformerEncoder(meta.encoder, weights), meta.spec, null);
  tf.tidy(() => {
    for (const e of meta.weights) if (e.name.startsWith('head.')) classifier.head.get(e.name)!.assign(tf.tensor(read(e), e.shape));
  });
  const tokenizer = await loadTokenizer(dir);
  return {
    classifier,
    tokenizer,
    async predictProba(texts) {
      const { ids, types } = tokenizer.encode(texts, classifier.maxLength);
      return classifier.predictTokens(ids, types, tokenizer.padId);
    },
    dispose: () => classifier.dispose(),
  };
}
