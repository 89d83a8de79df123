/**
 * The wasm SIMD kernel for the head's dense layers (issue 8) against the tfjs-ops
 * path it replaces: the same model, seed and batches trained both ways give the
 * same losses and weights, over shapes with ragged tiles (rows not a multiple of 4,
 * widths not a multiple of 8), every optimizer, dropout, focal loss and mixup.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { SparseRows } from '../../../src/backbones/sparse.js';
import { Rng } from '../../../src/math/rng.js';
import { DEFAULT_OPTIMIZER } from '../../../src/strategies/registry.js';
import type { HeadConfig, LossConfig, OptimizerConfig } from '../../../src/strategies/types.js';
import { HeadModel } from '../../../src/trainer/head-model.js';
import { DenseStack, denseKernelStatus } from '../../../src/trainer/kernels/dense-kernel.js';
import { initBackend, tf } from '../../../src/trainer/tf-backend.js';

before(async () => {
  await initBackend();
});

const opt = (over: Partial<OptimizerConfig>): OptimizerConfig => ({ ...DEFAULT_OPTIMIZER, batchSize: 13, epochs: 1, ...over });

function denseData(n: number, d: number, rng: Rng): SparseRows {
  const values = new Float32Array(n * d);
  for (let i = 0; i < values.length; i++) values[i] = rng.normal(0, 1);
  return { n, dims: d, indptr: Int32Array.from({ length: n + 1 }, (_, i) => i * d), indices: Int32Array.from({ length: n * d }, (_, i) => i % d), values };
}

function sparseData(n: number, d: number, rng: Rng): SparseRows {
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = 2 + rng.int(0, 5);
    for (let t = 0; t < k; t++) {
      indices.push(rng.int(0, d - 1));
      values.push(0.2 + rng.next());
    }
    indptr[i + 1] = indices.length;
  }
  return { n, dims: d, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

interface Case {
  name: string;
  input: 'dense' | 'sparse';
  inputDim: number;
  classes: number;
  head: HeadConfig;
  opt: OptimizerConfig;
  loss: LossConfig;
  mixup?: boolean;
}

const CASES: Case[] = [
  { name: 'dense MLP depth 2, dropout, AdamW', input: 'dense', inputDim: 19, classes: 3, head: { name: 'mlp', width: 24, depth: 2, dropout: 0.2 }, opt: opt({ name: 'adamw', weightDecay: 0.01 }), loss: { focalGamma: 0, labelSmoothing: 0.1 } },
  { name: 'dense linear head, input dropout, Adam with L2', input: 'dense', inputDim: 10, classes: 5, head: { name: 'linear', width: 0, depth: 0, dropout: 0.3 }, opt: opt({ weightDecay: 0.001 }), loss: { focalGamma: 0, labelSmoothing: 0 } },
  { name: 'sparse MLP, focal loss, SGD with momentum and L2, mixup', input: 'sparse', inputDim: 50, classes: 2, head: { name: 'mlp', width: 12, depth: 1, dropout: 0.1 }, opt: opt({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.001 }), loss: { focalGamma: 2, labelSmoothing: 0 }, mixup: true },
  { name: 'sparse linear head', input: 'sparse', inputDim: 40, classes: 4, head: { name: 'linear', width: 0, depth: 0, dropout: 0 }, opt: opt({}), loss: { focalGamma: 0, labelSmoothing: 0 } },
];

/** Trains a fresh model for `steps` batches (the last one short); returns the losses and the model. */
function train(c: Case, path: 'auto' | 'tfjs', steps: number, sizes?: number[]): { losses: number[]; model: HeadModel } {
  const rng = new Rng(42);
  const x = c.input === 'dense' ? denseData(60, c.inputDim, rng.fork('data')) : sparseData(60, c.inputDim, rng.fork('data'));
  const model = new HeadModel({ inputDim: c.inputDim, numClasses: c.classes, head: c.head, input: c.input }, rng.fork('init'));
  model.configureTraining(c.opt, path);
  const trainRng = rng.fork('train');
  const mixRng = rng.fork('mixup');
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const B = sizes?.[s] ?? (s === steps - 1 ? 5 : c.opt.batchSize);
    const rows = Int32Array.from({ length: B }, () => trainRng.int(0, x.n - 1));
    const targets = new Float32Array(B * c.classes);
    const weights = new Float32Array(B);
    for (let i = 0; i < B; i++) {
      const y = rows[i]! % c.classes;
      for (let k = 0; k < c.classes; k++) targets[i * c.classes + k] = k === y ? 1 - c.loss.labelSmoothing : c.loss.labelSmoothing / (c.classes - 1);
      weights[i] = 0.5 + (rows[i]! % 3) / 2;
    }
    losses.push(model.trainStep(x, rows, targets, weights, c.loss, c.opt.lr, c.head.dropout, trainRng, c.mixup ? { mixup: { alpha: 0.4, rng: mixRng } } : {}));
  }
  return { losses, model };
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
  return m;
}

describe('dense-layer wasm kernel', () => {
  it('is used on the wasm and cpu backends, never on tensorflow, and can be switched off', () => {
    assert.equal(denseKernelStatus('wasm', undefined).use, true);
    assert.equal(denseKernelStatus('cpu', '').use, true);
    assert.equal(denseKernelStatus('tensorflow', undefined).use, false);
    assert.equal(denseKernelStatus('wasm', 'off').use, false);
    const bad = denseKernelStatus('wasm', 'yes');
    assert.equal(bad.use, false);
    assert.match(bad.why, /HYBRIDTUNE_DENSE_KERNEL=yes is not on or off/);
    const m = new HeadModel({ inputDim: 4, numClasses: 2, head: { name: 'mlp', width: 8, depth: 1, dropout: 0 }, input: 'dense' }, new Rng(1));
    m.configureTraining(opt({}));
    assert.equal(m.trainingPath(), tf.getBackend() === 'tensorflow' ? 'tfjs ops' : 'wasm SIMD kernel');
    m.configureTraining(opt({}), 'tfjs');
    assert.equal(m.trainingPath(), 'tfjs ops');
    m.dispose();
  });

  for (const c of CASES) {
    it(`${c.name}: the same losses and weights as the tfjs ops`, () => {
      const steps = 12;
      // one model at a time: tfjs variable names are global
      const a = train(c, 'tfjs', steps);
      const wa = a.model.snapshot();
      a.model.dispose();
      const b = train(c, 'auto', steps);
      assert.equal(b.model.trainingPath(), 'wasm SIMD kernel');
      const wb = b.model.snapshot();
      b.model.dispose();
      // the loops keep tfjs's order of operations: equal up to float32 rounding at most
      assert.ok(maxRelDiff(b.losses, a.losses) < 1e-5, `losses ${b.losses} vs ${a.losses}`);
      assert.ok(maxRelDiff(wb.table, wa.table) < 1e-4);
      wa.dense.forEach((w, i) => assert.ok(maxRelDiff(wb.dense[i]!, w) < 1e-4, `weight ${i}`));
    });
  }

  it('predictions, saved weights and restore see the weights the kernel trained', () => {
    const c = CASES[0]!;
    const { model } = train(c, 'auto', 6);
    const x = denseData(9, c.inputDim, new Rng(3));
    const before = model.snapshot();
    const p = model.predictProba(x);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-kernel-'));
    try {
      model.save(dir);
      model.dispose();
      const loaded = HeadModel.load(dir);
      assert.deepEqual(Array.from(loaded.predictProba(x)), Array.from(p));
      loaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // restore(): predictions and further training start from the restored weights
    const fresh = train(c, 'auto', 0).model;
    fresh.restore(before);
    assert.deepEqual(Array.from(fresh.predictProba(x)), Array.from(p));
    fresh.dispose();
    const again = train(c, 'auto', 6);
    const cont = (m: HeadModel) => {
      const rows = Int32Array.from({ length: 4 }, (_, i) => i);
      const t = new Float32Array(4 * c.classes).map((_, i) => (i % c.classes === 0 ? 1 : 0));
      return m.trainStep(x, rows, t, new Float32Array(4).fill(1), c.loss, c.opt.lr, 0, new Rng(9));
    };
    const l1 = cont(again.model);
    again.model.dispose();
    const other = train(c, 'auto', 3).model;
    other.restore(before);
    // Adam's moments and step differ, the weights are the same: the first loss after restore is the same
    assert.equal(cont(other), l1);
    other.dispose();
  });

  it('never grows a memory (a grow detaches an ArrayBuffer, which slows every typed-array access in V8 from then on)', () => {
    const proto = WebAssembly.Memory.prototype as unknown as { grow: (pages: number) => number };
    const grow = proto.grow;
    let grows = 0;
    proto.grow = function (this: WebAssembly.Memory, pages: number) {
      grows++;
      return grow.call(this, pages);
    };
    // batches of 2 planned, then one of 5: the kernel moves to a new, larger memory, weights and moments with it,
    // and trains on from there exactly as the tfjs ops do
    const c: Case = { ...CASES[0]!, opt: opt({ name: 'adamw', weightDecay: 0.01, batchSize: 2 }) };
    const sizes = [2, 2, 5, 2, 3, 2];
    const ref = train(c, 'tfjs', sizes.length, sizes);
    ref.model.dispose();
    try {
      const { model, losses } = train(c, 'auto', sizes.length, sizes);
      assert.equal(model.trainingPath(), 'wasm SIMD kernel');
      model.dispose();
      assert.ok(maxRelDiff(losses, ref.losses) < 1e-5, `losses ${losses} vs ${ref.losses}`);
    } finally {
      proto.grow = grow;
    }
    assert.equal(grows, 0);
  });

  it('keeps its memory flat over many steps and batch sizes', () => {
    const stack = new DenseStack([{ fanIn: 16, fanOut: 8 }, { fanIn: 8, fanOut: 2 }], opt({ batchSize: 7 }), 16);
    const rng = new Rng(5);
    const run = (B: number, step: number) =>
      stack.step({
        input: Float32Array.from({ length: B * 16 }, () => rng.normal(0, 1)),
        B,
        reluInput: false,
        dropout: 0.1,
        dropoutSeeds: [null, step],
        lossGrad: (logits) => ({ loss: 0, grad: logits.map((v) => v / B) }),
        inputGrad: false,
        lr: 0.01,
        step,
      });
    for (let s = 1; s <= 5; s++) run(s % 2 ? 32 : 7, s);
    const bytes = stack.memoryBytes();
    for (let s = 6; s <= 300; s++) run(s % 2 ? 32 : 7, s);
    assert.equal(stack.memoryBytes(), bytes);
  });
});
