/**
 * What the winner owes to each strategy: its recipe retrained with every strategy
 * removed in turn (see variants.ts for what "removed" means), with the same seeds
 * as the full recipe, so each strategy's effect is a paired difference with a
 * Student-t interval. Also the default recipe on the same backbone, the "no
 * strategies" reference. Written to `ablation.json` beside study.json.
 */
import { deriveSeed } from '../math/rng.js';
import type { Params, ParamValue } from '../study/types.js';
import { retrainAll, type RetrainJob, type RetrainOutcome } from './retrain.js';
import { meanInterval, pairedInterval, type MeanInterval } from './stats.js';
import { ABLATION_FILE, openStudyForRetrain, pickedTrial, writeStudyJson } from './study.js';
import { ablations, defaultRecipeOn } from './variants.js';

export const ABLATION_FORMAT = 'hybridtune-ablation';
export const ABLATION_FORMAT_VERSION = 1;

/** Values of one recipe over the seeds (failed seeds are left out of every summary that needs them). */
export interface SeedRuns {
  /** The study's metric on validation, one per seed (null: that retraining failed). */
  values: Array<number | null>;
  summary: MeanInterval | null;
  /** The study's metric on the test split, when the study has one. */
  test?: { values: Array<number | null>; summary: MeanInterval | null };
  /** Reasons of failed retrainings. */
  errors?: string[];
}

export interface AblationRow extends SeedRuns {
  /** What was removed: a strategy id or a setting key. */
  strategy: string;
  kind: 'choice' | 'toggle' | 'setting' | 'all';
  key: string;
  from: ParamValue | null;
  to: ParamValue | null;
  /** Paired change of the validation metric, without it minus with it (negative: the strategy helps). */
  change: MeanInterval | null;
  testChange?: MeanInterval | null;
  /** The recipe retrained (only on the baseline row; the others are the trial's params with `key` = `to`). */
  params?: Params;
}

export interface AblationReport {
  format: typeof ABLATION_FORMAT;
  formatVersion: typeof ABLATION_FORMAT_VERSION;
  createdAt: string;
  study: string;
  metric: string;
  direction: 'maximize' | 'minimize';
  /** The trial whose recipe was ablated, and why that one. */
  trial: number;
  pickedBy: 'confirmed' | 'best';
  /** Its single-run value in the sweep. */
  trialValue: number;
  params: Params;
  seeds: number[];
  level: number;
  interval: string;
  full: SeedRuns;
  rows: AblationRow[];
  /** The default recipe on the same backbone (every strategy and setting at its default). */
  baseline: AblationRow;
  durationSec: number;
}

export interface AblateOptions {
  seeds?: number;
  workers?: number;
  level?: number;
  onProgress?: (done: number, total: number) => void;
}

function metricOf(s: { accuracy: number; macroF1: number }, metric: 'macro-f1' | 'accuracy'): number {
  return metric === 'accuracy' ? s.accuracy : s.macroF1;
}

/** Summaries of one recipe's runs. */
export function seedRuns(outcomes: readonly RetrainOutcome[], metric: 'macro-f1' | 'accuracy', level: number): SeedRuns {
  const values = outcomes.map((o) => (o.ok ? o.value : null));
  const ok = values.filter((v): v is number => v !== null);
  const hasTest = outcomes.some((o) => o.ok && o.test);
  const testValues = outcomes.map((o) => (o.ok && o.test ? metricOf(o.test, metric) : null));
  const testOk = testValues.filter((v): v is number => v !== null);
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  return {
    values,
    summary: ok.length > 0 ? meanInterval(ok, level) : null,
    ...(hasTest ? { test: { values: testValues, summary: testOk.length > 0 ? meanInterval(testOk, level) : null } } : {}),
    ...(errors.length > 0 ? { errors } : {}),
  };
}

/** Paired change a − b over the seeds where both succeeded. */
export function pairedChange(a: ReadonlyArray<number | null>, b: ReadonlyArray<number | null>, level: number): MeanInterval | null {
  const x: number[] = [];
  const y: number[] = [];
  a.forEach((v, i) => {
    if (v !== null && b[i] !== null && b[i] !== undefined) {
      x.push(v);
      y.push(b[i]!);
    }
  });
  return x.length > 0 ? pairedInterval(x, y, level) : null;
}

export async function runAblation(studyDir: string, o: AblateOptions = {}): Promise<{ report: AblationReport; file: string }> {
  const t0 = performance.now();
  const level = o.level ?? 0.95;
  const nSeeds = o.seeds ?? 5;
  const study = await openStudyForRetrain(studyDir);
  const { trial, by } = pickedTrial(study);
  const variants = ablations(trial.params);
  const baselineParams = defaultRecipeOn(trial.params);
  const seeds = Array.from({ length: nSeeds }, (_, i) => deriveSeed(study.meta.seed, 'ablate', i));
  const recipes: Params[] = [trial.params, ...variants.map((v) => v.params), baselineParams];
  const jobs: RetrainJob[] = recipes.flatMap((params) => seeds.map((seed) => ({ params, seed, data: study.data, metric: study.metric, studyDir: study.dir })));
  const outcomes = await retrainAll(jobs, { ...(o.workers !== undefined ? { workers: o.workers } : {}), onDone: (_i, _r, done, total) => o.onProgress?.(done, total) });
  const runsOf = (r: number) => seedRuns(outcomes.slice(r * nSeeds, (r + 1) * nSeeds), study.metric, level);
  const full = runsOf(0);
  const row = (runs: SeedRuns, head: Omit<AblationRow, keyof SeedRuns | 'change' | 'testChange'>): AblationRow => ({
    ...head,
    ...runs,
    change: pairedChange(runs.values, full.values, level),
    ...(runs.test && full.test ? { testChange: pairedChange(runs.test.values, full.test.values, level) } : {}),
  });
  const rows = variants.map((v, i) => row(runsOf(i + 1), { strategy: v.strategy, kind: v.kind, key: v.key, from: v.from, to: v.to }));
  const baseline = row(runsOf(recipes.length - 1), { strategy: 'all', kind: 'all', key: '*', from: null, to: null, params: baselineParams });
  const report: AblationReport = {
    format: ABLATION_FORMAT,
    formatVersion: ABLATION_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    study: study.meta.name,
    metric: study.metric,
    direction: study.meta.direction,
    trial: trial.number,
    pickedBy: by,
    trialValue: trial.metrics!.value,
    params: trial.params,
    seeds,
    level,
    interval: 'Student t, paired by seed (change = without the strategy − with it)',
    full,
    rows,
    baseline,
    durationSec: (performance.now() - t0) / 1000,
  };
  return { report, file: writeStudyJson(study.dir, ABLATION_FILE, report) };
}
