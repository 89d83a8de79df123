import type { Rng } from '../../math/rng.js';
import { tf } from '../../trainer/tf-backend.js';
import type { EncoderConfig } from './config.js';
import { expectedWeights, type EncoderWeights } from './weights.js';

/** A tokenised, padded batch: row-major [batch, length] int32 arrays. */
export interface TokenBatch {
  batch: number;
  length: number;
  ids: Int32Array;
  mask: Int32Array;
  types: Int32Array;
}

export interface ForwardOptions {
  /** Dropout on (training) or off (evaluation, frozen parts). */
  training: boolean;
  dropout: number;
  /** Seed of this forward pass's dropout masks. */
  seed: number;
}

/** Low-rank adapters of one linear layer: W·x + (x·A)·B · alpha/rank (Hu et al., 2021). */
export interface LoraPair {
  a: tf.Variable;
  b: tf.Variable;
  scale: number;
}

export const LORA_TARGETS = ['q', 'v'] as const;

let nextModelId = 0;

/**
 * A BERT-family encoder (BERT, RoBERTa, DistilBERT) as TensorFlow.js ops on
 * variables, so that any subset of its weights can be fine-tuned. The same graph
 * as Hugging Face's: embeddings + LayerNorm, then per layer multi-head
 * self-attention with an additive padding mask, residual + LayerNorm, a GELU
 * feed-forward, residual + LayerNorm (post-LN). Kernels are [in, out].
 *
 * Every method that returns a tensor must run inside the caller's tf.tidy.
 */
export class TransformerEncoder {
  readonly config: EncoderConfig;
  /** Canonical weight name → variable. */
  readonly vars = new Map<string, tf.Variable>();
  /** `layer.{i}.{q|v}` → adapters, when LoRA is on. */
  readonly lora = new Map<string, LoraPair>();
  private readonly prefix = `enc${nextModelId++}`;

  constructor(config: EncoderConfig, weights: EncoderWeights) {
    this.config = config;
    for (const [name, shape] of expectedWeights(config)) {
      const w = weights.get(name);
      if (!w) throw new Error(`weight ${name} missing`);
      this.vars.set(
        name,
        tf.tidy(() => tf.variable(tf.tensor(w.data, shape), true, `${this.prefix}/${name}`)),
      );
    }
  }

  v(name: string): tf.Variable {
    const x = this.vars.get(name);
    if (!x) throw new Error(`no weight ${name}`);
    return x;
  }

  /** Adds LoRA adapters to the query and value projections of every layer (A random, B zero: the model starts unchanged). */
  addLora(rank: number, alpha: number, rng: Rng): void {
    const H = this.config.hidden;
    const bound = 1 / Math.sqrt(H); // PEFT: kaiming_uniform(a=√5) on A
    for (let i = 0; i < this.config.layers; i++) {
      for (const t of LORA_TARGETS) {
        const a = new Float32Array(H * rank);
        for (let k = 0; k < a.length; k++) a[k] = rng.uniform(-bound, bound);
        const key = `layer.${i}.${t}`;
        const pair = tf.tidy(() => ({
          a: tf.variable(tf.tensor2d(a, [H, rank]), true, `${this.prefix}/${key}.lora_a`),
          b: tf.variable(tf.zeros([rank, H]), true, `${this.prefix}/${key}.lora_b`),
          scale: alpha / rank,
        }));
        this.lora.set(key, pair);
      }
    }
  }

  /** Folds every adapter into its base kernel (W += A·B·scale) and removes the adapters: the merged model needs no LoRA code. */
  mergeLora(): void {
    for (const [key, p] of this.lora) {
      const w = this.v(`${key}.kernel`);
      tf.tidy(() => w.assign(tf.add(w, tf.mul(tf.matMul(p.a, p.b), p.scale))));
      p.a.dispose();
      p.b.dispose();
    }
    this.lora.clear();
  }

  private dense(x: tf.Tensor, name: string): tf.Tensor {
    const [B, S, H] = x.shape as [number, number, number];
    const x2 = tf.reshape(x, [B * S, H]);
    const kernel = this.v(`${name}.kernel`);
    let y = tf.add(tf.matMul(x2, kernel), this.v(`${name}.bias`));
    const lora = this.lora.get(name);
    if (lora) y = tf.add(y, tf.mul(tf.matMul(tf.matMul(x2, lora.a), lora.b), lora.scale));
    return tf.reshape(y, [B, S, kernel.shape[1]!]);
  }

  private layerNorm(x: tf.Tensor, name: string): tf.Tensor {
    const mean = tf.mean(x, -1, true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), -1, true);
    const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, this.config.layerNormEps)));
    return tf.add(tf.mul(normed, this.v(`${name}.gamma`)), this.v(`${name}.beta`));
  }

  private activation(x: tf.Tensor): tf.Tensor {
    switch (this.config.activation) {
      case 'relu':
        return tf.relu(x);
      case 'gelu_new': // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI)))));
      default: // exact GELU: 0.5·x·(1 + erf(x/√2))
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
    }
  }

  private dropout(x: tf.Tensor, o: ForwardOptions, salt: number): tf.Tensor {
    return o.training && o.dropout > 0 ? tf.dropout(x, o.dropout, undefined, (o.seed * 7919 + salt) % 2147483647) : x;
  }

  /** Rows of `table` at `ids`, with a gradient (scatter-add) that every backend has: tfjs's own Gather gradient needs UnsortedSegmentSum, which wasm lacks. */
  private lookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
    // the ids go in as an input and through `save`: tensors a gradient function merely closes over may be freed by then
    const f = tf.customGrad(((t: tf.Tensor, i: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
      save([i]);
      return {
        value: tf.gather(t, i),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.scatterND(tf.expandDims(saved[0]!, 1), dy, t.shape), tf.zerosLike(saved[0]!)],
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(table, ids) as tf.Tensor2D;
  }

  /** Position ids: 0..S−1 (BERT, DistilBERT), or RoBERTa's padding_idx + 1 + running count of real tokens. */
  positionIds(b: TokenBatch): Int32Array | undefined {
    if (this.config.family !== 'roberta') return undefined;
    const out = new Int32Array(b.batch * b.length);
    const pad = this.config.padTokenId;
    for (let i = 0; i < b.batch; i++) {
      let count = 0;
      for (let t = 0; t < b.length; t++) {
        const real = b.mask[i * b.length + t] !== 0;
        if (real) count++;
        out[i * b.length + t] = real ? pad + count : pad;
      }
    }
    return out;
  }

  /** Embeddings + LayerNorm (+ dropout): [batch, length, hidden]. */
  embed(b: TokenBatch, o: ForwardOptions): tf.Tensor3D {
    const { batch: B, length: S } = b;
    const H = this.config.hidden;
    const ids = tf.tensor1d(b.ids, 'int32');
    let x: tf.Tensor = tf.reshape(this.lookup(this.v('embeddings.word') as tf.Tensor2D, ids), [B, S, H]);
    const pos = this.positionIds(b);
    if (pos) x = tf.add(x, tf.reshape(this.lookup(this.v('embeddings.position') as tf.Tensor2D, tf.tensor1d(pos, 'int32')), [B, S, H]));
    else x = tf.add(x, tf.slice(this.v('embeddings.position'), [0, 0], [S, H]));
    if (this.config.typeVocab > 0) {
      const types = this.v('embeddings.token_type') as tf.Tensor2D;
      // one type (the usual single-sentence input): a broadcast row, no gather
      const single = b.types.every((t) => t === 0);
      x = single ? tf.add(x, tf.slice(types, [0, 0], [1, H])) : tf.add(x, tf.reshape(this.lookup(types, tf.tensor1d(b.types, 'int32')), [B, S, H]));
    }
    return this.dropout(this.layerNorm(x, 'embeddings.ln'), o, 1) as tf.Tensor3D;
  }

  /** Additive attention bias: 0 for tokens, −10000 for padding, [batch, 1, 1, length]. */
  maskBias(b: TokenBatch): tf.Tensor4D {
    const m = Float32Array.from(b.mask, (v) => (v ? 0 : -10000));
    return tf.tensor4d(m, [b.batch, 1, 1, b.length]);
  }

  /** One encoder layer. */
  layer(i: number, x: tf.Tensor3D, bias: tf.Tensor4D, o: ForwardOptions): tf.Tensor3D {
    const { hidden: H, heads: N } = this.config;
    const D = H / N;
    const [B, S] = x.shape as [number, number, number];
    const p = `layer.${i}`;
    const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, S, N, D]), [0, 2, 1, 3]);
    const q = split(this.dense(x, `${p}.q`));
    const k = split(this.dense(x, `${p}.k`));
    const v = split(this.dense(x, `${p}.v`));
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D)), bias);
    const probs = this.dropout(tf.softmax(scores, -1), o, 100 + i * 10);
    const ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B, S, H]);
    const attn = this.dropout(this.dense(ctx, `${p}.o`), o, 101 + i * 10);
    const h1 = this.layerNorm(tf.add(attn, x), `${p}.ln1`);
    const f = this.dropout(this.dense(this.activation(this.dense(h1, `${p}.ffn1`)), `${p}.ffn2`), o, 102 + i * 10);
    return this.layerNorm(tf.add(f, h1), `${p}.ln2`) as tf.Tensor3D;
  }

  /** Hidden states after layers [from, to) starting from `x` (the embeddings when from = 0). */
  run(b: TokenBatch, o: ForwardOptions, from = 0, to = this.config.layers, x?: tf.Tensor3D, bias?: tf.Tensor4D): tf.Tensor3D {
    let h = x ?? this.embed(b, o);
    const mb = bias ?? this.maskBias(b);
    for (let i = from; i < to; i++) h = this.layer(i, h, mb, o);
    return h;
  }

  /** last_hidden_state: [batch, length, hidden]. */
  forward(b: TokenBatch, o: ForwardOptions = { training: false, dropout: 0, seed: 0 }): tf.Tensor3D {
    return this.run(b, o);
  }

  /** Names of the variables of layer i (or 'embeddings'), LoRA adapters excluded. */
  groupOf(name: string): number {
    if (name.startsWith('embeddings.')) return -1;
    return Number(name.split('.')[1]);
  }

  /** Current weights as arrays (LoRA adapters not merged), by canonical name. */
  weights(): EncoderWeights {
    const out: EncoderWeights = new Map();
    for (const [name, v] of this.vars) out.set(name, { shape: [...v.shape], data: v.dataSync() as Float32Array });
    return out;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    for (const p of this.lora.values()) {
      p.a.dispose();
      p.b.dispose();
    }
    this.vars.clear();
    this.lora.clear();
  }
}

export type TransformerPooling = 'cls' | 'mean';

/** One vector per text from hidden states [B, S, H]: the first token's, or the mean over real tokens. */
export function poolStates(h: tf.Tensor3D, b: TokenBatch, pooling: TransformerPooling): tf.Tensor2D {
  const [B, S, H] = h.shape;
  if (pooling === 'cls') return tf.reshape(tf.slice(h, [0, 0, 0], [B, 1, H]), [B, H]);
  const m = tf.reshape(tf.tensor2d(Float32Array.from(b.mask), [B, S]), [B, S, 1]);
  return tf.div(tf.sum(tf.mul(h, m), 1), tf.maximum(tf.sum(m, 1), 1)) as tf.Tensor2D;
}
