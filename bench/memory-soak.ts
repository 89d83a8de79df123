/**
 * Memory over a long sweep: runs many real trials (n-gram backbone, spam corpus) through
 * the study loop on the inline backend and prints RSS, JS heap and live tf tensors as the
 * sweep goes, as ratios against the values after the warm-up trials of the same run.
 *
 *   node dist/bench/memory-soak.js [--trials 200] [--warmup 10]
 */
import { loadTask } from '../src/data/load-task.js';
import { InlineBackend } from '../src/execution/inline.js';
import { parseSpace } from '../src/space/load-space.js';
import { SAMPLERS } from '../src/samplers/registry.js';
import { SCHEDULERS } from '../src/schedulers/registry.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { STORE_FORMAT_VERSION } from '../src/store/base.js';
import { runStudy } from '../src/study/run-study.js';
import type { StudyMeta } from '../src/study/types.js';
import { initBackend, tf } from '../src/trainer/tf-backend.js';
import { BenchArgs } from './args.js';


const SPACE = `
task:
  data: { train: builtin:spam-assassin, split: { validation: 0.2 }, max-train: 1500 }
  text: text
  label: label
search:
  optimizer: { choices: [adam, adamw, sgd] }
  optimizer.lr: { float: [0.005, 0.2], log: true }
  optimizer.epochs: { int: [1, 3] }
  head: { choices: [linear, mlp] }
  head.mlp.width: { int: [8, 64], log: true }
  balance: { choices: [none, oversample, class-weight, focal] }
  schedule: { choices: [constant, cosine, one-cycle] }
  regularize.dropout: { float: [0, 0.5] }
  augment.eda: { choices: [false, true] }
  augment.eda.copies: 1
`;

async function main(): Promise<void> {
  const args = new BenchArgs();
  const nTrials = args.int('trials', 200);
  const warmup = args.int('warmup', 10);
  const backend = (await initBackend()).name;
  const config = parseSpace(SPACE, 'memory-soak.yaml');
  const data = await loadTask(config.task, { baseDir: process.cwd(), seed: 1 });
  const meta = { format: 'hybridtune-study', formatVersion: STORE_FORMAT_VERSION, name: 'soak', direction: 'maximize' } as StudyMeta;
  const store = new MemoryStore(meta);
  const samples: Array<{ trial: number; rss: number; heap: number; tensors: number }> = [];
  const t0 = performance.now();
  await runStudy({
    store,
    space: config.space,
    sampler: SAMPLERS.random.create({}),
    scheduler: SCHEDULERS.fifo.create({}),
    backend: new InlineBackend(),
    data: { task: config.task, baseDir: process.cwd(), seed: 1, fingerprint: data.fingerprint },
    metric: 'macro-f1',
    direction: 'maximize',
    seed: 1,
    nTrials,
    onEvent: (e) => {
      if (e.type !== 'trial-end') return;
      const m = process.memoryUsage();
      samples.push({ trial: samples.length + 1, rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20, tensors: tf.memory().numTensors });
    },
  });
  const secs = (performance.now() - t0) / 1000;
  const base = samples[Math.min(warmup, samples.length) - 1]!;
  console.log(`memory over ${nTrials} trials on the ${backend} backend (${secs.toFixed(0)} s); baseline = after trial ${base.trial}`);
  console.log('| trial | RSS MiB | RSS / baseline | heap MiB | heap / baseline | live tensors |');
  console.log('|---|---|---|---|---|---|');
  const marks = [warmup, Math.round(nTrials * 0.25), Math.round(nTrials * 0.5), Math.round(nTrials * 0.75), nTrials].filter((v, i, a) => v >= 1 && a.indexOf(v) === i);
  for (const k of marks) {
    const s = samples[k - 1]!;
    console.log(`| ${s.trial} | ${s.rss.toFixed(0)} | ${(s.rss / base.rss).toFixed(3)} | ${s.heap.toFixed(0)} | ${(s.heap / base.heap).toFixed(3)} | ${s.tensors} |`);
  }
  const failed = store.trials().filter((t) => t.state === 'failed').length;
  console.log(`failed trials: ${failed}; live tensors stayed ${Math.min(...samples.map((s) => s.tensors))}..${Math.max(...samples.map((s) => s.tensors))}`);
}

await main();
