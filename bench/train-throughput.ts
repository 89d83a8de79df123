/**
 * Head-training throughput against PyTorch on one CPU thread (issue 8).
 *
 *   node dist/bench/train-throughput.js [--repeats 3] [--rows dense32,dense128,sparse] [--examples 8000] [--no-torch]
 *
 * Rows:
 * - dense32 / dense128: our HeadModel in dense-input mode (the path trials take on
 *   encoder features), MLP 384 → 256 → 2, ReLU, dropout 0.1, Adam (lr 1e-3), batch 32
 *   or 128, on 8,000 random examples (normal features, random 0/1 labels); one epoch
 *   per repeat after a warm-up, examples/s.
 * - sparse: the n-gram head of the default recipe (word 1–2-gram hashing into 2^18
 *   buckets, tf-idf; an embedding bag straight to the 2 logits, Adam lr 0.01, batch 64)
 *   on SST-2's 67,349 training sentences from ../shared/data/sst2; the wall time of one
 *   epoch per repeat (featurising excluded).
 *
 * Each row is run twice per repeat: on the path trials take (the dense layers on the
 * wasm SIMD kernel, src/trainer/kernels/, where the backend is wasm or cpu) and with
 * every step in tfjs ops (`configureTraining(cfg, 'tfjs')`, the trainer before the
 * kernel), so the kernel's gain is measured in the same run.
 *
 * Each figure is the median of the repeats. When a `python3` can import `torch`
 * ($HYBRIDTUNE_PYTHON, then `python3`, then /usr/bin/python3), bench/torch_throughput.py
 * trains the same models on the same inputs (this process writes the dense matrix and
 * the featuriser's CSR rows to a temp folder) with torch.set_num_threads(1): each of
 * its repeats runs right after the same repeat of ours, so both see the same load on a
 * shared machine, and the ratio printed is the median of the per-pair ratios. When no
 * Python has torch, the bench says so and prints our figures alone.
 *
 * HYBRIDTUNE_BACKEND=tensorflow|wasm|cpu forces the TensorFlow.js backend (best available otherwise).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_NGRAM_HASH, NgramHashFeaturizer } from '../src/backbones/ngram-hash.js';
import type { SparseRows } from '../src/backbones/sparse.js';
import { loadTask } from '../src/data/load-task.js';
import { Rng } from '../src/math/rng.js';
import { DEFAULT_OPTIMIZER } from '../src/strategies/registry.js';
import type { HeadConfig, OptimizerConfig } from '../src/strategies/types.js';
import { HeadModel } from '../src/trainer/head-model.js';
import { initBackend, tf } from '../src/trainer/tf-backend.js';
import { BenchArgs, median } from './args.js';

const args = new BenchArgs();
const REPEATS = args.int('repeats', 3);
const ROWS = args.list('rows', ['dense32', 'dense128', 'sparse']);
const N_DENSE = args.int('examples', 8000);
const NO_TORCH = args.has('no-torch');
const D_IN = 384;
const HIDDEN = 256;
const SST2 = path.resolve(process.cwd(), '../shared/data/sst2/train.tsv');
const HERE = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/ → bench/torch_throughput.py in the source tree
const TORCH_SCRIPT = path.resolve(HERE, '../../bench/torch_throughput.py');

type TrainPath = 'auto' | 'tfjs';
let pathUsed = '';

function adam(lr: number, batchSize: number): OptimizerConfig {
  return { ...DEFAULT_OPTIMIZER, lr, batchSize, epochs: 1 };
}

/** One epoch as trainTrial runs it: a permutation, per-batch targets and weights, trainStep. */
function epoch(model: HeadModel, x: SparseRows, y: Int32Array, C: number, batch: number, lr: number, dropout: number, rng: Rng, maxSteps = Infinity): number {
  const order = rng.permutation(x.n);
  let lossSum = 0;
  let steps = 0;
  for (let start = 0; start < x.n && steps < maxSteps; start += batch, steps++) {
    const rows = order.subarray(start, Math.min(x.n, start + batch));
    const targets = new Float32Array(rows.length * C);
    for (let i = 0; i < rows.length; i++) targets[i * C + y[rows[i]!]!] = 1;
    const w = new Float32Array(rows.length).fill(1);
    const loss = model.trainStep(x, rows, targets, w, { focalGamma: 0, labelSmoothing: 0 }, lr, dropout, rng);
    if (!Number.isFinite(loss)) throw new Error('the loss diverged');
    lossSum += loss * rows.length;
  }
  return lossSum / x.n;
}

interface Row {
  name: string;
  job: string;
  unit: 'ex/s' | 's/epoch';
  run: (r: number, path: TrainPath) => number;
  ours: number[];
  tfjsOps: number[];
  torch: number[];
}

function denseData(rng: Rng): { x: SparseRows; y: Int32Array; flat: Float32Array } {
  const flat = new Float32Array(N_DENSE * D_IN);
  for (let i = 0; i < flat.length; i++) flat[i] = rng.normal(0, 1);
  const y = new Int32Array(N_DENSE);
  for (let i = 0; i < N_DENSE; i++) y[i] = rng.next() < 0.5 ? 0 : 1;
  const indptr = new Int32Array(N_DENSE + 1);
  for (let i = 0; i <= N_DENSE; i++) indptr[i] = i * D_IN;
  const indices = new Int32Array(N_DENSE * D_IN);
  for (let i = 0; i < indices.length; i++) indices[i] = i % D_IN;
  return { x: { n: N_DENSE, dims: D_IN, indptr, indices, values: flat }, y, flat };
}

/** One repeat of a dense row: examples/s of one epoch after a warm-up. */
function denseRepeat(batch: number, x: SparseRows, y: Int32Array, r: number, trainPath: TrainPath): number {
  const head: HeadConfig = { name: 'mlp', width: HIDDEN, depth: 1, dropout: 0.1 };
  const rng = new Rng(100 + r);
  const model = new HeadModel({ inputDim: D_IN, numClasses: 2, head, input: 'dense' }, rng.fork('init'));
  model.configureTraining(adam(1e-3, batch), trainPath);
  if (trainPath === 'auto') pathUsed = model.trainingPath();
  const trainRng = rng.fork('train');
  epoch(model, x, y, 2, batch, 1e-3, head.dropout, trainRng, 20); // warm-up: kernels, slots, JIT
  const t0 = performance.now();
  epoch(model, x, y, 2, batch, 1e-3, head.dropout, trainRng);
  const rate = x.n / ((performance.now() - t0) / 1000);
  model.dispose();
  return rate;
}

/** One repeat of the sparse row: seconds for one epoch. */
function sparseRepeat(x: SparseRows, y: Int32Array, r: number, trainPath: TrainPath): number {
  const head: HeadConfig = { name: 'linear', width: 0, depth: 0, dropout: 0 };
  const rng = new Rng(200 + r);
  const model = new HeadModel({ inputDim: x.dims, numClasses: 2, head, input: 'sparse' }, rng.fork('init'));
  model.configureTraining(adam(0.01, 64), trainPath);
  const trainRng = rng.fork('train');
  const t0 = performance.now();
  epoch(model, x, y, 2, 64, 0.01, 0, trainRng);
  const seconds = (performance.now() - t0) / 1000;
  model.dispose();
  return seconds;
}

/**
 * The first Python that imports torch: $HYBRIDTUNE_PYTHON, `python3` on the PATH, then the
 * system one (Debian's python3-torch installs into /usr/bin/python3, which a pyenv or venv
 * `python3` earlier on the PATH does not see).
 */
function torchPython(): { python: string; version: string } | null {
  const candidates = [process.env['HYBRIDTUNE_PYTHON'], 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const python of [...new Set(candidates)]) {
    const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
    if (!r.error && r.status === 0) return { python, version: r.stdout.trim() };
  }
  return null;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ht-train-bench-'));
  const rows: Row[] = [];
  try {
    const rng = new Rng(7);
    if (ROWS.some((r) => r.startsWith('dense'))) {
      const d = denseData(rng);
      writeFileSync(path.join(tmp, 'dense_x.f32'), d.flat);
      writeFileSync(path.join(tmp, 'dense_y.i32'), d.y);
      writeFileSync(path.join(tmp, 'dense_meta.json'), JSON.stringify({ n: N_DENSE, d: D_IN, hidden: HIDDEN }));
      for (const name of ROWS.filter((r) => r.startsWith('dense'))) {
        const batch = Number(name.slice('dense'.length));
        rows.push({ name: `dense MLP ${D_IN}→${HIDDEN}→2, batch ${batch}`, job: `dense:${batch}`, unit: 'ex/s', run: (r, p) => denseRepeat(batch, d.x, d.y, r, p), ours: [], tfjsOps: [], torch: [] });
      }
    }
    let sparseSkipped = false;
    if (ROWS.includes('sparse')) {
      if (!existsSync(SST2)) {
        sparseSkipped = true;
      } else {
        const data = await loadTask(
          { data: { train: SST2, validation: path.resolve(path.dirname(SST2), 'dev.tsv') }, text: 'sentence', label: 'label', metric: 'accuracy' },
          { baseDir: process.cwd(), seed: 1 },
        );
        const f = new NgramHashFeaturizer(DEFAULT_NGRAM_HASH).fit(data.train.texts);
        const x = f.transform(data.train.texts);
        writeFileSync(path.join(tmp, 'sparse_indptr.i32'), x.indptr);
        writeFileSync(path.join(tmp, 'sparse_indices.i32'), x.indices);
        writeFileSync(path.join(tmp, 'sparse_values.f32'), x.values);
        writeFileSync(path.join(tmp, 'sparse_y.i32'), data.train.y);
        writeFileSync(path.join(tmp, 'sparse_meta.json'), JSON.stringify({ n: x.n, dims: x.dims }));
        const y = data.train.y;
        rows.push({ name: `sparse n-gram head (2^18 buckets → 2), SST-2 train ${x.n}, batch 64`, job: 'sparse:64', unit: 's/epoch', run: (r, p) => sparseRepeat(x, y, r, p), ours: [], tfjsOps: [], torch: [] });
      }
    }

    const py = NO_TORCH ? null : torchPython();
    // each repeat of ours is followed at once by the same repeat in PyTorch, so that both
    // see the same load on a shared machine; the ratio is the median of the per-pair ratios
    for (const row of rows) {
      for (let r = 0; r < REPEATS; r++) {
        row.ours.push(row.run(r, 'auto'));
        row.tfjsOps.push(row.run(r, 'tfjs'));
        if (!py) continue;
        const out = spawnSync(py.python, [TORCH_SCRIPT, '--dir', tmp, '--repeats', '1', '--first-repeat', String(r), '--jobs', row.job], { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (out.status !== 0) throw new Error(`torch_throughput.py failed: ${out.stderr}`);
        const res = JSON.parse(out.stdout.trim().split('\n').pop()!) as Record<string, number[]>;
        row.torch.push(res[row.job]![0]!);
      }
    }

    console.log(`Head training throughput, TensorFlow.js backend ${tf.getBackend()} (${backend.name}), median of ${REPEATS} repeats`);
    console.log(
      NO_TORCH
        ? 'PyTorch baseline: skipped (--no-torch)'
        : py
          ? `PyTorch ${py.version} (${py.python}) on the same inputs, one thread (torch.set_num_threads(1)), each repeat right after ours`
          : 'PyTorch baseline: not run — no python3 on this machine can import torch and numpy (apt-get install python3-torch); our figures only',
    );
    console.log(`our trainer's dense layers: ${pathUsed || 'not run'}; "tfjs ops": the same trainer with every step in TensorFlow.js ops (as before the kernel)`);
    console.log('| model | ours | PyTorch | ratio (our speed / PyTorch\'s) | ratio per repeat | ours, tfjs ops | its ratio to PyTorch |');
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) {
      const fmt = (v: number) => (row.unit === 'ex/s' ? `${Math.round(v).toLocaleString('en-US')} ex/s` : `${v.toFixed(2)} s/epoch`);
      // speed ratio: for epoch times, PyTorch's time over ours
      const ratios = row.torch.map((t, i) => (row.unit === 'ex/s' ? row.ours[i]! / t : t / row.ours[i]!));
      const t = row.torch.length ? fmt(median(row.torch)) : '—';
      const ratio = ratios.length ? `${median(ratios).toFixed(2)}×` : '—';
      const opsRatios = row.torch.map((t, i) => (row.unit === 'ex/s' ? row.tfjsOps[i]! / t : t / row.tfjsOps[i]!));
      const opsRatio = opsRatios.length ? `${median(opsRatios).toFixed(2)}×` : '—';
      console.log(`| ${row.name} | ${fmt(median(row.ours))} | ${t} | ${ratio} | ${ratios.map((q) => q.toFixed(2)).join(', ') || '—'} | ${fmt(median(row.tfjsOps))} | ${opsRatio} |`);
    }
    if (sparseSkipped) console.log(`sparse row skipped: ${SST2} is missing`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
