/**
 * The synthetic learning-curve benchmark of the Optuna anchor
 * (`../shared/anchors/optuna/scripts/learning_curve.py`), shared by the simulated
 * backend's tests and `bench/multi-fidelity.ts`.
 *
 *   u = log10 lr, v = log2 width, d = dropout
 *   final = max(0.05, 0.95 - 0.15 (u + 2.5)² - 0.05 (v - 6)² - 1.5 (d - 0.2)²)
 *   tau   = 3 sqrt(0.1 / lr) (1 + 2d)   ("crossing": slow low-lr configs are best at the end)
 *         = 10                          ("consistent": early rank = final rank)
 *   acc(t) = final (1 - exp(-t / tau)) + eps_t,  t = 1..81,  eps_t ~ N(0, 0.01²)
 *
 * The noise is drawn by the simulated backend from our own Rng, seeded from
 * (seed, trial number, epoch), not from numpy's stream: the curves are the
 * anchor's, the noise realisations are not bit-identical to Optuna's runs.
 */
import { SimulatedBackend, type CurveModel } from '../src/execution/simulated.js';
import type { Sampler } from '../src/samplers/base.js';
import type { Scheduler } from '../src/schedulers/base.js';
import type { SearchSpace } from '../src/space/types.js';
import { STORE_FORMAT_VERSION } from '../src/store/base.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { runStudy } from '../src/study/run-study.js';
import { bestTrial } from '../src/study/summary.js';
import type { Params, StudyMeta, Trial } from '../src/study/types.js';
import { VERSION } from '../src/version.js';

export const T_MAX = 81;
export const NOISE_SD = 0.01;
/** 30 full trainings of 81 epochs: the anchor's total budget. */
export const BUDGET_EPOCHS = 30 * T_MAX;

export const CURVE_FAMILIES = ['crossing', 'consistent'] as const;
export type CurveFamily = (typeof CURVE_FAMILIES)[number];

/** Noise-free optimum of acc(81) (width integer), from the anchor's `optimum()` (tables.md). */
export const OPTIMUM: Record<CurveFamily, { trueAcc: number; params: { lr: number; width: number; dropout: number } }> = {
  crossing: { trueAcc: 0.9323629385791918, params: { lr: 0.00492488135012682, width: 64, dropout: 0.17525175863134326 } },
  consistent: { trueAcc: 0.949711637818825, params: { lr: 0.0031622776601683794, width: 64, dropout: 0.2 } },
};

export function finalAndTau(lr: number, width: number, dropout: number, family: CurveFamily): { final: number; tau: number } {
  const u = Math.log10(lr);
  const v = Math.log2(width);
  const final = Math.max(0.05, 0.95 - 0.15 * (u + 2.5) ** 2 - 0.05 * (v - 6) ** 2 - 1.5 * (dropout - 0.2) ** 2);
  const tau = family === 'crossing' ? 3 * Math.sqrt(0.1 / lr) * (1 + 2 * dropout) : 10;
  return { final, tau };
}

/** acc(t) without noise. */
export function trueAcc(lr: number, width: number, dropout: number, family: CurveFamily, t = T_MAX): number {
  const { final, tau } = finalAndTau(lr, width, dropout, family);
  return final * (1 - Math.exp(-t / tau));
}

function num(params: Params, key: string): number {
  const v = params[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`learning-curve benchmark: param '${key}' must be a number, got ${String(v)}`);
  return v;
}

/** Noise-free acc(81) of a trial's params: what the benchmark scores. */
export function trueAccOf(params: Params, family: CurveFamily): number {
  return trueAcc(num(params, 'lr'), num(params, 'width'), num(params, 'dropout'), family);
}

/** The curve family as the simulated backend replays it (81 epochs, noise sd 0.01). */
export function learningCurve(family: CurveFamily): CurveModel {
  return {
    name: `learning-curve:${family}`,
    mean: (params, epoch) => trueAcc(num(params, 'lr'), num(params, 'width'), num(params, 'dropout'), family, epoch),
    noiseSd: NOISE_SD,
    maxEpochs: () => T_MAX,
  };
}

/**
 * The anchor's search space: lr float log [1e-4, 1], width int log [8, 256],
 * dropout float [0, 0.7]; `optimizer.epochs` fixed at 81 so schedulers read the
 * trial's maximum where they always do.
 */
export function learningCurveSpace(): SearchSpace {
  return {
    params: [
      { key: 'lr', dist: { kind: 'float', low: 1e-4, high: 1, log: true }, conditions: [] },
      { key: 'width', dist: { kind: 'int', low: 8, high: 256, log: true, step: 1 }, conditions: [] },
      { key: 'dropout', dist: { kind: 'float', low: 0, high: 0.7, log: false }, conditions: [] },
    ],
    fixed: { 'optimizer.epochs': T_MAX },
    forbidden: [],
  };
}

/** A study's metadata for an in-memory run of the benchmark. */
export function curveStudyMeta(name: string, seed: number, sampler: string, scheduler: string, workers: number): StudyMeta {
  return {
    format: 'hybridtune-study',
    formatVersion: STORE_FORMAT_VERSION,
    name,
    createdAt: '2024-01-01T00:00:00.000Z',
    hybridtuneVersion: VERSION,
    spaceFile: '(learning-curve benchmark)',
    space: {},
    seed,
    sampler,
    scheduler,
    nTrials: 0,
    workers,
    backend: 'simulated',
    direction: 'maximize',
    metric: 'accuracy',
    data: { fingerprint: 'none', labels: [], sizes: { train: 0, validation: 0 }, sources: {} },
    runs: [],
  };
}

export interface CurveStudyOptions {
  family: CurveFamily;
  seed: number;
  sampler: Sampler;
  scheduler: Scheduler;
  /** Simulated workers (the anchor ran one trial at a time). Default 1. */
  workers?: number;
  /** Total epochs; default the anchor's 2,430. */
  budget?: number;
  /** Stop after this many trials (default: only the budget stops the study). */
  nTrials?: number;
}

export interface CurveStudyResult {
  trials: readonly Trial[];
  backend: SimulatedBackend;
  reason: string;
  /** The best complete trial by its (noisy) final value, as the study reports it. */
  best?: Trial;
  /** Noise-free acc(81) of that trial: what the benchmark scores. */
  bestTrue?: number;
  epochs: number;
}

/** One study of the anchor's protocol through the real study loop, a MemoryStore and the simulated backend. */
export async function runCurveStudy(o: CurveStudyOptions): Promise<CurveStudyResult> {
  const workers = o.workers ?? 1;
  const store = new MemoryStore(curveStudyMeta(`curves-${o.family}-${o.seed}`, o.seed, o.sampler.name, o.scheduler.name, workers));
  const backend = new SimulatedBackend({ curve: learningCurve(o.family), workers });
  const { reason } = await runStudy({
    store,
    space: learningCurveSpace(),
    sampler: o.sampler,
    scheduler: o.scheduler,
    backend,
    data: { task: { data: { train: 'none' }, text: 'text', label: 'label', metric: 'accuracy' }, baseDir: '.', seed: o.seed, fingerprint: 'none' },
    metric: 'accuracy',
    direction: 'maximize',
    seed: o.seed,
    nTrials: o.nTrials ?? Number.MAX_SAFE_INTEGER,
    epochBudget: o.budget ?? BUDGET_EPOCHS,
    clock: () => backend.now() * 1000,
  });
  const trials = store.trials();
  const best = bestTrial(trials, 'maximize');
  return { trials, backend, reason, best, bestTrue: best ? trueAccOf(best.params, o.family) : undefined, epochs: backend.epochs() };
}
