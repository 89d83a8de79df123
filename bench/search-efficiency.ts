/**
 * Search efficiency: simple regret (best value so far − f*) of the samplers on the Optuna anchor's
 * problems (bench/problems.ts), seeds 1..30, read at budgets 50 and 200 of one 200-trial run per
 * (problem, sampler, seed), as the anchor does. Prints median [Q1, Q3] beside Optuna 3.1's figures
 * from ../shared/anchors/optuna/efficiency_summary.csv and the ratio ours / Optuna.
 *
 *   node dist/bench/search-efficiency.js [--problems branin2,hartmann6,levy10,rosenbrock10,mixedcond]
 *     [--samplers random,sobol,tpe,tpe-mv,gp] [--seeds 30 | --seeds 1-10] [--budget 50,200]
 *     [--workers 2] [--anchors ../shared/anchors/optuna] [--json out.json]
 *
 * Never part of `npm test`: the figures depend on the machine only for the wall time column.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Sampler } from '../src/samplers/base.js';
import { SAMPLERS } from '../src/samplers/registry.js';
import { anchorsDir, PROBLEMS, quantile, regretCurve, runSequential } from './problems.js';
import { BenchArgs } from './args.js';

/** Bench sampler names → registry sampler + options, and the Optuna row each is compared with. */
export const BENCH_SAMPLERS: Record<string, { sampler: keyof typeof SAMPLERS; options: Record<string, unknown>; optuna: string; label: string }> = {
  random: { sampler: 'random', options: {}, optuna: 'random', label: 'random' },
  sobol: { sampler: 'sobol', options: {}, optuna: 'qmc', label: 'sobol' },
  tpe: { sampler: 'tpe', options: {}, optuna: 'tpe', label: 'tpe' },
  'tpe-mv': { sampler: 'tpe', options: { multivariate: true }, optuna: 'tpe_mv', label: 'tpe multivariate' },
  'tpe-indep': { sampler: 'tpe', options: { multivariate: false }, optuna: 'tpe', label: 'tpe independent' },
  gp: { sampler: 'gp', options: {}, optuna: 'tpe', label: 'gp' },
  // our TPE configured like Optuna 3.1's (global split, no branch exploration): checks the port
  'tpe-as-optuna': { sampler: 'tpe', options: { multivariate: false, split: 'global', 'branch-exploration': 0, 'kernel-scale': 'height' }, optuna: 'tpe', label: 'tpe as Optuna 3.1' },
  'tpe-mv-as-optuna': {
    sampler: 'tpe',
    options: { multivariate: true, bandwidth: 'scott', 'joint-weight': 1, split: 'global', 'branch-exploration': 0, 'kernel-scale': 'height' },
    optuna: 'tpe_mv',
    label: 'tpe mv as Optuna 3.1',
  },
};

interface Task {
  problem: string;
  sampler: string;
  seed: number;
  maxBudget: number;
}

interface TaskResult extends Task {
  curve: number[];
  wallMs: number;
}

function runTask(t: Task): TaskResult {
  const spec = BENCH_SAMPLERS[t.sampler]!;
  const p = PROBLEMS[t.problem]!;
  const sampler: Sampler = SAMPLERS[spec.sampler].create(spec.options);
  const t0 = performance.now();
  const run = runSequential(sampler, p.space, p.value, t.seed, t.maxBudget, 'minimize');
  return { ...t, curve: regretCurve(run.values, p.fStar), wallMs: performance.now() - t0 };
}

interface Args {
  problems: string[];
  samplers: string[];
  seeds: number[];
  budgets: number[];
  workers: number;
  anchors: string;
  json?: string;
}

function parseArgs(args: BenchArgs): Args {
  const problems = args.list('problems', Object.keys(PROBLEMS));
  const samplers = args.list('samplers', ['random', 'sobol', 'tpe', 'tpe-mv', 'gp']);
  for (const p of problems) if (!PROBLEMS[p]) throw new Error(`unknown problem ${p}; known: ${Object.keys(PROBLEMS).join(', ')}`);
  for (const s of samplers) if (!BENCH_SAMPLERS[s]) throw new Error(`unknown sampler ${s}; known: ${Object.keys(BENCH_SAMPLERS).join(', ')}`);
  const seedArg = args.string('seeds', '30');
  let seeds: number[];
  if (seedArg.includes('-')) {
    const [a, b] = seedArg.split('-').map(Number) as [number, number];
    seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (seedArg.includes(',')) {
    seeds = seedArg.split(',').map(Number);
  } else {
    seeds = Array.from({ length: Number(seedArg) }, (_, i) => i + 1);
  }
  const budgets = args.list('budget', ['50', '200']).map(Number).sort((a, b) => a - b);
  const workers = args.int('workers', 2);
  const anchors = anchorsDir(args.get('anchors'));
  return { problems, samplers, seeds, budgets, workers, anchors, json: args.get('json') };
}

type OptunaRow = { median: number; q25: number; q75: number };

/** Optuna's summary rows keyed `problem/sampler/budget`, or undefined when the anchor folder is absent. */
function readOptuna(dir: string): Map<string, OptunaRow> | undefined {
  const file = path.join(dir, 'efficiency_summary.csv');
  if (!existsSync(file)) return undefined;
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const at = (name: string) => cols.indexOf(name);
  const out = new Map<string, OptunaRow>();
  for (const line of lines) {
    const c = line.split(',');
    out.set(`${c[at('problem')]}/${c[at('sampler')]}/${c[at('budget')]}`, { median: Number(c[at('median_regret')]), q25: Number(c[at('q25')]), q75: Number(c[at('q75')]) });
  }
  return out;
}

const fmt = (x: number) => (Number.isNaN(x) ? '–' : x === 0 ? '0' : Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(4));
const fmtRow = (m: number, a: number, b: number) => `${fmt(m)} [${fmt(a)}, ${fmt(b)}]`;

async function runAll(tasks: Task[], workers: number): Promise<TaskResult[]> {
  if (workers <= 1) return tasks.map(runTask);
  const results: TaskResult[] = [];
  const queue = [...tasks];
  const self = fileURLToPath(import.meta.url);
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, tasks.length) }, async () => {
      const w = new Worker(self, { workerData: { worker: true } });
      let pending: { resolve: (r: TaskResult) => void; reject: (e: unknown) => void } | undefined;
      w.on('message', (r: TaskResult) => pending?.resolve(r));
      w.on('error', (e) => pending?.reject(e));
      try {
        for (;;) {
          const t = queue.shift();
          if (!t) break;
          const r = await new Promise<TaskResult>((resolve, reject) => {
            pending = { resolve, reject };
            w.postMessage(t);
          });
          results.push(r);
          done++;
          if (done % 25 === 0) process.stderr.write(`  ${done}/${tasks.length} runs\n`);
        }
      } finally {
        await w.terminate();
      }
    }),
  );
  return results;
}

async function main(): Promise<void> {
  const a = parseArgs(new BenchArgs());
  const maxBudget = a.budgets[a.budgets.length - 1]!;
  const tasks: Task[] = [];
  // slow samplers first, so the workers finish together
  const cost = (s: string) => (s === 'gp' ? 3 : s.startsWith('tpe') ? 2 : 1);
  for (const problem of a.problems) for (const sampler of a.samplers) for (const seed of a.seeds) tasks.push({ problem, sampler, seed, maxBudget });
  tasks.sort((x, y) => cost(y.sampler) - cost(x.sampler));
  const optuna = readOptuna(a.anchors);
  console.log(`# search efficiency: ${a.problems.length} problems × ${a.samplers.length} samplers × ${a.seeds.length} seeds (${a.seeds[0]}..${a.seeds[a.seeds.length - 1]}), budgets ${a.budgets.join(', ')}, ${a.workers} worker(s)`);
  if (!optuna) console.log(`# Optuna anchor not found at ${a.anchors} (efficiency_summary.csv): printing our figures only`);
  else console.log(`# Optuna 3.1 figures from ${path.join(a.anchors, 'efficiency_summary.csv')}; ratio = ours / Optuna (median); gp is compared with Optuna's tpe`);
  const t0 = performance.now();
  const results = await runAll(tasks, a.workers);
  const summary: Array<Record<string, unknown>> = [];
  for (const problem of a.problems) {
    console.log(`\n## ${problem}\n`);
    const head = ['sampler', ...a.budgets.flatMap((b) => [`ours @${b}`, `Optuna @${b}`, 'ratio']), ...(problem === 'mixedcond' ? ['stuck in C @' + maxBudget] : []), 'run s (mean)'];
    console.log(`| ${head.join(' | ')} |`);
    console.log(`|${head.map(() => '---').join('|')}|`);
    for (const sampler of a.samplers) {
      const rs = results.filter((r) => r.problem === problem && r.sampler === sampler);
      const spec = BENCH_SAMPLERS[sampler]!;
      const cells: string[] = [spec.label];
      const row: Record<string, unknown> = { problem, sampler, seeds: rs.length };
      for (const b of a.budgets) {
        const reg = rs.map((r) => r.curve[b - 1]!);
        const med = quantile(reg, 0.5);
        const q1 = quantile(reg, 0.25);
        const q3 = quantile(reg, 0.75);
        const ref = optuna?.get(`${problem}/${spec.optuna}/${b}`);
        cells.push(fmtRow(med, q1, q3), ref ? `${fmtRow(ref.median, ref.q25, ref.q75)} (${spec.optuna})` : '–', ref ? fmt(med / ref.median) : '–');
        Object.assign(row, { [`median@${b}`]: med, [`q25@${b}`]: q1, [`q75@${b}`]: q3, [`optuna@${b}`]: ref?.median });
      }
      if (problem === 'mixedcond') {
        const stuck = rs.filter((r) => r.curve[maxBudget - 1]! >= 0.5 - 1e-9).length;
        cells.push(`${stuck}/${rs.length}`);
        row['stuck'] = stuck;
      }
      cells.push((rs.reduce((s, r) => s + r.wallMs, 0) / rs.length / 1000).toFixed(2));
      console.log(`| ${cells.join(' | ')} |`);
      summary.push(row);
    }
  }
  console.log(`\n# Optuna on mixedcond at 200 (anchor README): stuck in C in 10/30 (tpe), 9/30 (tpe_mv), 19/30 (tpe_mv_group), 0/30 (random, qmc)`);
  console.log(`# total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (a.json) writeFileSync(a.json, JSON.stringify({ args: a, summary, runs: results.map(({ curve, ...r }) => ({ ...r, regret: a.budgets.map((b) => curve[b - 1]) })) }, null, 1));
}

if (isMainThread) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if ((workerData as { worker?: boolean })?.worker) {
  parentPort!.on('message', (t: Task) => parentPort!.postMessage(runTask(t)));
}
