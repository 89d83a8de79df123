/**
 * The benchmark problems of the Optuna anchor (../shared/anchors/optuna/README.md, section (a)),
 * exactly as defined there: all minimised, simple regret = best value so far − f*.
 * Each is a search space the samplers see (same parameter names, ranges and scales as Optuna's
 * suggest calls) and an objective over the proposed params.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveSeed, Rng } from '../src/math/rng.js';
import { completePoint, type Sampler } from '../src/samplers/base.js';
import type { Distribution } from '../src/space/distributions.js';
import type { ParamSpec, SearchSpace } from '../src/space/types.js';
import type { Direction, Params, Trial } from '../src/study/types.js';

export interface Problem {
  name: string;
  space: SearchSpace;
  value(p: Params): number;
  fStar: number;
}

const uniform = (low: number, high: number): Distribution => ({ kind: 'float', low, high, log: false });

function boxSpace(bounds: Array<[number, number]>): SearchSpace {
  return { params: bounds.map(([lo, hi], i) => ({ key: `x${i}`, dist: uniform(lo, hi), conditions: [] })), fixed: {}, forbidden: [] };
}

const xs = (p: Params, d: number): number[] => Array.from({ length: d }, (_, i) => p[`x${i}`] as number);

export const BRANIN_F_STAR = 5 / (4 * Math.PI);

export function branin(x1: number, x2: number): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * Math.cos(x1) + s;
}

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => 1e-4 * v));

export function hartmann6(x: number[]): number {
  let f = 0;
  for (let i = 0; i < 4; i++) {
    let s = 0;
    for (let j = 0; j < 6; j++) s += H6_A[i]![j]! * (x[j]! - H6_P[i]![j]!) ** 2;
    f -= H6_ALPHA[i]! * Math.exp(-s);
  }
  return f;
}

export function levy(x: number[]): number {
  const w = x.map((v) => 1 + (v - 1) / 4);
  const d = w.length;
  let f = Math.sin(Math.PI * w[0]!) ** 2;
  for (let i = 0; i < d - 1; i++) f += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
  f += (w[d - 1]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]!) ** 2);
  return f;
}

export function rosenbrock(x: number[]): number {
  let f = 0;
  for (let i = 0; i < x.length - 1; i++) f += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (x[i]! - 1) ** 2;
  return f;
}

const C_OFFSET: Record<string, number> = { p: 0, q: 0.2, r: 0.4, s: 0.6 };

export function mixedValue(p: Params): number {
  const b = p['branch'];
  if (b === 'A') return branin(p['xa'] as number, p['ya'] as number) - BRANIN_F_STAR + 1.0;
  if (b === 'B') return 0.05 * ((p['n'] as number) - 7) ** 2 + (Math.log10(p['z'] as number) - Math.log10(0.3)) ** 2 + ((p['w'] as number) - 0.2) ** 2;
  return 0.5 + C_OFFSET[p['k'] as string]! + 2.0 * ((p['u'] as number) - 0.7) ** 2;
}

const when = (branch: string) => [{ key: 'branch', values: [branch] }];

const MIXED_SPACE: SearchSpace = {
  params: [
    { key: 'branch', dist: { kind: 'categorical', choices: ['A', 'B', 'C'] }, conditions: [] },
    { key: 'xa', dist: uniform(-5, 10), conditions: when('A') },
    { key: 'ya', dist: uniform(0, 15), conditions: when('A') },
    { key: 'n', dist: { kind: 'int', low: 1, high: 20, log: false, step: 1 }, conditions: when('B') },
    { key: 'z', dist: { kind: 'float', low: 1e-3, high: 10, log: true }, conditions: when('B') },
    { key: 'w', dist: uniform(0, 1), conditions: when('B') },
    { key: 'k', dist: { kind: 'categorical', choices: ['p', 'q', 'r', 's'] }, conditions: when('C') },
    { key: 'u', dist: uniform(0, 1), conditions: when('C') },
  ] satisfies ParamSpec[],
  fixed: {},
  forbidden: [],
};

export const PROBLEMS: Record<string, Problem> = {
  branin2: { name: 'branin2', space: boxSpace([[-5, 10], [0, 15]]), value: (p) => branin(p['x0'] as number, p['x1'] as number), fStar: BRANIN_F_STAR },
  hartmann6: { name: 'hartmann6', space: boxSpace(Array.from({ length: 6 }, () => [0, 1] as [number, number])), value: (p) => hartmann6(xs(p, 6)), fStar: -3.322368011415515 },
  levy10: { name: 'levy10', space: boxSpace(Array.from({ length: 10 }, () => [-10, 10] as [number, number])), value: (p) => levy(xs(p, 10)), fStar: 0 },
  rosenbrock10: { name: 'rosenbrock10', space: boxSpace(Array.from({ length: 10 }, () => [-5, 10] as [number, number])), value: (p) => rosenbrock(xs(p, 10)), fStar: 0 },
  mixedcond: { name: 'mixedcond', space: MIXED_SPACE, value: mixedValue, fStar: 0 },
};

/** A finished trial record as a store would hold it, for feeding samplers outside a real study. */
export function syntheticTrial(number: number, params: Params, value: number, state: Trial['state'] = 'complete'): Trial {
  const base: Trial = { number, state, params, seed: number, intermediate: [], createdAt: '2026-01-01T00:00:00.000Z' };
  if (state !== 'complete') return base;
  return {
    ...base,
    intermediate: [{ epoch: 1, value, loss: value, lr: 0, elapsed: 0 }],
    metrics: { value, bestEpoch: 1, validation: { accuracy: value, macroF1: value, confusion: [], perClass: [] }, trainExamples: 0, notes: [] },
  };
}

export interface SequentialRun {
  values: number[];
  params: Params[];
  /** Milliseconds each ask took. */
  askMs: number[];
}

/**
 * Runs `budget` sequential trials of a sampler on an objective, the way the study loop asks
 * (a fresh generator per trial from the seed and the trial number, every earlier trial visible).
 */
export function runSequential(sampler: Sampler, space: SearchSpace, objective: (p: Params) => number, seed: number, budget: number, direction: Direction = 'minimize'): SequentialRun {
  const trials: Trial[] = [];
  const values: number[] = [];
  const params: Params[] = [];
  const askMs: number[] = [];
  for (let number = 0; number < budget; number++) {
    const t0 = performance.now();
    const proposal = sampler.sample({ space, trials, rng: new Rng(deriveSeed(seed, 'sampler', number)), trialNumber: number, studySeed: seed, direction });
    askMs.push(performance.now() - t0);
    const point = completePoint(space, proposal);
    const v = objective(point);
    values.push(v);
    params.push(point);
    trials.push(syntheticTrial(number, point, v));
  }
  return { values, params, askMs };
}

/** Best-so-far regret after each trial. */
export function regretCurve(values: number[], fStar: number): number[] {
  const out: number[] = [];
  let best = Infinity;
  for (const v of values) {
    best = Math.min(best, v);
    out.push(best - fStar);
  }
  return out;
}

/** Quantile by linear interpolation between order statistics (numpy's default), q in [0, 1]. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/**
 * The Optuna anchor folder: --anchors, else $HYBRIDTUNE_ANCHORS, else ../shared/anchors/optuna from
 * the working directory or from the repository (dist/bench/x.js and bench/x.ts both find it).
 */
export function anchorsDir(flag?: string): string {
  if (flag) return path.resolve(flag);
  const env = process.env['HYBRIDTUNE_ANCHORS'];
  if (env) return path.resolve(env);
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve('../shared/anchors/optuna'), path.resolve(here, '../../../shared/anchors/optuna'), path.resolve(here, '../../shared/anchors/optuna')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
