/**
 * Search on real data (issue 3): `search-spaces/sst2.yaml`, each sampler for each seed, the
 * best dev (validation) accuracy after 10, 20 and 40 trials, median over seeds. The sweeps run
 * through the library exactly as `hybridtune sweep` runs them (prepareNewSweep + runStudy, the
 * space file's scheduler and budgets), one worker each so the machine stays usable.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/real-data-search.js
 *   node dist/bench/real-data-search.js --samplers tpe,random --seeds 5 --trials 40 --results /tmp/rd.json
 *   node dist/bench/real-data-search.js --results /tmp/rd.json --table      # the table of what finished
 *
 * Flags: --space FILE (default search-spaces/sst2.yaml)  --samplers a,b  --seeds N  --seed-start S
 * --trials N  --checkpoints 10,20,40  --workers N (default 1)  --trials-dir DIR (default a fresh
 * temporary folder)  --trial-timeout SEC (a longer trial fails, as with `sweep --trial-timeout`)  --results FILE (every finished sweep is appended; sweeps already in it are
 * skipped, so an interrupted run continues)  --table (print from --results, run nothing).
 * Sweeps run seed by seed (every sampler at seed 1, then seed 2, ...), so a run stopped early
 * still compares the samplers on the same seeds.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKENDS, type BackendKind } from '../src/execution/registry.js';
import { runStudy } from '../src/study/run-study.js';
import { prepareNewSweep, studyRunOptions } from '../src/study/setup.js';
import { initBackend } from '../src/trainer/tf-backend.js';
import { BenchArgs, median } from './args.js';

interface SweepResult {
  sampler: string;
  seed: number;
  /** Validation value of each trial in number order (null: not complete). */
  values: Array<number | null>;
  /** Seconds the sweep took. */
  seconds: number;
  endedBy: string;
}

interface Args {
  space: string;
  samplers: string[];
  seeds: number;
  seedStart: number;
  trials: number;
  checkpoints: number[];
  workers: number;
  trialsDir?: string;
  results?: string;
  /** Seconds; a trial training longer is stopped and counted as failed (`--trial-timeout` of sweep). */
  trialTimeout?: number;
  table: boolean;
}

function parseArgs(args: BenchArgs): Args {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // dist/bench/ → the repository root
  const root = [path.resolve(here, '..', '..'), path.resolve(here, '..')].find((d) => existsSync(path.join(d, 'search-spaces'))) ?? process.cwd();
  const trials = args.int('trials', 40);
  const checkpoints = args
    .list('checkpoints', ['10', '20', '40'])
    .map(Number)
    .filter((k) => Number.isInteger(k) && k > 0 && k <= trials);
  return {
    space: args.get('space') ?? path.join(root, 'search-spaces', 'sst2.yaml'),
    samplers: args.list('samplers', ['tpe', 'random']),
    seeds: args.int('seeds', 5),
    seedStart: args.int('seed-start', 1),
    trials,
    checkpoints: checkpoints.length ? checkpoints : [trials],
    workers: args.int('workers', 1),
    trialsDir: args.get('trials-dir'),
    results: args.get('results'),
    ...(args.get('trial-timeout') !== undefined ? { trialTimeout: args.int('trial-timeout', 1) } : {}),
    table: args.has('table'),
  };
}

function readResults(file: string | undefined): SweepResult[] {
  if (!file || !existsSync(file)) return [];
  return JSON.parse(readFileSync(file, 'utf8')) as SweepResult[];
}

/** Best value among the first k trials (complete ones only); undefined when none completed. */
function bestAfter(values: Array<number | null>, k: number): number | undefined {
  let best: number | undefined;
  for (const v of values.slice(0, k)) if (v !== null && (best === undefined || v > best)) best = v;
  return best;
}


async function runSweep(a: Args, sampler: string, seed: number, trialsRoot: string): Promise<SweepResult> {
  const tfb = await initBackend();
  const t0 = performance.now();
  const prepared = await prepareNewSweep(a.space, { name: `real-data-${sampler}-seed${seed}`, sampler, seed, nTrials: a.trials, workers: a.workers, ...(a.trialTimeout ? { trialTimeoutSec: a.trialTimeout } : {}) }, trialsRoot, tfb.name);
  try {
    const { store, execution } = prepared;
    const backend = BACKENDS[execution.backend as BackendKind].create({ devices: execution.devices });
    let endedBy: string;
    try {
      ({ endedBy } = await runStudy({ ...studyRunOptions(prepared), backend }));
    } finally {
      await backend.close();
    }
    const values = [...store.trials()].sort((x, y) => x.number - y.number).map((t) => (t.state === 'complete' && t.metrics && Number.isFinite(t.metrics.value) ? t.metrics.value : null));
    return { sampler, seed, values, seconds: (performance.now() - t0) / 1000, endedBy };
  } finally {
    prepared.store.releaseLock();
  }
}

function printTable(a: Args, results: SweepResult[]): void {
  const seedsOf = (s: string) => results.filter((r) => r.sampler === s).map((r) => r.seed).sort((x, y) => x - y);
  console.log(`\n| sampler | seeds | ${a.checkpoints.map((k) => `best dev acc after ${k} (median [min, max])`).join(' | ')} | minutes per sweep (median) |`);
  console.log(`|---|---|${a.checkpoints.map(() => '---|').join('')}---|`);
  for (const s of a.samplers) {
    const mine = results.filter((r) => r.sampler === s);
    if (mine.length === 0) continue;
    const cells = a.checkpoints.map((k) => {
      const vals = mine.filter((r) => r.values.length >= k).map((r) => bestAfter(r.values, k)).filter((v): v is number => v !== undefined);
      if (vals.length === 0) return '—';
      const n = vals.length < mine.length ? ` (${vals.length} sweeps)` : '';
      return `${median(vals).toFixed(4)} [${Math.min(...vals).toFixed(4)}, ${Math.max(...vals).toFixed(4)}]${n}`;
    });
    console.log(`| ${s} | ${seedsOf(s).join(',')} | ${cells.join(' | ')} | ${(median(mine.map((r) => r.seconds)) / 60).toFixed(1)} |`);
  }
  // the per-seed figures, for pairing the samplers seed by seed
  console.log(`\nper seed, best after ${a.checkpoints.join(' / ')} trials:`);
  for (const r of [...results].sort((x, y) => x.seed - y.seed || x.sampler.localeCompare(y.sampler))) {
    console.log(`  seed ${r.seed} ${r.sampler.padEnd(8)} ${a.checkpoints.map((k) => bestAfter(r.values, k)?.toFixed(4) ?? '—').join(' / ')}  (${r.values.length} trials, ${(r.seconds / 60).toFixed(1)} min, ended by ${r.endedBy})`);
  }
}

async function main(): Promise<void> {
  const a = parseArgs(new BenchArgs());
  const results = readResults(a.results);
  console.log(`# Real-data search: ${path.relative(process.cwd(), a.space) || a.space}, ${a.trials} trials, samplers ${a.samplers.join(', ')}, seeds ${a.seedStart}..${a.seedStart + a.seeds - 1}, ${a.workers} worker(s)${a.trialTimeout ? `, trial timeout ${a.trialTimeout} s` : ''}`);
  if (!a.table) {
    const root = a.trialsDir ?? mkdtempSync(path.join(os.tmpdir(), 'hybridtune-real-data-'));
    console.log(`studies under ${root}`);
    for (let seed = a.seedStart; seed < a.seedStart + a.seeds; seed++) {
      for (const sampler of a.samplers) {
        if (results.some((r) => r.sampler === sampler && r.seed === seed && r.values.length >= a.trials)) continue;
        const r = await runSweep(a, sampler, seed, root);
        results.push(r);
        if (a.results) writeFileSync(a.results, JSON.stringify(results, null, 1));
        console.log(`seed ${seed} ${sampler}: best after ${a.checkpoints.join('/')} = ${a.checkpoints.map((k) => bestAfter(r.values, k)?.toFixed(4) ?? '—').join(' / ')} (${(r.seconds / 60).toFixed(1)} min)`);
      }
    }
  }
  printTable(a, results.filter((r) => a.samplers.includes(r.sampler) && r.seed >= a.seedStart && r.seed < a.seedStart + a.seeds));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
