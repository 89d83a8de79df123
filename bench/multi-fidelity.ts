/**
 * Multi-fidelity schedulers on the anchor's learning-curve benchmark
 * (../shared/anchors/optuna/, part (c)): at a total budget of 2,430 epochs
 * (30 full trainings of 81), seeds 1..30, `crossing` and `consistent` curves,
 * the noise-free acc(81) of the trial the study reports as best, median and IQR
 * over seeds, beside Optuna 3.1's figures for the same protocol.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/multi-fidelity.js
 *   node dist/bench/multi-fidelity.js --curves crossing --schedulers asha,asha-extrapolated --seeds 5
 *   node dist/bench/multi-fidelity.js --list
 *
 * Flags: --curves a,b  --samplers random,tpe (default: random, and tpe when the
 * registry has it)  --schedulers NAME,... (the variants `bohb` and `bohb-extrapolated` fix
 * their sampler: bohb + hyperband, run once whatever --samplers says)  --seeds N  --seed-start S  --workers N
 * --budget EPOCHS  --anchors FILE  --json FILE (every run)  --list
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SamplerFactory } from '../src/samplers/base.js';
import { SAMPLERS } from '../src/samplers/registry.js';
import type { SchedulerFactory } from '../src/schedulers/base.js';
import { SCHEDULERS } from '../src/schedulers/registry.js';
import { BUDGET_EPOCHS, CURVE_FAMILIES, OPTIMUM, runCurveStudy, type CurveFamily } from './learning-curves.js';
import { BenchArgs } from './args.js';

/** A scheduler as the benchmark runs it, and the Optuna pruner it corresponds to (if any). */
interface Variant {
  name: string;
  /** A variant that fixes its sampler (bohb) runs once with it, whatever --samplers says. */
  sampler?: string;
  scheduler: string;
  options: Record<string, unknown>;
  optuna?: string;
  note: string;
}

const EXTRAPOLATED = { 'rank-by': 'extrapolated' } as const;
const CURVE_NOTE = 'rank by the predicted epoch-81 value; stop only when confidently below';

export const VARIANTS: Variant[] = [
  { name: 'fifo', scheduler: 'fifo', options: {}, optuna: 'none', note: 'no stopping' },
  { name: 'successive-halving', scheduler: 'successive-halving', options: {}, optuna: 'sha_rf3_min1', note: 'min 1, eta 3 (rungs 1,3,9,27)' },
  { name: 'successive-halving-eta4', scheduler: 'successive-halving', options: { 'reduction-factor': 4 }, optuna: 'sha_default', note: 'min 1, eta 4 (rungs 1,4,16,64)' },
  { name: 'hyperband', scheduler: 'hyperband', options: {}, optuna: 'hyperband', note: 'min 1, eta 3, 5 brackets' },
  { name: 'asha', scheduler: 'asha', options: {}, note: 'min 1, eta 3' },
  { name: 'median', scheduler: 'median', options: {}, optuna: 'median', note: '5 start-up trials' },
  { name: 'successive-halving+patience2', scheduler: 'successive-halving', options: { patience: 2 }, note: 'below the cut at 2 rungs in a row' },
  { name: 'asha+patience2', scheduler: 'asha', options: { patience: 2 }, note: 'below the cut at 2 rungs in a row' },
  { name: 'median+patience3', scheduler: 'median', options: { patience: 3 }, note: 'below the median 3 epochs in a row' },
  { name: 'successive-halving-extrapolated', scheduler: 'successive-halving', options: { ...EXTRAPOLATED }, note: CURVE_NOTE },
  { name: 'asha-extrapolated', scheduler: 'asha', options: { ...EXTRAPOLATED }, note: CURVE_NOTE },
  { name: 'hyperband-extrapolated', scheduler: 'hyperband', options: { ...EXTRAPOLATED }, note: CURVE_NOTE },
  { name: 'median-extrapolated', scheduler: 'median', options: { ...EXTRAPOLATED }, note: CURVE_NOTE },
  // BOHB: the sampler's TPE model is fitted per epoch; Optuna's nearest is TPE + HyperbandPruner
  { name: 'bohb', sampler: 'bohb', scheduler: 'hyperband', options: {}, optuna: 'hyperband', note: 'sampler bohb + hyperband (min 1, eta 3)' },
  { name: 'bohb-extrapolated', sampler: 'bohb', scheduler: 'hyperband', options: { ...EXTRAPOLATED }, note: `sampler bohb + hyperband; ${CURVE_NOTE}` },
];

interface Args {
  curves: CurveFamily[];
  samplers: string[];
  schedulers: string[];
  seeds: number;
  seedStart: number;
  workers: number;
  budget: number;
  anchors?: string;
  json?: string;
  list: boolean;
}

function parseArgs(argv: string[]): Args {
  const args = new BenchArgs(argv);
  // --custom NAME=SCHEDULER:{json options} (repeatable): extra variants for experiments
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--custom') continue;
    const m = /^([^=]+)=([^:]+):(.*)$/.exec(argv[i + 1] ?? '');
    if (!m || !(m[2]! in SCHEDULERS)) throw new Error(`--custom wants NAME=SCHEDULER:{json}, got ${argv[i + 1]}`);
    VARIANTS.push({ name: m[1]!, scheduler: m[2]!, options: JSON.parse(m[3]!) as Record<string, unknown>, note: 'custom' });
  }
  const samplers = (SAMPLERS as Record<string, SamplerFactory>)['tpe'] ? ['random', 'tpe'] : ['random'];
  const a: Args = {
    curves: args.list('curves', CURVE_FAMILIES) as CurveFamily[],
    samplers: args.list('samplers', samplers),
    schedulers: [...args.list('schedulers', VARIANTS.filter((v) => v.note !== 'custom').map((v) => v.name)), ...VARIANTS.filter((v) => v.note === 'custom').map((v) => v.name)],
    seeds: args.int('seeds', 30),
    seedStart: args.int('seed-start', 1),
    workers: args.int('workers', 1),
    budget: args.int('budget', BUDGET_EPOCHS),
    anchors: args.get('anchors'),
    json: args.get('json'),
    list: args.has('list'),
  };
  for (const c of a.curves) if (!(CURVE_FAMILIES as readonly string[]).includes(c)) throw new Error(`unknown curve family '${c}' (${CURVE_FAMILIES.join(', ')})`);
  for (const s of a.samplers) if (!(s in SAMPLERS)) throw new Error(`sampler '${s}' is not in the registry (${Object.keys(SAMPLERS).join(', ')})`);
  for (const s of a.schedulers) if (!VARIANTS.some((v) => v.name === s)) throw new Error(`unknown scheduler variant '${s}' (--list shows them)`);
  return a;
}

/** numpy's default (linear) percentile. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = ((s.length - 1) * p) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

type AnchorRow = Record<string, string>;

function findAnchors(explicit?: string): string | undefined {
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  // ../shared beside the repository: look upwards from the working folder and from this file
  const rel = path.join('shared', 'anchors', 'optuna', 'pruners_summary.csv');
  for (let dir of [process.cwd(), path.dirname(fileURLToPath(import.meta.url))]) {
    for (;;) {
      const c = path.join(dir, rel);
      if (existsSync(c)) return c;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

function readAnchors(file: string): AnchorRow[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const keys = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i]!, v])));
}

interface RunResult {
  curve: CurveFamily;
  sampler: string;
  variant: string;
  seed: number;
  bestTrue: number | null;
  bestObserved: number | null;
  trials: number;
  complete: number;
  epochs: number;
  wallMs: number;
}

const f4 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(4));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const v of VARIANTS) console.log(`${v.name.padEnd(34)} ${v.sampler ? `${v.sampler} + ` : ''}${v.scheduler} ${JSON.stringify(v.options)}  ${v.note}`);
    return;
  }
  const anchorFile = findAnchors(args.anchors);
  const anchors = anchorFile ? readAnchors(anchorFile) : [];
  console.log(`# Multi-fidelity benchmark: learning curves, budget ${args.budget} epochs, seeds ${args.seedStart}..${args.seedStart + args.seeds - 1}, ${args.workers} simulated worker(s)`);
  console.log(anchorFile ? `Optuna 3.1 figures from ${anchorFile}` : 'Optuna figures: pruners_summary.csv not found (pass --anchors FILE); printing ours only');
  if (!('tpe' in SAMPLERS)) console.log('Sampler tpe is not in the registry yet: random only.');
  const runs: RunResult[] = [];
  const t0 = performance.now();
  for (const curve of args.curves) {
    console.log(`\n## ${curve} (optimum ${OPTIMUM[curve].trueAcc.toFixed(4)})\n`);
    console.log('| sampler | scheduler | true acc(81) of best, median [Q1, Q3] | Optuna same pruner | Δ vs Optuna | trials | complete | epochs |');
    console.log('|---|---|---|---|---|---|---|---|');
    // each sampler with each variant; a variant that fixes its sampler (bohb) once
    const pairs: Array<{ samplerName: string; v: Variant }> = [];
    for (const samplerName of args.samplers) {
      for (const vname of args.schedulers) {
        const v = VARIANTS.find((x) => x.name === vname)!;
        if (!v.sampler) pairs.push({ samplerName, v });
      }
    }
    for (const vname of args.schedulers) {
      const v = VARIANTS.find((x) => x.name === vname)!;
      // skipped when --samplers already runs the same sampler with the same scheduler and options
      const same = (p: { samplerName: string; v: Variant }) => p.samplerName === v.sampler && p.v.scheduler === v.scheduler && JSON.stringify(p.v.options) === JSON.stringify(v.options);
      if (v.sampler && v.sampler in SAMPLERS && !pairs.some(same)) pairs.push({ samplerName: v.sampler, v });
    }
    for (const { samplerName, v } of pairs) {
      const mine: RunResult[] = [];
      for (let seed = args.seedStart; seed < args.seedStart + args.seeds; seed++) {
        const s0 = performance.now();
        const r = await runCurveStudy({
          family: curve,
          seed,
          sampler: (SAMPLERS as Record<string, SamplerFactory>)[samplerName]!.create({}),
          scheduler: (SCHEDULERS as Record<string, SchedulerFactory>)[v.scheduler]!.create(v.options),
          workers: args.workers,
          budget: args.budget,
        });
        mine.push({
          curve,
          sampler: samplerName,
          variant: v.name,
          seed,
          bestTrue: r.bestTrue ?? null,
          bestObserved: r.best?.metrics?.value ?? null,
          trials: r.trials.length,
          complete: r.trials.filter((t) => t.state === 'complete').length,
          epochs: r.epochs,
          wallMs: performance.now() - s0,
        });
      }
      runs.push(...mine);
      const vals = mine.map((m) => m.bestTrue ?? Number.NaN).filter((x) => !Number.isNaN(x));
      const med = percentile(vals, 50);
      const anchorSampler = samplerName === 'bohb' ? 'tpe' : samplerName;
      const anchor = v.optuna ? anchors.find((a) => a['curve'] === curve && a['sampler'] === anchorSampler && a['pruner'] === v.optuna) : undefined;
      const theirs = anchor ? Number(anchor['best_true_median']) : undefined;
      const cell = `${f4(med)} [${f4(percentile(vals, 25))}, ${f4(percentile(vals, 75))}]${vals.length < mine.length ? ` (${mine.length - vals.length} seeds without a complete trial)` : ''}`;
      const delta = theirs === undefined ? '—' : `${med - theirs >= 0 ? '+' : ''}${(med - theirs).toFixed(4)}`;
      const epochs = mine.map((m) => m.epochs);
      console.log(
        `| ${samplerName} | ${v.sampler ? `${v.name} (${v.scheduler}${v.options['rank-by'] ? `, rank-by ${String(v.options['rank-by'])}` : ''})` : v.name} | ${cell} | ${theirs === undefined ? '—' : `${f4(theirs)} (${anchorSampler === samplerName ? '' : `${anchorSampler} + `}${v.optuna})`} | ${delta} | ${percentile(mine.map((m) => m.trials), 50)} | ${percentile(mine.map((m) => m.complete), 50)} | ${Math.min(...epochs)}-${Math.max(...epochs)} |`,
      );
    }
  }
  console.log('\n## Targets (issue 3)\n');
  const targets: Array<{ curve: CurveFamily; value: number; what: string }> = [
    { curve: 'consistent', value: 0.9457, what: 'Optuna TPE + successive halving' },
    { curve: 'crossing', value: 0.9211, what: 'Optuna TPE without pruning' },
  ];
  for (const t of targets) {
    if (!args.curves.includes(t.curve)) continue;
    let best: { name: string; med: number } | undefined;
    for (const samplerName of [...args.samplers, ...new Set(VARIANTS.flatMap((v) => (v.sampler ? [v.sampler] : [])))]) {
      for (const v of VARIANTS) {
        if (v.scheduler === 'fifo' || (v.sampler !== undefined && v.sampler !== samplerName)) continue;
        const vals = runs.filter((r) => r.curve === t.curve && r.sampler === samplerName && r.variant === v.name && r.bestTrue !== null).map((r) => r.bestTrue!);
        if (vals.length === 0) continue;
        const med = percentile(vals, 50);
        if (!best || med > best.med) best = { name: `${samplerName} + ${v.name}`, med };
      }
    }
    if (best) console.log(`- ${t.curve}: best multi-fidelity ${best.name} = ${best.med.toFixed(4)} vs target ≥ ${t.value} (${t.what}): ${best.med >= t.value ? 'MET' : 'NOT met'}`);
  }
  console.log(`\n${runs.length} studies in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ args, runs }, null, 1));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
