/**
 * How busy the cores are during a CPU sweep with one slot per core, and what the
 * controller (the main thread: study loop, store writes with fsync, messages) costs per
 * trial against the trial's own time. Real trials (n-gram backbone, spam corpus) through
 * runStudy, the lowdb store on disk and the device pool, as `hybridtune sweep` runs them.
 *
 *   node dist/bench/cores-busy.js [--trials 40] [--max-train 1500] [--backend threads|processes] [--workers N]
 *
 * Figures: CPU time of the sweep's threads (and slot processes) / (wall × slots), the
 * machine-wide busy share from /proc/stat over the same window (other programs count
 * there too), main-thread CPU ms per trial (from /proc/self/task/<pid>/stat) against
 * the mean trial duration, over the whole window (slots starting up included) and
 * from the 5th ended trial on (the controller's cost per trial once the slots run).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { loadTask } from '../src/data/load-task.js';
import { DevicePool } from '../src/execution/device-pool.js';
import { parseSpace } from '../src/space/load-space.js';
import { SAMPLERS } from '../src/samplers/registry.js';
import { SCHEDULERS } from '../src/schedulers/registry.js';
import { STORE_FORMAT_VERSION } from '../src/store/base.js';
import { LowdbStore } from '../src/store/lowdb-store.js';
import { runStudy } from '../src/study/run-study.js';
import type { StudyMeta } from '../src/study/types.js';
import { BenchArgs } from './args.js';


const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of a /proc stat line, in ms. */
function statMs(file: string): number {
  const text = readFileSync(file, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}

/** Machine-wide busy and total jiffies. */
function machine(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3]! + cpu[4]!;
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const SPACE = (maxTrain: number) => `
task:
  data: { train: builtin:spam-assassin, split: { validation: 0.2 }, max-train: ${maxTrain} }
  text: text
  label: label
search:
  optimizer: { choices: [adam, adamw, sgd] }
  optimizer.lr: { float: [0.005, 0.2], log: true }
  optimizer.epochs: { int: [2, 4] }
  head: { choices: [linear, mlp] }
  head.mlp.width: { int: [8, 64], log: true }
  balance: { choices: [none, oversample, class-weight] }
  schedule: { choices: [constant, cosine] }
`;

async function main(): Promise<void> {
  const args = new BenchArgs();
  const nTrials = args.int('trials', 40);
  const maxTrain = args.int('max-train', 1500);
  const cpu = args.string('backend', 'threads') as 'threads' | 'processes';
  const cores = availableParallelism();
  const workers = args.int('workers', cores);
  const config = parseSpace(SPACE(maxTrain), path.join(process.cwd(), 'cores-busy.yaml'));
  const data = await loadTask(config.task, { baseDir: process.cwd(), seed: 1 });
  const root = mkdtempSync(path.join(os.tmpdir(), 'ht-cores-'));
  const meta = { format: 'hybridtune-study', formatVersion: STORE_FORMAT_VERSION, name: 'cores', direction: 'maximize', runs: [] } as unknown as StudyMeta;
  const store = await LowdbStore.create(path.join(root, 'study'), meta);
  const backend = new DevicePool({ devices: [{ id: 'cpu', slots: workers }], cpu });
  const mainThread = `/proc/self/task/${process.pid}/stat`;
  // the window includes every slot's start-up (TensorFlow.js and the data, once per slot), as a sweep pays it
  const m0 = machine();
  const t0 = performance.now();
  const p0 = statMs('/proc/self/stat');
  const main0 = statMs(mainThread);
  const childCpu = new Map<number, number>();
  // the main thread's CPU when the 5th trial had ended: from there on no slot is starting up
  let steady: { done: number; cpu: number } | undefined;
  const sampleChildren = () => {
    const done = store.trials().filter((t) => t.state === 'complete' || t.state === 'failed' || t.state === 'pruned').length;
    if (!steady && done >= 5) steady = { done, cpu: statMs(mainThread) };
    for (const t of store.trials()) {
      const pid = /^proc-(\d+)$/.exec(t.worker ?? '')?.[1];
      if (!pid) continue;
      try {
        childCpu.set(Number(pid), statMs(`/proc/${pid}/stat`));
      } catch {
        // exited
      }
    }
  };
  const timer = setInterval(sampleChildren, 200);
  await runStudy({
    store,
    space: config.space,
    sampler: SAMPLERS.random.create({}),
    scheduler: SCHEDULERS.fifo.create({}),
    backend,
    data: { task: config.task, baseDir: process.cwd(), seed: 1, fingerprint: data.fingerprint },
    metric: 'macro-f1',
    direction: 'maximize',
    seed: 3,
    nTrials,
  });
  sampleChildren();
  clearInterval(timer);
  const wall = performance.now() - t0;
  const procCpu = statMs('/proc/self/stat') - p0;
  const mainCpu = statMs(mainThread) - main0;
  const m1 = machine();
  await backend.close();
  const trials = store.trials();
  const durations = trials.map((t) => (t.duration ?? 0) * 1000);
  const meanTrial = durations.reduce((a, b) => a + b, 0) / durations.length;
  const childrenCpu = [...childCpu.values()].reduce((a, b) => a + b, 0);
  const sweepCpu = procCpu + childrenCpu;
  const failed = trials.filter((t) => t.state === 'failed').length;
  console.log(`CPU sweep: ${nTrials} trials, ${workers} ${cpu === 'threads' ? 'worker threads' : 'worker processes'} on ${cores} cores, spam-assassin max-train ${maxTrain}, lowdb store on disk; ${failed} failed`);
  console.log('| figure | value |');
  console.log('|---|---|');
  console.log(`| wall time | ${(wall / 1000).toFixed(1)} s (${((wall / nTrials) * workers / 1000).toFixed(2)} s per trial per slot) |`);
  console.log(`| sweep CPU / (wall × slots) | ${((sweepCpu / (wall * workers)) * 100).toFixed(1)} % |`);
  console.log(`| sweep CPU / (wall × cores) | ${((sweepCpu / (wall * cores)) * 100).toFixed(1)} % |`);
  console.log(`| machine busy (/proc/stat, all programs) | ${(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100).toFixed(1)} % |`);
  console.log(`| mean trial duration (worker-measured) | ${meanTrial.toFixed(0)} ms |`);
  console.log(`| main-thread CPU per trial, start-up included | ${(mainCpu / nTrials).toFixed(1)} ms (${((mainCpu / nTrials / meanTrial) * 100).toFixed(2)} % of a trial) |`);
  if (steady && steady.done < nTrials) {
    const perTrial = (main0 + mainCpu - steady.cpu) / (nTrials - steady.done);
    console.log(`| main-thread CPU per trial, after the first ${steady.done} trials | ${perTrial.toFixed(1)} ms (${((perTrial / meanTrial) * 100).toFixed(2)} % of a trial) |`);
  }
  console.log(`| slot utilisation: Σ trial time / (wall × slots) | ${((durations.reduce((a, b) => a + b, 0) / (wall * workers)) * 100).toFixed(1)} % |`);
  console.log(`| trials.json at the end | ${(readFileSync(path.join(root, 'study', 'trials.json')).length / 1024).toFixed(0)} KiB |`);
  rmSync(root, { recursive: true, force: true });
}

await main();
