import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SparseRows } from '../backbones/sparse.js';
import type { Rng } from '../math/rng.js';
import { addGaussianNoise, mixRows, mixupLambda, unmixGrad } from '../strategies/augment/mixup.js';
import type { HeadConfig, LossConfig, OptimizerConfig } from '../strategies/types.js';
import { DenseStack, denseKernelStatus } from './kernels/dense-kernel.js';
import { DenseOptimizer, RowOptimizer } from './optimizers.js';
import { tf } from './tf-backend.js';

export interface HeadSpec {
  inputDim: number;
  numClasses: number;
  head: HeadConfig;
  /** `sparse` (default): an embedding bag on typed arrays; `dense`: a tfjs dense layer on full rows (encoder features). */
  input?: 'sparse' | 'dense';
}

interface DenseLayer {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** One entry of a TensorFlow.js weights manifest. */
interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** Mean weighted loss: cross-entropy against (smoothed) targets, focal when gamma > 0. */
function lossOf(logits: tf.Tensor2D, q: tf.Tensor2D, sw: tf.Tensor1D, loss: LossConfig, B: number): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  let term: tf.Tensor = tf.mul(q, logp);
  // (1 − p) is kept off 0: for gamma < 1 the derivative of (1 − p)^gamma is infinite there (NaN gradients once p rounds to 1)
  if (loss.focalGamma > 0) term = tf.mul(term, tf.pow(tf.maximum(tf.sub(1, tf.exp(logp)), 1e-6), loss.focalGamma));
  const perExample = tf.neg(tf.sum(term, 1));
  return tf.div(tf.sum(tf.mul(perExample, sw)), B) as tf.Scalar;
}

/**
 * `lossOf` without focusing, and its gradient with respect to the logits, on the host:
 * L = −(1/B) Σᵢ wᵢ Σ_c q_ic log p_ic, ∂L/∂z_ic = (wᵢ/B)(p_ic Σ_c' q_ic' − q_ic).
 */
export function crossEntropyGrad(logits: Float32Array, targets: Float32Array, weights: Float32Array, B: number, C: number): { loss: number; grad: Float32Array } {
  const grad = new Float32Array(B * C);
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = i * C;
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[o + c]!);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c]! - max);
    const logZ = max + Math.log(sum);
    let qSum = 0;
    let ce = 0;
    for (let c = 0; c < C; c++) {
      qSum += targets[o + c]!;
      ce -= targets[o + c]! * (logits[o + c]! - logZ);
    }
    total += weights[i]! * ce;
    const scale = weights[i]! / B;
    for (let c = 0; c < C; c++) grad[o + c] = scale * (Math.exp(logits[o + c]! - logZ) * qSum - targets[o + c]!);
  }
  return { loss: total / B, grad };
}

/** tf.dropout's multiplier (kept entries 1 / keep, dropped 0), the same draws for the same seed. */
function dropoutMultiplier(shape: [number, number], rate: number, seed: number): tf.Tensor2D {
  const keep = 1 - rate;
  return tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep)), keep);
}

/**
 * Per-batch augmentation in feature space, each with its own generator so that
 * switching one on never changes the other random draws of a trial.
 */
export interface BatchAugment {
  /** Mixup: one λ per batch (see mixupLambda), the batch mixed with a permutation of itself. */
  mixup?: { alpha: number; rng: Rng };
  /** Gaussian noise on the bag outputs (sparse) or the input rows (dense). */
  noise?: { sigma: number; rng: Rng };
}

/** Mixes features, targets and weights of a batch alike; returns the pairing for the backward pass. */
function mixBatch(aug: BatchAugment, feats: Float32Array, width: number, targets: Float32Array, C: number, weights: Float32Array, B: number) {
  if (!aug.mixup) return { feats, targets, weights, mix: undefined };
  const { alpha, rng } = aug.mixup;
  const lambda = mixupLambda(alpha, rng);
  const perm = rng.permutation(B);
  return {
    feats: mixRows(feats, width, perm, lambda),
    targets: mixRows(targets, C, perm, lambda),
    weights: mixRows(weights, 1, perm, lambda),
    mix: { lambda, perm },
  };
}

export const MODEL_FORMAT = 'hybridtune-head';
export const MODEL_FORMAT_VERSION = 2;

/**
 * The classifier head. On sparse features its first layer is an embedding bag
 * (fastText-style): each example's output is the weighted sum of the table rows
 * its features name, plus a bias row; the bag and its sparse backward pass run on
 * typed arrays. On dense features (encoder outputs) the first layer is an
 * ordinary tfjs dense layer. The layers above, the loss and their gradients run
 * in TensorFlow.js, inside tf.tidy.
 */
export class HeadModel {
  readonly spec: HeadSpec;
  /** Width of the bag's output: the hidden width (MLP) or the number of classes (linear). */
  readonly bagWidth: number;
  /** (inputDim + 1) × bagWidth; the last row is the bias. */
  table: Float32Array;
  /** Dense input mode: the first layer (inputDim → bagWidth). */
  readonly input0: DenseLayer | null = null;
  readonly layers: DenseLayer[] = [];
  readonly dense: boolean;
  private rowOpt?: RowOptimizer;
  private denseOpt?: DenseOptimizer;
  /**
   * The tfjs layers' training step on the wasm SIMD kernel (kernels/dense-kernel.ts)
   * when it is available: it then holds the current weights, and the tfjs variables
   * are brought up to date (`syncVariables`) before anything reads them.
   */
  private kernel?: DenseStack;
  private variablesStale = false;
  private step = 0;
  // scratch buffers reused across steps
  private slot: Int32Array;
  private touched = new Int32Array(0);
  private gradBuf = new Float32Array(0);

  constructor(spec: HeadSpec, rng: Rng | null) {
    this.spec = spec;
    const { inputDim, numClasses, head } = spec;
    this.bagWidth = head.name === 'mlp' ? head.width : numClasses;
    this.dense = spec.input === 'dense';
    this.table = new Float32Array(this.dense ? 0 : (inputDim + 1) * this.bagWidth);
    this.slot = new Int32Array(this.dense ? 0 : inputDim + 1).fill(-1);
    if (this.dense) this.input0 = this.denseLayer('input_dense', inputDim, this.bagWidth, rng);
    if (rng && head.name === 'mlp' && !this.dense) {
      // small random rows; the bias row stays 0
      const std = 1 / Math.sqrt(this.bagWidth);
      for (let i = 0; i < inputDim * this.bagWidth; i++) this.table[i] = rng.normal(0, std);
    }
    if (head.name === 'mlp') {
      let fanIn = head.width;
      for (let d = 1; d < head.depth; d++) {
        this.layers.push(this.denseLayer(`dense_${d}`, fanIn, head.width, rng));
        fanIn = head.width;
      }
      this.layers.push(this.denseLayer(`dense_${head.depth}`, fanIn, numClasses, rng));
    }
  }

  private denseLayer(name: string, fanIn: number, fanOut: number, rng: Rng | null): DenseLayer {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const k = new Float32Array(fanIn * fanOut);
    if (rng) for (let i = 0; i < k.length; i++) k[i] = rng.uniform(-limit, limit);
    // tidy frees the initial values; variables survive it
    return tf.tidy(() => ({
      kernel: tf.variable(tf.tensor2d(k, [fanIn, fanOut]), true, `${name}/kernel`),
      bias: tf.variable(tf.zeros([fanOut]), true, `${name}/bias`),
    }));
  }

  private variables(): tf.Variable[] {
    return this.stack().flatMap((l) => [l.kernel, l.bias]);
  }

  /** The tfjs layers in order: the dense input layer (dense mode), then the layers above the bag. */
  private stack(): DenseLayer[] {
    return [...(this.input0 ? [this.input0] : []), ...this.layers];
  }

  /** Copies the kernel's weights into the tfjs variables if training has moved them since. */
  private syncVariables(): void {
    if (!this.kernel || !this.variablesStale) return;
    const w = this.kernel.weights();
    tf.tidy(() => this.variables().forEach((v, i) => v.assign(tf.tensor(w[i]!, v.shape))));
    this.variablesStale = false;
  }

  /** Which path trains this head's tfjs layers: the wasm SIMD kernel or tfjs ops (and why). */
  trainingPath(): string {
    return this.kernel ? 'wasm SIMD kernel' : 'tfjs ops';
  }

  /**
   * The seed of each layer's dropout draws (null: no dropout before it), as `forward`
   * and `firstLayer` draw them: before each layer above the bag or the dense input
   * layer, seed + its index; on the input itself only when there is no such layer, seed + 97.
   */
  private dropoutSeeds(seed: number): Array<number | null> {
    return this.stack().map((_, j) => {
      const upper = this.dense ? j - 1 : j;
      if (upper >= 0) return seed + upper;
      return this.layers.length === 0 ? seed + 97 : null;
    });
  }

  /** Loss and its gradient with respect to the logits, on the host (focal loss through tfjs's tape). */
  private logitsGrad(logits: Float32Array, targets: Float32Array, weights: Float32Array, loss: LossConfig, B: number): { loss: number; grad: Float32Array } {
    const C = this.spec.numClasses;
    if (!(loss.focalGamma > 0)) return crossEntropyGrad(logits, targets, weights, B, C);
    return tf.tidy(() => {
      const q = tf.tensor2d(targets, [B, C]);
      const sw = tf.tensor1d(weights);
      const r = tf.valueAndGrad((z: tf.Tensor) => lossOf(z as tf.Tensor2D, q, sw, loss, B))(tf.tensor2d(logits, [B, C]));
      return { loss: r.value.dataSync()[0]!, grad: r.grad.dataSync() as Float32Array };
    });
  }

  /** One step of the tfjs layers on the kernel; the input gradient when asked. */
  private kernelStep(input: Float32Array, targets: Float32Array, weights: Float32Array, loss: LossConfig, B: number, dropout: number, seed: number, lr: number, inputGrad: boolean) {
    const r = this.kernel!.step({
      input,
      B,
      reluInput: !this.dense,
      dropout,
      dropoutSeeds: this.dropoutSeeds(seed),
      lossGrad: (logits) => this.logitsGrad(logits, targets, weights, loss, B),
      inputGrad,
      lr,
      step: this.step,
    });
    this.variablesStale = true;
    // as a float32 scalar, like the tfjs path's loss
    return { ...r, loss: Math.fround(r.loss) };
  }

  /** Rows of a dense-rows matrix (every row has inputDim entries) as one packed array. */
  private gatherDense(x: SparseRows, rows: ArrayLike<number>): Float32Array {
    const d = this.spec.inputDim;
    const out = new Float32Array(rows.length * d);
    for (let i = 0; i < rows.length; i++) {
      const start = x.indptr[rows[i]!]!;
      out.set(x.values.subarray(start, start + d), i * d);
    }
    return out;
  }

  /** The first layer's pre-activation, in tfjs, for dense input. */
  private firstLayer(xIn: tf.Tensor2D, training: boolean, dropout: number, seed: number): tf.Tensor2D {
    let x = xIn;
    if (training && dropout > 0 && this.layers.length === 0) x = tf.dropout(x, dropout, undefined, seed + 97) as tf.Tensor2D;
    return tf.add(tf.matMul(x, this.input0!.kernel), this.input0!.bias) as tf.Tensor2D;
  }

  /** Bag outputs (pre-activation) for rows of x; `dropout` drops input features (linear head, training only). */
  private bag(x: SparseRows, rows: ArrayLike<number>, dropout: number, rng: Rng | null, keptValues?: Float32Array): Float32Array {
    const w = this.bagWidth;
    const out = new Float32Array(rows.length * w);
    const biasOff = this.spec.inputDim * w;
    const scale = dropout > 0 ? 1 / (1 - dropout) : 1;
    let q = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const o = i * w;
      for (let c = 0; c < w; c++) out[o + c] = this.table[biasOff + c]!;
      for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) {
        let val = x.values[j]!;
        if (dropout > 0 && rng) val = rng.next() < dropout ? 0 : val * scale;
        if (keptValues) keptValues[q++] = val;
        if (val === 0) continue;
        const off = x.indices[j]! * w;
        for (let c = 0; c < w; c++) out[o + c]! += val * this.table[off + c]!;
      }
    }
    return out;
  }

  /** Logits from bag outputs, in tfjs. */
  private forward(h: tf.Tensor2D, training: boolean, dropout: number, seed: number): tf.Tensor2D {
    if (this.layers.length === 0) return h;
    let a: tf.Tensor2D = tf.relu(h);
    this.layers.forEach((l, i) => {
      if (training && dropout > 0) a = tf.dropout(a, dropout, undefined, seed + i) as tf.Tensor2D;
      a = tf.add(tf.matMul(a, l.kernel), l.bias) as tf.Tensor2D;
      if (i < this.layers.length - 1) a = tf.relu(a);
    });
    return a;
  }

  /**
   * Training forward and backward pass of the tfjs layers, written out instead of
   * recorded on tfjs's tape: the same maths as `forward` (and `firstLayer`) under
   * tf.grad, with the same dropout masks (tf.dropout's multiplier, same seeds), but
   * each layer's kernel gradient is `transpose(input) · dz`. On the wasm backend a
   * matMul with a transposed operand (what the tape's MatMul gradient asks for) runs
   * a naive loop about 6–15× slower than XNNPACK's plain matMul, and was most of a
   * dense step's time. The loss and its gradient on the B × C logits: plain (smoothed,
   * weighted) cross-entropy in closed form on the host, one read-back instead of a
   * dozen tiny kernels; focal loss on tfjs's tape (`lossOf`).
   *
   * `input` is the dense rows (dense mode) or the bag outputs before activation
   * (sparse mode). Returns the loss, the gradients in `variables()` order and, when
   * asked, the gradient with respect to `input`. Call inside tf.tidy.
   */
  private lossAndGrads(input: tf.Tensor2D, targets: Float32Array, weights: Float32Array, loss: LossConfig, B: number, dropout: number, seed: number, inputGrad: boolean): { value: tf.Scalar; grads: tf.Tensor[]; dInput?: tf.Tensor2D } {
    const stack = this.stack();
    const seeds = this.dropoutSeeds(seed);
    // per layer: its input (after dropout), the dropout multiplier, and the ReLU output whose sign gates the gradient
    const ins: tf.Tensor2D[] = [];
    const masks: Array<tf.Tensor2D | null> = [];
    const gates: Array<tf.Tensor2D | null> = [];
    let cur = input;
    let gate: tf.Tensor2D | null = null;
    if (!this.dense && stack.length > 0) {
      cur = tf.relu(input);
      gate = cur;
    }
    stack.forEach((l, j) => {
      const layerSeed = dropout > 0 ? (seeds[j] ?? null) : null;
      const mask = layerSeed !== null ? dropoutMultiplier(cur.shape, dropout, layerSeed) : null;
      const x: tf.Tensor2D = mask ? tf.mul(cur, mask) : cur;
      ins.push(x);
      masks.push(mask);
      gates.push(gate);
      const last = j === stack.length - 1;
      cur = tf.fused.matMul({ a: x, b: l.kernel, bias: l.bias, activation: last ? 'linear' : 'relu' }) as tf.Tensor2D;
      gate = last ? null : cur;
    });
    const lg = this.logitsGrad(cur.dataSync() as Float32Array, targets, weights, loss, B);
    const value = tf.scalar(lg.loss);
    let dz = tf.tensor2d(lg.grad, [B, this.spec.numClasses]);
    const grads: tf.Tensor[] = new Array<tf.Tensor>(2 * stack.length);
    for (let j = stack.length - 1; j >= 0; j--) {
      const l = stack[j]!;
      grads[2 * j] = tf.matMul(tf.transpose(ins[j]!), dz);
      grads[2 * j + 1] = tf.sum(dz, 0);
      if (j === 0 && !inputGrad) break;
      let dx: tf.Tensor2D = tf.matMul(dz, tf.transpose(l.kernel));
      if (masks[j]) dx = tf.mul(dx, masks[j]!);
      if (gates[j]) dx = tf.mul(dx, tf.step(gates[j]!));
      dz = dx;
    }
    return { value, grads, ...(inputGrad ? { dInput: dz } : {}) };
  }

  /** Fresh optimizer state; `path` forces the tfjs ops or the kernel (default: the kernel where available). */
  configureTraining(opt: OptimizerConfig, path: 'auto' | 'tfjs' = 'auto'): void {
    this.syncVariables();
    this.rowOpt = new RowOptimizer(opt, this.table.length);
    this.denseOpt?.dispose();
    this.denseOpt = new DenseOptimizer(opt);
    this.kernel = undefined;
    if (path === 'auto' && denseKernelStatus(tf.getBackend()).use) {
      const shapes = this.stack().map((l) => ({ fanIn: l.kernel.shape[0]!, fanOut: l.kernel.shape[1]! }));
      this.kernel = new DenseStack(shapes, opt, this.dense ? this.spec.inputDim : this.bagWidth);
      this.kernel.setWeights(this.variables().map((v) => v.dataSync() as Float32Array));
      this.variablesStale = false;
    }
    this.step = 0;
  }

  /**
   * One optimisation step on the given rows. `targets` is the (smoothed) target
   * distribution per example, `weights` the loss weight per example. Returns the mean loss.
   */
  trainStep(x: SparseRows, rows: ArrayLike<number>, targetsIn: Float32Array, weightsIn: Float32Array, loss: LossConfig, lr: number, dropout: number, rng: Rng, aug: BatchAugment = {}): number {
    if (!this.rowOpt || !this.denseOpt) throw new Error('configureTraining() first');
    this.step++;
    if (this.dense) return this.trainStepDense(x, rows, targetsIn, weightsIn, loss, lr, dropout, rng, aug);
    const B = rows.length;
    const w = this.bagWidth;
    const C = this.spec.numClasses;
    let nnz = 0;
    for (let i = 0; i < B; i++) nnz += x.indptr[rows[i]! + 1]! - x.indptr[rows[i]!]!;
    const inputDropout = this.layers.length === 0 ? dropout : 0;
    const kept = new Float32Array(nnz);
    const mixed = mixBatch(aug, this.bag(x, rows, inputDropout, rng, kept), w, targetsIn, C, weightsIn, B);
    const { feats: h, targets, weights, mix } = mixed;
    if (aug.noise) addGaussianNoise(h, aug.noise.sigma, aug.noise.rng);
    const seed = rng.int(0, 2 ** 30);
    if (this.kernel) {
      const r = this.kernelStep(h, targets, weights, loss, B, dropout, seed, lr, true);
      this.backpropTable(x, rows, kept, mix ? unmixGrad(r.inputGrad!, w, mix.perm, mix.lambda) : r.inputGrad!, lr);
      return r.loss;
    }
    const vars = this.variables();
    const denseOpt = this.denseOpt;
    const step = this.step;
    const [lossT, dhT] = tf.tidy(() => {
      const { value, grads, dInput } = this.lossAndGrads(tf.tensor2d(h, [B, w]), targets, weights, loss, B, dropout, seed, true);
      denseOpt.apply(vars, grads, lr, step);
      return [value, dInput!] as const;
    });
    const dhMixed = dhT.dataSync() as Float32Array;
    const lossValue = lossT.dataSync()[0]!;
    lossT.dispose();
    dhT.dispose();
    // noise adds a constant: its gradient passes through; mixup's is split between the pair
    const dh = mix ? unmixGrad(dhMixed, w, mix.perm, mix.lambda) : dhMixed;
    this.backpropTable(x, rows, kept, dh, lr);
    return lossValue;
  }

  private trainStepDense(x: SparseRows, rows: ArrayLike<number>, targetsIn: Float32Array, weightsIn: Float32Array, loss: LossConfig, lr: number, dropout: number, rng: Rng, aug: BatchAugment): number {
    const B = rows.length;
    const C = this.spec.numClasses;
    const { feats: xs, targets, weights } = mixBatch(aug, this.gatherDense(x, rows), this.spec.inputDim, targetsIn, C, weightsIn, B);
    if (aug.noise) addGaussianNoise(xs, aug.noise.sigma, aug.noise.rng);
    const seed = rng.int(0, 2 ** 30);
    if (this.kernel) return this.kernelStep(xs, targets, weights, loss, B, dropout, seed, lr, false).loss;
    const vars = this.variables();
    const denseOpt = this.denseOpt!;
    const step = this.step;
    const lossT = tf.tidy(() => {
      const { value, grads } = this.lossAndGrads(tf.tensor2d(xs, [B, this.spec.inputDim]), targets, weights, loss, B, dropout, seed, false);
      denseOpt.apply(vars, grads, lr, step);
      return value;
    });
    const v = lossT.dataSync()[0]!;
    lossT.dispose();
    return v;
  }

  /** Sparse backward pass of the bag: gradient rows only for features in the batch. */
  private backpropTable(x: SparseRows, rows: ArrayLike<number>, kept: Float32Array, dh: Float32Array, lr: number): void {
    const w = this.bagWidth;
    const B = rows.length;
    let count = 0;
    let maxRows = 1;
    for (let i = 0; i < B; i++) maxRows += x.indptr[rows[i]! + 1]! - x.indptr[rows[i]!]!;
    if (this.touched.length < maxRows) this.touched = new Int32Array(maxRows);
    if (this.gradBuf.length < maxRows * w) this.gradBuf = new Float32Array(maxRows * w);
    const g = this.gradBuf;
    const biasRow = this.spec.inputDim;
    this.slot[biasRow] = 0;
    this.touched[0] = biasRow;
    count = 1;
    g.fill(0, 0, maxRows * w);
    let q = 0;
    for (let i = 0; i < B; i++) {
      const r = rows[i]!;
      const o = i * w;
      for (let c = 0; c < w; c++) g[c]! += dh[o + c]!;
      for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) {
        const val = kept[q++]!;
        if (val === 0) continue;
        const col = x.indices[j]!;
        let s = this.slot[col]!;
        if (s < 0) {
          s = count++;
          this.slot[col] = s;
          this.touched[s] = col;
        }
        const gb = s * w;
        for (let c = 0; c < w; c++) g[gb + c]! += val * dh[o + c]!;
      }
    }
    this.rowOpt!.update(this.table, this.touched, count, g, w, lr, this.step);
    for (let s = 0; s < count; s++) this.slot[this.touched[s]!] = -1;
  }

  /** Class probabilities, row-major n × numClasses. */
  predictProba(x: SparseRows, batchSize = 2048): Float32Array {
    const C = this.spec.numClasses;
    const out = new Float32Array(x.n * C);
    this.syncVariables();
    for (let start = 0; start < x.n; start += batchSize) {
      const end = Math.min(x.n, start + batchSize);
      const rows = Array.from({ length: end - start }, (_, i) => start + i);
      const p = tf.tidy(() => {
        const pre = this.dense
          ? this.firstLayer(tf.tensor2d(this.gatherDense(x, rows), [rows.length, this.spec.inputDim]), false, 0, 0)
          : tf.tensor2d(this.bag(x, rows, 0, null), [rows.length, this.bagWidth]);
        return tf.softmax(this.forward(pre, false, 0, 0));
      });
      out.set(p.dataSync() as Float32Array, start * C);
      p.dispose();
    }
    return out;
  }

  /** A copy of every weight, to keep the best epoch's model. */
  snapshot(): { table: Float32Array; dense: Float32Array[] } {
    const dense = this.kernel && this.variablesStale ? this.kernel.weights() : this.variables().map((v) => (v.dataSync() as Float32Array).slice());
    return { table: this.table.slice(), dense };
  }

  restore(s: { table: Float32Array; dense: Float32Array[] }): void {
    this.table.set(s.table);
    tf.tidy(() => this.variables().forEach((v, i) => v.assign(tf.tensor(s.dense[i]!, v.shape))));
    this.kernel?.setWeights(s.dense);
    this.variablesStale = false;
  }

  /**
   * Writes `model.json` (our head spec plus a TensorFlow.js weights manifest) and
   * `weights.bin` (float32, in manifest order), so tf.io can read the weights too.
   */
  save(dir: string, extra: Record<string, unknown> = {}): void {
    mkdirSync(dir, { recursive: true });
    const entries: WeightEntry[] = [];
    const chunks: Float32Array[] = [];
    const push = (name: string, shape: number[], data: Float32Array) => {
      entries.push({ name, shape, dtype: 'float32' });
      chunks.push(data);
    };
    this.syncVariables();
    if (!this.dense) push('embedding_bag/table', [this.spec.inputDim + 1, this.bagWidth], this.table);
    for (const v of this.variables()) push(v.name, v.shape, v.dataSync() as Float32Array);
    const total = chunks.reduce((a, c) => a + c.byteLength, 0);
    const buf = Buffer.alloc(total);
    let p = 0;
    for (const c of chunks) {
      Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(buf, p);
      p += c.byteLength;
    }
    writeFileSync(path.join(dir, 'weights.bin'), buf);
    writeFileSync(
      path.join(dir, 'model.json'),
      JSON.stringify({
        format: MODEL_FORMAT,
        formatVersion: MODEL_FORMAT_VERSION,
        spec: this.spec,
        weightsManifest: [{ paths: ['weights.bin'], weights: entries }],
        ...extra,
      }),
    );
  }

  static load(dir: string): HeadModel {
    const meta = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as {
      format: string;
      formatVersion: number;
      spec: HeadSpec;
      weightsManifest: Array<{ paths: string[]; weights: WeightEntry[] }>;
    };
    if (meta.format !== MODEL_FORMAT || meta.formatVersion !== MODEL_FORMAT_VERSION) {
      throw new Error(`${path.join(dir, 'model.json')}: not a ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION} model`);
    }
    const bin = readFileSync(path.join(dir, meta.weightsManifest[0]!.paths[0]!));
    const model = new HeadModel(meta.spec, null);
    let offset = 0;
    const read = (e: WeightEntry) => {
      const n = e.shape.reduce((a, b) => a * b, 1);
      const copy = new Float32Array(n);
      Buffer.from(copy.buffer).set(bin.subarray(offset, offset + n * 4));
      offset += n * 4;
      return copy;
    };
    const weights = meta.weightsManifest[0]!.weights;
    let i = 0;
    if (!model.dense) model.table.set(read(weights[i++]!));
    const vars = model.variables();
    tf.tidy(() => vars.forEach((v) => v.assign(tf.tensor(read(weights[i++]!), v.shape))));
    return model;
  }

  dispose(): void {
    this.kernel = undefined;
    this.denseOpt?.dispose();
    for (const l of [...(this.input0 ? [this.input0] : []), ...this.layers]) {
      l.kernel.dispose();
      l.bias.dispose();
    }
  }
}
