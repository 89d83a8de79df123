/**
 * Ask overhead: milliseconds per ask at N completed trials, the way the Optuna anchor measures it
 * (../shared/anchors/optuna, section (b)): one 2,000-trial sequential run per repeat (seeds 1, 2, 3)
 * on x ∈ [-10, 10], f = x² (1-D) and f = Σ x_i² (5-D); "at N" = mean over asks N−49..N; median of
 * the 3 repeats. Printed beside Optuna 3.1's figures from overhead_per_trial_at_N.csv.
 *
 * The GP is timed on histories of N trials (made by tpe, the same for every repeat), 3 asks each,
 * median: a 2,000-trial GP run would take most of an hour and its fit is capped anyway.
 * Each configuration first runs `--warmup` (300) unmeasured asks in the same process, so the JIT
 * compiles before timing starts. CPU time per ask is printed too: on a shared machine it is the
 * steadier figure.
 *
 *   node dist/bench/ask-overhead.js [--ns 100,500,1000,2000] [--gp-ns 100,200,500] [--repeats 3]
 *     [--samplers tpe,tpe-mv,gp] [--anchors ../shared/anchors/optuna]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { deriveSeed, Rng } from '../src/math/rng.js';
import { SAMPLERS } from '../src/samplers/registry.js';
import type { SearchSpace } from '../src/space/types.js';
import type { Params, Trial } from '../src/study/types.js';
import type { Sampler } from '../src/samplers/base.js';
import { completePoint } from '../src/samplers/base.js';
import { anchorsDir, quantile, runSequential, syntheticTrial } from './problems.js';
import { BenchArgs } from './args.js';

const WINDOW = 50;

function space(dims: number): SearchSpace {
  const names = dims === 1 ? ['x'] : Array.from({ length: dims }, (_, i) => `x${i}`);
  return { params: names.map((key) => ({ key, dist: { kind: 'float', low: -10, high: 10, log: false }, conditions: [] })), fixed: {}, forbidden: [] };
}

const sphere = (p: Params) => Object.values(p).reduce((s: number, v) => s + (v as number) ** 2, 0);

function parseArgs(args: BenchArgs) {
  return {
    ns: args.list('ns', ['100', '500', '1000', '2000']).map(Number),
    gpNs: args.list('gp-ns', ['100', '200', '500']).map(Number),
    repeats: args.int('repeats', 3),
    warmup: args.int('warmup', 300, 0),
    samplers: args.list('samplers', ['tpe', 'tpe-mv', 'gp']),
    anchors: anchorsDir(args.get('anchors') || undefined),
  };
}

/** Optuna's ms per trial at N by config name, or undefined when the anchor folder is absent. */
function readOptuna(dir: string): Map<string, number> | undefined {
  const file = path.join(dir, 'overhead_per_trial_at_N.csv');
  if (!existsSync(file)) return undefined;
  const out = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
    const [config, n, ms] = line.split(',');
    out.set(`${config}/${n}`, Number(ms));
  }
  return out;
}

const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));

/** A sequential run timing each ask: wall milliseconds and CPU milliseconds of this process. */
function timedRun(sampler: Sampler, s: SearchSpace, seed: number, n: number): { wall: number[]; cpu: number[] } {
  const trials: Trial[] = [];
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const p = sampler.sample({ space: s, trials, rng: new Rng(deriveSeed(seed, 'sampler', i)), trialNumber: i, studySeed: seed, direction: 'minimize' });
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    const point = completePoint(s, p);
    trials.push(syntheticTrial(i, point, sphere(point)));
  }
  return { wall, cpu };
}

function windowMean(ms: number[], n: number): number {
  const w = ms.slice(Math.max(0, n - WINDOW), n);
  return w.reduce((a, b) => a + b, 0) / w.length;
}

function main(): void {
  const a = parseArgs(new BenchArgs());
  const optuna = readOptuna(a.anchors);
  const maxN = Math.max(...a.ns);
  console.log(`# ask overhead: ms per ask at N completed trials (mean of asks N-${WINDOW - 1}..N, median of ${a.repeats} runs of ${maxN} trials, seeds 1..${a.repeats})`);
  console.log(optuna ? `# Optuna 3.1 from ${path.join(a.anchors, 'overhead_per_trial_at_N.csv')}: 1-D "ask+suggest" (pure ask) and 5-D "optimize" (ask + objective + tell + storage: slightly more than an ask)` : `# Optuna anchor not found at ${a.anchors}: printing our figures only`);
  const rows: string[] = [];
  const tpeConfigs: Array<[string, Record<string, unknown>, number, string]> = [];
  if (a.samplers.includes('tpe')) tpeConfigs.push(['tpe 1-D', {}, 1, 'tpe_1d_ask+suggest_median3'], ['tpe 5-D', {}, 5, 'tpe_5d_optimize']);
  if (a.samplers.includes('tpe-mv')) tpeConfigs.push(['tpe multivariate 5-D', { multivariate: true }, 5, 'tpe_mv_5d_optimize']);
  for (const [label, options, dims, ref] of tpeConfigs) {
    const s = space(dims);
    // JIT warm-up (Python has none to pay): a short run in the same process, not measured
    if (a.warmup > 0) timedRun(SAMPLERS.tpe.create(options), s, 999, a.warmup);
    const perRepeat = Array.from({ length: a.repeats }, (_, r) => timedRun(SAMPLERS.tpe.create(options), s, r + 1, maxN));
    for (const n of a.ns) {
      const ours = quantile(perRepeat.map((t) => windowMean(t.wall, n)), 0.5);
      const oursCpu = quantile(perRepeat.map((t) => windowMean(t.cpu, n)), 0.5);
      const theirs = optuna?.get(`${ref}/${n}`);
      rows.push(`| ${label} | ${n} | ${fmt(ours)} | ${fmt(oursCpu)} | ${fmt(theirs)} (${ref}) | ${theirs ? fmt(ours / theirs) : '–'} |`);
    }
    const growth = quantile(perRepeat.map((t) => windowMean(t.wall, maxN) / windowMean(t.wall, Math.min(...a.ns))), 0.5);
    rows.push(`| ${label} | growth ${Math.min(...a.ns)}→${maxN} | ×${growth.toFixed(2)} (N ×${maxN / Math.min(...a.ns)}) | | | |`);
  }
  if (a.samplers.includes('gp')) {
    for (const dims of [1, 5]) {
      const s = space(dims);
      // one tpe history per dimension, long enough for every N
      const history = runSequential(SAMPLERS.tpe.create({}), s, sphere, 1, Math.max(...a.gpNs));
      for (const n of a.gpNs) {
        const trials: Trial[] = history.params.slice(0, n).map((p, i) => syntheticTrial(i, p, history.values[i]!));
        const gp = SAMPLERS.gp.create({});
        const times: number[] = [];
        const cpu: number[] = [];
        gp.sample({ space: s, trials, rng: new Rng(7), trialNumber: n, studySeed: 7, direction: 'minimize' }); // warm-up
        for (let r = 0; r < a.repeats; r++) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          gp.sample({ space: s, trials, rng: new Rng(deriveSeed(r + 1, 'sampler', n)), trialNumber: n, studySeed: r + 1, direction: 'minimize' });
          times.push(performance.now() - t0);
          const c = process.cpuUsage(c0);
          cpu.push((c.user + c.system) / 1000);
        }
        rows.push(`| gp ${dims}-D | ${n} | ${fmt(quantile(times, 0.5))} | ${fmt(quantile(cpu, 0.5))} | – (target ≤ 300 ms at N = 200) | – |`);
      }
    }
  }
  console.log('\n| sampler | N | ours ms/ask (wall) | ours CPU ms/ask | Optuna ms | ratio (wall) |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main();
