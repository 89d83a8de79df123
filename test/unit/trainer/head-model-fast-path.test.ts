/**
 * The trainer's hand-written backward pass and optimizer (issue 8) against
 * independent references: a float64 MLP + Adam written out here, tfjs's own tape over
 * the layers as the model defines them (tf.dropout with the same seeds), and plain
 * update rules; plus flat memory over many steps.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { SparseRows } from '../../../src/backbones/sparse.js';
import { Rng } from '../../../src/math/rng.js';
import { DEFAULT_OPTIMIZER } from '../../../src/strategies/registry.js';
import type { LossConfig, OptimizerConfig } from '../../../src/strategies/types.js';
import { HeadModel, crossEntropyGrad } from '../../../src/trainer/head-model.js';
import { DenseOptimizer } from '../../../src/trainer/optimizers.js';
import { initBackend, tf } from '../../../src/trainer/tf-backend.js';

before(async () => {
  await initBackend();
});

const adamCfg = (over: Partial<OptimizerConfig> = {}): OptimizerConfig => ({ ...DEFAULT_OPTIMIZER, batchSize: 8, epochs: 1, ...over });

function randomArray(n: number, rng: Rng, std = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, std);
  return a;
}

/** Smoothed one-hot targets and uneven weights for B rows of C classes. */
function targetsAndWeights(B: number, C: number, rng: Rng): { targets: Float32Array; weights: Float32Array } {
  const targets = new Float32Array(B * C);
  const weights = new Float32Array(B);
  for (let i = 0; i < B; i++) {
    const y = rng.int(0, C - 1);
    for (let c = 0; c < C; c++) targets[i * C + c] = c === y ? 0.9 : 0.1 / (C - 1);
    weights[i] = 0.5 + rng.next();
  }
  return { targets, weights };
}

function denseRows(values: Float32Array, n: number, d: number): SparseRows {
  return {
    n,
    dims: d,
    indptr: Int32Array.from({ length: n + 1 }, (_, i) => i * d),
    indices: Int32Array.from({ length: n * d }, (_, i) => i % d),
    values,
  };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** y = x·W + b in float64 (x: n × k, W: k × m). */
function affine(x: Float64Array, W: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let s = b[j]!;
      for (let t = 0; t < k; t++) s += x[i * k + t]! * W[t * m + j]!;
      y[i * m + j] = s;
    }
  return y;
}

describe('head training fast path', () => {
  it('dense MLP: a few steps match a float64 reference MLP with dropout, smoothed weighted cross-entropy and Adam (L2)', () => {
    const D = 12;
    const H = 8;
    const C = 3;
    const B = 8;
    const n = 40;
    const dropout = 0.25;
    const cfg = adamCfg({ weightDecay: 0.01 });
    const dataRng = new Rng(11);
    const xs = randomArray(n * D, dataRng);
    const x = denseRows(xs, n, D);
    const model = new HeadModel({ inputDim: D, numClasses: C, head: { name: 'mlp', width: H, depth: 2, dropout }, input: 'dense' }, new Rng(3));
    model.configureTraining(cfg);
    // reference weights: [K0, b0, K1, b1, K2, b2] as float64
    const initial = model.snapshot().dense;
    const W = initial.map((a) => Float64Array.from(a));
    const dims: Array<[number, number]> = [
      [D, H],
      [H, H],
      [H, C],
    ];
    const m = W.map((w) => new Float64Array(w.length));
    const v = W.map((w) => new Float64Array(w.length));
    const stepRng = new Rng(9);
    const refRng = new Rng(9);
    const lossFns: LossConfig = { focalGamma: 0, labelSmoothing: 0 };
    for (let step = 1; step <= 6; step++) {
      const rows = Int32Array.from({ length: B }, (_, i) => (step * 7 + i * 3) % n);
      const { targets, weights } = targetsAndWeights(B, C, dataRng);
      const lr = cfg.lr * (1 - step / 10);
      const got = model.trainStep(x, rows, targets, weights, lossFns, lr, dropout, stepRng);

      // --- reference step
      const seed = refRng.int(0, 2 ** 30);
      // tf.dropout's draws for the layers above the first: seed + index of the upper layer
      const masks = [0, 1].map((u) => {
        const r = tf.tidy(() => tf.randomUniform([B, H], 0, 1, 'float32', seed + u).dataSync() as Float32Array);
        return Float64Array.from(r, (ri) => Math.floor(Math.fround(ri + (1 - dropout))) / (1 - dropout));
      });
      const xb = new Float64Array(B * D);
      rows.forEach((r, i) => xb.set(xs.subarray(r * D, (r + 1) * D), i * D));
      const ins: Float64Array[] = [xb];
      const acts: Float64Array[] = [];
      let cur: Float64Array = xb;
      for (let l = 0; l < 3; l++) {
        const [k, mm] = dims[l]!;
        const z = affine(cur, W[2 * l]!, W[2 * l + 1]!, B, k, mm);
        if (l === 2) {
          cur = z;
          break;
        }
        const a = z.map((zi) => Math.max(zi, 0));
        acts.push(a);
        cur = a.map((ai, i) => ai * masks[l]![i]!);
        ins.push(cur);
      }
      let loss = 0;
      let dz: Float64Array = new Float64Array(B * C);
      for (let i = 0; i < B; i++) {
        const zs = Array.from(cur.subarray(i * C, (i + 1) * C));
        const mx = Math.max(...zs);
        const lz = mx + Math.log(zs.reduce((s, z) => s + Math.exp(z - mx), 0));
        for (let c = 0; c < C; c++) {
          const q = targets[i * C + c]!;
          loss -= (weights[i]! * q * (zs[c]! - lz)) / B;
          dz[i * C + c] = (weights[i]! / B) * (Math.exp(zs[c]! - lz) - q); // targets sum to 1
        }
      }
      assert.ok(Math.abs(got - loss) < 1e-5 * Math.max(1, Math.abs(loss)), `step ${step}: loss ${got} vs reference ${loss}`);
      const grads: Float64Array[] = new Array(6);
      for (let l = 2; l >= 0; l--) {
        const [k, mm] = dims[l]!;
        const a = ins[l]!;
        const gK = new Float64Array(k * mm);
        const gb = new Float64Array(mm);
        for (let i = 0; i < B; i++)
          for (let j = 0; j < mm; j++) {
            gb[j]! += dz[i * mm + j]!;
            for (let t = 0; t < k; t++) gK[t * mm + j]! += a[i * k + t]! * dz[i * mm + j]!;
          }
        grads[2 * l] = gK;
        grads[2 * l + 1] = gb;
        if (l === 0) break;
        const da = new Float64Array(B * k);
        for (let i = 0; i < B; i++)
          for (let t = 0; t < k; t++) {
            let s = 0;
            for (let j = 0; j < mm; j++) s += dz[i * mm + j]! * W[2 * l]![t * mm + j]!;
            const idx = i * k + t;
            da[idx] = acts[l - 1]![idx]! > 0 ? s * masks[l - 1]![idx]! : 0;
          }
        dz = da;
      }
      W.forEach((w, p) => {
        for (let i = 0; i < w.length; i++) {
          const g = grads[p]![i]! + cfg.weightDecay * w[i]!;
          m[p]![i] = cfg.beta1 * m[p]![i]! + (1 - cfg.beta1) * g;
          v[p]![i] = cfg.beta2 * v[p]![i]! + (1 - cfg.beta2) * g * g;
          const mh = m[p]![i]! / (1 - cfg.beta1 ** step);
          const vh = v[p]![i]! / (1 - cfg.beta2 ** step);
          w[i] = w[i]! - (lr * mh) / (Math.sqrt(vh) + 1e-8);
        }
      });
    }
    const after = model.snapshot().dense;
    after.forEach((a, p) => assert.ok(maxAbsDiff(a, W[p]!) < 2e-5, `weights ${p}: max |Δ| ${maxAbsDiff(a, W[p]!)}`));
    // and they moved: the comparison is not between two untouched copies
    after.forEach((a, p) => assert.ok(maxAbsDiff(a, initial[p]!) > 1e-3, `weights ${p} moved`));
    model.dispose();
  });

  for (const variant of [
    { name: 'sparse-input MLP, focal loss (tape)', dense: false, head: 'mlp' as const, focalGamma: 1.5, dropout: 0.3 },
    { name: 'sparse-input MLP, cross-entropy (closed form)', dense: false, head: 'mlp' as const, focalGamma: 0, dropout: 0.3 },
    { name: 'dense-input linear head, dropout on the input (closed form)', dense: true, head: 'linear' as const, focalGamma: 0, dropout: 0.2 },
    { name: 'dense-input MLP depth 2, focal loss', dense: true, head: 'mlp' as const, focalGamma: 2, dropout: 0.1 },
  ]) {
    it(`${variant.name}: loss and gradients equal tfjs's tape over the model's own forward pass`, () => {
      const C = 3;
      const B = 6;
      const D = 10;
      const width = 7;
      const model = new HeadModel(
        { inputDim: D, numClasses: C, head: { name: variant.head, width: variant.head === 'mlp' ? width : 0, depth: variant.head === 'mlp' ? 2 : 0, dropout: variant.dropout }, input: variant.dense ? 'dense' : 'sparse' },
        new Rng(4),
      );
      const rng = new Rng(5);
      const inW = variant.dense ? D : model.bagWidth;
      const input = randomArray(B * inW, rng);
      const { targets, weights } = targetsAndWeights(B, C, rng);
      const loss: LossConfig = { focalGamma: variant.focalGamma, labelSmoothing: 0 };
      const seed = 12345;
      const vars = (model as unknown as { variables(): tf.Variable[] }).variables();
      const fast = tf.tidy(() => {
        const r = (model as unknown as { lossAndGrads: (...a: unknown[]) => { value: tf.Scalar; grads: tf.Tensor[]; dInput?: tf.Tensor } }).lossAndGrads(
          tf.tensor2d(input, [B, inW]),
          targets,
          weights,
          loss,
          B,
          variant.dropout,
          seed,
          !variant.dense,
        );
        return { value: r.value.dataSync()[0]!, grads: r.grads.map((g) => g.dataSync().slice()), dInput: r.dInput?.dataSync().slice() };
      });
      // the reference: the layers as forward()/firstLayer() define them, differentiated by tfjs
      const ref = tf.tidy(() => {
        const q = tf.tensor2d(targets, [B, C]);
        const sw = tf.tensor1d(weights);
        const inT = tf.tensor2d(input, [B, inW]);
        const f = (xIn: tf.Tensor, ...vs: tf.Tensor[]) => {
          let a: tf.Tensor = xIn;
          let k = 0;
          if (variant.dense) {
            if (variant.head === 'linear') a = tf.dropout(a, variant.dropout, undefined, seed + 97);
            a = tf.add(tf.matMul(a as tf.Tensor2D, vs[k++] as tf.Tensor2D), vs[k++]!);
          }
          const upper = (vs.length - k) / 2;
          if (upper > 0) a = tf.relu(a);
          for (let i = 0; i < upper; i++) {
            a = tf.dropout(a, variant.dropout, undefined, seed + i);
            a = tf.add(tf.matMul(a as tf.Tensor2D, vs[k++] as tf.Tensor2D), vs[k++]!);
            if (i < upper - 1) a = tf.relu(a);
          }
          const logp = tf.logSoftmax(a);
          let term: tf.Tensor = tf.mul(q, logp);
          if (loss.focalGamma > 0) term = tf.mul(term, tf.pow(tf.maximum(tf.sub(1, tf.exp(logp)), 1e-6), loss.focalGamma));
          return tf.div(tf.sum(tf.mul(tf.neg(tf.sum(term, 1)), sw)), B) as tf.Scalar;
        };
        const { value, grads } = tf.valueAndGrads(f)([inT, ...vars]);
        return { value: value.dataSync()[0]!, dInput: grads[0]!.dataSync().slice(), grads: grads.slice(1).map((g) => g.dataSync().slice()) };
      });
      assert.ok(Math.abs(fast.value - ref.value) < 1e-5, `loss ${fast.value} vs ${ref.value}`);
      assert.equal(fast.grads.length, ref.grads.length);
      fast.grads.forEach((g, i) => assert.ok(maxAbsDiff(g, ref.grads[i]!) < 1e-5, `gradient ${i}: max |Δ| ${maxAbsDiff(g, ref.grads[i]!)}`));
      if (!variant.dense) assert.ok(maxAbsDiff(fast.dInput!, ref.dInput) < 1e-5, 'gradient of the bag outputs');
      model.dispose();
    });
  }

  it('crossEntropyGrad: loss and gradient of smoothed, weighted cross-entropy against finite differences', () => {
    const B = 4;
    const C = 3;
    const rng = new Rng(8);
    const logits = randomArray(B * C, rng, 2);
    const { targets, weights } = targetsAndWeights(B, C, rng);
    const { loss, grad } = crossEntropyGrad(logits, targets, weights, B, C);
    const lossAt = (z: Float32Array) => crossEntropyGrad(z, targets, weights, B, C).loss;
    for (let i = 0; i < B * C; i++) {
      const h = 1e-2;
      const up = logits.slice();
      const down = logits.slice();
      up[i]! += h;
      down[i]! -= h;
      const fd = (lossAt(up) - lossAt(down)) / (2 * h);
      assert.ok(Math.abs(fd - grad[i]!) < 1e-3, `logit ${i}: ${grad[i]} vs finite difference ${fd}`);
    }
    assert.ok(loss > 0);
  });

  for (const name of ['adam', 'adamw', 'sgd'] as const) {
    it(`DenseOptimizer (${name}): 20 steps match the textbook update rule in float64`, () => {
      const cfg = adamCfg({ name, weightDecay: 0.05, momentum: name === 'sgd' ? 0.9 : 0, lr: 0.02 });
      const rng = new Rng(21);
      const init = randomArray(30, rng);
      const w = tf.variable(tf.tensor2d(init, [5, 6]), true, `opt-test-${name}`);
      const opt = new DenseOptimizer(cfg);
      const ref = Float64Array.from(init);
      const m = new Float64Array(30);
      const v = new Float64Array(30);
      for (let step = 1; step <= 20; step++) {
        const g = randomArray(30, rng, 0.5);
        const lr = cfg.lr / step;
        tf.tidy(() => opt.apply([w], [tf.tensor2d(g, [5, 6])], lr, step));
        for (let i = 0; i < 30; i++) {
          let gi = g[i]!;
          if (name !== 'adamw') gi += cfg.weightDecay * ref[i]!;
          if (name === 'sgd') {
            m[i] = cfg.momentum * m[i]! + gi;
            ref[i] = ref[i]! - lr * m[i]!;
            continue;
          }
          m[i] = cfg.beta1 * m[i]! + (1 - cfg.beta1) * gi;
          v[i] = cfg.beta2 * v[i]! + (1 - cfg.beta2) * gi * gi;
          const upd = (lr * (m[i]! / (1 - cfg.beta1 ** step))) / (Math.sqrt(v[i]! / (1 - cfg.beta2 ** step)) + 1e-8);
          ref[i] = ref[i]! - upd - (name === 'adamw' ? lr * cfg.weightDecay * ref[i]! : 0);
        }
      }
      const got = w.dataSync();
      assert.ok(maxAbsDiff(got, ref) < 1e-5, `max |Δ| ${maxAbsDiff(got, ref)}`);
      assert.ok(maxAbsDiff(got, init) > 0.01, 'the weights moved');
      opt.dispose();
      w.dispose();
    });
  }

  it('memory stays flat: the number of live tensors does not grow over 150 steps (dense and sparse MLP heads), and disposing frees everything', () => {
    const start = tf.memory().numTensors;
    const rng = new Rng(2);
    const D = 16;
    const n = 64;
    const dense = denseRows(randomArray(n * D, rng), n, D);
    // sparse rows: 5 features each out of 100
    const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i * 5);
    const indices = Int32Array.from({ length: n * 5 }, () => rng.int(0, 99));
    const sparse: SparseRows = { n, dims: 100, indptr, indices, values: new Float32Array(n * 5).fill(1) };
    for (const [x, input, loss] of [
      [dense, 'dense', { focalGamma: 0, labelSmoothing: 0 }],
      [sparse, 'sparse', { focalGamma: 2, labelSmoothing: 0 }],
    ] as const) {
      const model = new HeadModel({ inputDim: x.dims, numClasses: 2, head: { name: 'mlp', width: 8, depth: 2, dropout: 0.1 }, input }, new Rng(1));
      model.configureTraining(adamCfg({ name: 'adamw', weightDecay: 0.01 }));
      const trainRng = new Rng(3);
      const counts: number[] = [];
      for (let step = 0; step < 150; step++) {
        const rows = Int32Array.from({ length: 8 }, (_, i) => (step * 8 + i) % n);
        const { targets, weights } = targetsAndWeights(8, 2, trainRng);
        const l = model.trainStep(x, rows, targets, weights, loss, 0.01, 0.1, trainRng);
        assert.ok(Number.isFinite(l));
        if (step === 4 || step === 149) counts.push(tf.memory().numTensors);
      }
      assert.equal(counts[1], counts[0], `${input}: live tensors after 5 steps ${counts[0]}, after 150 ${counts[1]}`);
      model.dispose();
      assert.equal(tf.memory().numTensors, start, `${input}: everything freed`);
    }
  });
});
