/**
 * Noise-aware final pick: the top-k trials of a study, ranked by their single
 * run in the sweep, are retrained with the same fresh seeds and ranked again by
 * their mean with a Student-t interval, so the exported winner is not a lucky seed.
 * Both rankings go to `confirm.json` beside study.json, and the winner's model
 * (trained with its own trial seed, so it matches the trial's record) to
 * `confirmed/model/`, where `hybridtune export` finds it.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { deriveSeed } from '../math/rng.js';
import type { Params } from '../study/types.js';
import { seedRuns, type SeedRuns } from './ablate.js';
import { retrain, retrainAll, type RetrainJob } from './retrain.js';
import { CONFIRM_FILE, completeCount, openStudyForRetrain, writeStudyJson } from './study.js';

export const CONFIRM_FORMAT = 'hybridtune-confirm';
export const CONFIRM_FORMAT_VERSION = 1;
export const CONFIRMED_MODEL_DIR = path.join('confirmed', 'model');

export interface ConfirmEntry extends SeedRuns {
  rank: number;
  trial: number;
  /** Its rank by the single run of the sweep. */
  originalRank: number;
  /** Its single-run value in the sweep. */
  value: number;
  params: Params;
}

export interface ConfirmReport {
  format: typeof CONFIRM_FORMAT;
  formatVersion: typeof CONFIRM_FORMAT_VERSION;
  createdAt: string;
  study: string;
  metric: string;
  direction: 'maximize' | 'minimize';
  top: number;
  /** Complete trials of the study when confirm ran; export ignores this file once there are more. */
  completeTrials: number;
  seeds: number[];
  level: number;
  interval: string;
  /** The top-k by their single run in the sweep. */
  original: Array<{ rank: number; trial: number; value: number }>;
  /** The same trials by their mean over the seeds. */
  confirmed: ConfirmEntry[];
  winner: {
    trial: number;
    /** Whether the confirmed winner differs from the sweep's best trial. */
    changed: boolean;
    /** Its model folder, relative to the study. */
    model: string;
    /** Validation value of that model (trained with the trial's own seed) and whether it matches the trial's record. */
    modelValue: number;
    reproduced: boolean;
  };
  durationSec: number;
}

export interface ConfirmOptions {
  top?: number;
  seeds?: number;
  workers?: number;
  level?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function runConfirm(studyDir: string, o: ConfirmOptions = {}): Promise<{ report: ConfirmReport; file: string }> {
  const t0 = performance.now();
  const level = o.level ?? 0.95;
  const nSeeds = o.seeds ?? 5;
  const study = await openStudyForRetrain(studyDir);
  const sign = study.meta.direction === 'maximize' ? -1 : 1;
  const complete = study.trials.filter((t) => t.state === 'complete' && t.metrics && Number.isFinite(t.metrics.value));
  const ranked = [...complete].sort((a, b) => sign * (a.metrics!.value - b.metrics!.value) || a.number - b.number).slice(0, o.top ?? 5);
  if (ranked.length === 0) {
    throw new HybridTuneError(ERROR_CODES.NO_COMPLETE_TRIAL, 'the study has no complete trial yet', {
      file: study.dir,
      expected: 'a study with at least one complete trial (see `hybridtune status`)',
    });
  }
  const seeds = Array.from({ length: nSeeds }, (_, i) => deriveSeed(study.meta.seed, 'confirm', i));
  const jobs: RetrainJob[] = ranked.flatMap((t) => seeds.map((seed) => ({ params: t.params, seed, data: study.data, metric: study.metric, studyDir: study.dir })));
  const outcomes = await retrainAll(jobs, { ...(o.workers !== undefined ? { workers: o.workers } : {}), onDone: (_i, _r, done, total) => o.onProgress?.(done, total) });
  const entries = ranked.map((t, r) => ({
    ...seedRuns(outcomes.slice(r * nSeeds, (r + 1) * nSeeds), study.metric, level),
    trial: t.number,
    originalRank: r + 1,
    value: t.metrics!.value,
    params: t.params,
  }));
  const meanOf = (e: SeedRuns) => e.summary?.mean ?? (sign < 0 ? -Infinity : Infinity);
  const confirmed: ConfirmEntry[] = [...entries]
    .sort((a, b) => sign * (meanOf(a) - meanOf(b)) || a.originalRank - b.originalRank)
    .map((e, i) => ({ rank: i + 1, ...e }));
  const winnerEntry = confirmed[0]!;
  const winnerTrial = ranked.find((t) => t.number === winnerEntry.trial)!;

  // the winner's model: the sweep's copy when it kept one, else retrained with the trial's own seed
  const modelDir = path.join(study.dir, CONFIRMED_MODEL_DIR);
  rmSync(modelDir, { recursive: true, force: true });
  let modelValue = winnerTrial.metrics!.value;
  if (winnerTrial.artifact && existsSync(path.join(study.dir, winnerTrial.artifact, 'model.json'))) {
    cpSync(path.join(study.dir, winnerTrial.artifact), modelDir, { recursive: true });
  } else {
    const r = await retrain({ params: winnerTrial.params, seed: winnerTrial.seed, data: study.data, metric: study.metric, studyDir: study.dir, saveDir: modelDir });
    if (!r.ok) throw new Error(`retraining the confirmed winner (trial ${winnerTrial.number}) failed: ${r.error}`);
    modelValue = r.value;
  }
  const report: ConfirmReport = {
    format: CONFIRM_FORMAT,
    formatVersion: CONFIRM_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    study: study.meta.name,
    metric: study.metric,
    direction: study.meta.direction,
    top: ranked.length,
    completeTrials: completeCount(study.trials),
    seeds,
    level,
    interval: 'Student t over the seeds (mean ± t·sd/√n)',
    original: ranked.map((t, i) => ({ rank: i + 1, trial: t.number, value: t.metrics!.value })),
    confirmed,
    winner: {
      trial: winnerTrial.number,
      changed: winnerTrial.number !== ranked[0]!.number,
      model: CONFIRMED_MODEL_DIR,
      modelValue,
      reproduced: Math.abs(modelValue - winnerTrial.metrics!.value) < 1e-9,
    },
    durationSec: (performance.now() - t0) / 1000,
  };
  return { report, file: writeStudyJson(study.dir, CONFIRM_FILE, report) };
}
