/**
 * Fine-tuning throughput: examples per second of one optimisation step (forward,
 * backward, AdamW update) at sequence length 64, per adapt mode, on the
 * tiny-random-bert fixture and on a random BERT-base-sized encoder (same graph:
 * 12 layers, hidden 768, 12 heads, FFN 3072, vocabulary 30522). The baseline,
 * measured in the same run, is a forward pass without gradients on the same batch.
 *
 *   node dist/bench/finetune-throughput.js [--batch 8] [--steps 3] [--sizes fixture,base] [--modes full,lora,top-k,bitfit]
 *
 * Each (size, mode) runs in a child process: a mode that runs out of memory (full
 * fine-tuning of BERT-base needs weights + gradients + two Adam moments, more than
 * the wasm heap holds) aborts the WebAssembly module, and the others still run.
 *
 * HYBRIDTUNE_BACKEND=tensorflow|wasm|cpu forces the TensorFlow.js backend (best available otherwise).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { EncoderConfig } from '../src/backbones/transformer/config.js';
import { loadTransformerWeights } from '../src/backbones/transformer/load.js';
import { TransformerEncoder, type TokenBatch } from '../src/backbones/transformer/model.js';
import { randomWeights, type EncoderWeights } from '../src/backbones/transformer/weights.js';
import { Rng } from '../src/math/rng.js';
import type { AdaptConfig } from '../src/strategies/types.js';
import { TransformerClassifier } from '../src/trainer/finetune/classifier.js';
import { FineTuner } from '../src/trainer/finetune/train-finetune.js';
import { initBackend, tf } from '../src/trainer/tf-backend.js';
import { BenchArgs } from './args.js';

const args = new BenchArgs();
const BATCH = args.int('batch', 8);
const STEPS = args.int('steps', 3);
const SEQ = args.int('seq', 64);
const SIZES = args.list('sizes', ['fixture', 'base']);
const MODES = args.list('modes', ['full', 'lora', 'top-k', 'bitfit']) as Array<AdaptConfig['mode']>;
const FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/tiny-random-bert');

const BERT_BASE: EncoderConfig = {
  family: 'bert',
  vocabSize: 30522,
  hidden: 768,
  layers: 12,
  heads: 12,
  intermediate: 3072,
  maxPositions: 512,
  typeVocab: 2,
  layerNormEps: 1e-12,
  activation: 'gelu',
  padTokenId: 0,
};

function randomBatch(c: EncoderConfig, rng: Rng): TokenBatch {
  const n = BATCH * SEQ;
  const ids = new Int32Array(n);
  const mask = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) ids[i] = rng.int(5, c.vocabSize - 1);
  // a little padding at the end of every other row, as real batches have
  for (let b = 1; b < BATCH; b += 2) for (let t = SEQ - 8; t < SEQ; t++) (ids[b * SEQ + t] = c.padTokenId), (mask[b * SEQ + t] = 0);
  return { batch: BATCH, length: SEQ, ids, mask, types: new Int32Array(n) };
}

function time(f: () => void, repeats: number): number {
  f(); // warm-up: kernels compiled, optimizer slots created
  const t0 = performance.now();
  for (let i = 0; i < repeats; i++) f();
  return (performance.now() - t0) / 1000 / repeats;
}

interface Sizes {
  label: string;
  config: EncoderConfig;
  weights: () => EncoderWeights;
}

const SIZE_DEFS: Record<string, () => Sizes | undefined> = {
  fixture: () => {
    if (!existsSync(FIXTURE)) return undefined;
    return { label: 'tiny-random-bert (fixture)', config: loadTransformerWeights(FIXTURE).config, weights: () => loadTransformerWeights(FIXTURE).weights };
  },
  base: () => {
    const rng = new Rng(2);
    return { label: 'random BERT-base-sized encoder', config: BERT_BASE, weights: () => randomWeights(BERT_BASE, () => rng.normal(0, 1)) };
  },
};

const head = { name: 'linear' as const, width: 0, depth: 0, dropout: 0.1 };

/** In a child: one measurement, printed as a JSON line. */
async function child(size: string, mode: string): Promise<void> {
  await initBackend();
  const def = SIZE_DEFS[size]!()!;
  const weights = def.weights();
  const rng = new Rng(1);
  const batch = randomBatch(def.config, rng);
  const targets = new Float32Array(BATCH * 2);
  for (let i = 0; i < BATCH; i++) targets[i * 2 + (i % 2)] = 1;
  const enc = new TransformerEncoder(def.config, weights);
  if (mode === 'forward') {
    const clf = new TransformerClassifier(enc, { numClasses: 2, head, pooling: 'cls', maxLength: SEQ }, rng.fork('head'));
    const dt = time(() => tf.tidy(() => clf.logits(batch)).dataSync(), STEPS);
    console.log(JSON.stringify({ seconds: dt, params: [...weights.values()].reduce((a, w) => a + w.data.length, 0) }));
    return;
  }
  const adapt: AdaptConfig = { mode: mode as AdaptConfig['mode'], topK: 2, loraRank: 8, loraAlpha: 16, unfreezeEvery: 1, layerDecay: 1 };
  if (mode === 'lora') enc.addLora(8, 16, rng.fork('lora'));
  const clf = new TransformerClassifier(enc, { numClasses: 2, head, pooling: 'cls', maxLength: SEQ }, rng.fork('head'));
  const plan = {
    optimizer: { name: 'adamw' as const, lr: 2e-5, batchSize: BATCH, epochs: 1, momentum: 0, weightDecay: 0.01, beta1: 0.9, beta2: 0.999 },
    loss: { focalGamma: 0, labelSmoothing: 0 },
    head,
  };
  const tuner = new FineTuner(clf, adapt, plan, 0.1);
  let seed = 0;
  const step = () => tuner.trainStep({ batch, targets, weights: new Float32Array(BATCH).fill(1), seed: seed++ }, 2e-5);
  step();
  const after1 = tf.memory().numTensors;
  const dt = time(step, STEPS);
  console.log(JSON.stringify({ seconds: dt, trainable: tuner.trainableCount(), leaked: tf.memory().numTensors - after1 }));
}

function measure(size: string, mode: string): { seconds?: number; params?: number; trainable?: number; leaked?: number; error?: string } {
  const self = fileURLToPath(import.meta.url);
  const args = [self, '--child', size, mode, '--batch', String(BATCH), '--steps', String(STEPS), '--seq', String(SEQ)];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status === 0 && line) return JSON.parse(line) as { seconds: number };
  const err = `${r.stderr}`.split('\n').find((l) => /Error|Abort|memory/i.test(l)) ?? `exit ${r.status}`;
  return { error: /Abort/.test(err) ? 'aborted: out of WebAssembly memory' : err.trim().slice(0, 120) };
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  await child(process.argv[childAt + 1]!, process.argv[childAt + 2]!);
} else {
  const backend = await initBackend();
  console.log(`TensorFlow.js backend: ${backend.name}${backend.tried.length ? ` (not available: ${backend.tried.map((t) => t.name).join(', ')})` : ''}; batch ${BATCH} × length ${SEQ}, ${STEPS} timed step(s) after one warm-up`);
  for (const size of SIZES) {
    const def = SIZE_DEFS[size]?.();
    if (!def) {
      console.log(`${size}: not available, skipped`);
      continue;
    }
    const c = def.config;
    const fwd = measure(size, 'forward');
    console.log(`\n${def.label}: ${c.layers} layers, hidden ${c.hidden}, ${c.heads} heads, FFN ${c.intermediate}${fwd.params ? `, ${(fwd.params / 1e6).toFixed(2)}M weights` : ''}`);
    if (fwd.seconds === undefined) {
      console.log(`  forward: ${fwd.error}`);
      continue;
    }
    const fwdRate = BATCH / fwd.seconds;
    console.log(`  forward only (baseline)   ${fwdRate.toFixed(2).padStart(9)} examples/s   ${(fwd.seconds * 1000).toFixed(0).padStart(7)} ms/batch`);
    for (const mode of MODES) {
      const r = measure(size, mode);
      const name = `step, ${mode}${mode === 'top-k' ? ' (k=2)' : mode === 'lora' ? ' (r=8)' : ''}`.padEnd(25);
      if (r.seconds === undefined) {
        console.log(`  ${name} ${r.error}`);
        continue;
      }
      const rate = BATCH / r.seconds;
      console.log(
        `  ${name} ${rate.toFixed(2).padStart(9)} examples/s   ${(r.seconds * 1000).toFixed(0).padStart(7)} ms/step   ${(rate / fwdRate).toFixed(2)}× forward   ${(r.trainable! / 1e6).toFixed(3)}M trainable   ${r.leaked === 0 ? 'tensors flat' : `+${r.leaked} tensors per step`}`,
      );
    }
  }
}
