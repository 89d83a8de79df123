/** A finished (or running) study, opened read-only for retraining its recipes. */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadTask } from '../data/load-task.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { DataRef } from '../execution/backend.js';
import { parseSpace } from '../space/load-space.js';
import { LOCK_FILE, LowdbStore, lockHolder, pidAlive } from '../store/lowdb-store.js';
import { bestTrial } from '../study/summary.js';
import type { StudyMeta, Trial } from '../study/types.js';

export const ABLATION_FILE = 'ablation.json';
export const CONFIRM_FILE = 'confirm.json';

export interface OpenedStudy {
  dir: string;
  meta: StudyMeta;
  trials: readonly Trial[];
  data: DataRef;
  metric: 'macro-f1' | 'accuracy';
}

/**
 * Opens the study and checks that its data (read again through its stored space) is
 * unchanged. A study that a live sweep holds is refused: its ranking is not final.
 */
export async function openStudyForRetrain(studyDir: string): Promise<OpenedStudy> {
  const store = await LowdbStore.open(studyDir);
  const dir = path.resolve(store.location);
  const holder = lockHolder(dir);
  if (holder !== undefined && holder !== process.pid && pidAlive(holder)) {
    throw new HybridTuneError(ERROR_CODES.STUDY_LOCKED, `the study is being swept by process ${holder}`, {
      file: path.join(dir, LOCK_FILE),
      expected: 'a finished (or stopped) sweep: its best trials are not known before',
      hint: 'wait for the sweep to end, or stop it (Ctrl-C) and run this again',
    });
  }
  const meta = store.meta();
  const trials = store.trials();
  const space = parseSpace(stringify(meta.space), meta.spaceFile);
  const baseDir = path.dirname(meta.spaceFile);
  const data = await loadTask(space.task, { baseDir, seed: meta.seed, specFile: meta.spaceFile });
  if (data.fingerprint !== meta.data.fingerprint) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, 'the data changed since the study ran', {
      file: data.sources.train,
      value: data.fingerprint,
      expected: `data with fingerprint ${meta.data.fingerprint}`,
      hint: 'retraining on other data would not measure the study; sweep the new data as a new study',
    });
  }
  return { dir, meta, trials, data: { task: space.task, baseDir, seed: meta.seed, fingerprint: meta.data.fingerprint }, metric: meta.metric as OpenedStudy['metric'] };
}

/** The trial whose recipe the study stands for: the confirmed winner when `confirm` ran, else the best trial. */
export function pickedTrial(s: Pick<OpenedStudy, 'dir' | 'meta' | 'trials'>): { trial: Trial; by: 'confirmed' | 'best' } {
  const confirmed = readConfirmedWinner(s.dir, s.trials);
  const t = confirmed !== undefined ? s.trials.find((x) => x.number === confirmed.trial && x.state === 'complete') : undefined;
  if (t) return { trial: t, by: 'confirmed' };
  const best = bestTrial(s.trials, s.meta.direction);
  if (!best) {
    throw new HybridTuneError(ERROR_CODES.NO_COMPLETE_TRIAL, 'the study has no complete trial yet', {
      file: s.dir,
      expected: 'a study with at least one complete trial (see `hybridtune status`)',
    });
  }
  return { trial: best, by: 'best' };
}

/**
 * The winner `hybridtune confirm` recorded, if it ran: its trial and model folder
 * (relative to the study). Ignored once the study has more complete trials than
 * when confirm ran (a resumed sweep may have found better ones): confirm again.
 */
export function readConfirmedWinner(studyDir: string, trials: readonly Trial[]): { trial: number; model?: string } | undefined {
  const file = path.join(studyDir, CONFIRM_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { winner?: { trial?: unknown; model?: unknown }; completeTrials?: unknown };
    if (typeof c.winner?.trial !== 'number') return undefined;
    if (typeof c.completeTrials === 'number' && c.completeTrials !== completeCount(trials)) return undefined;
    return { trial: c.winner.trial, ...(typeof c.winner.model === 'string' ? { model: c.winner.model } : {}) };
  } catch {
    return undefined;
  }
}

export function completeCount(trials: readonly Trial[]): number {
  return trials.filter((t) => t.state === 'complete').length;
}

/** Writes a JSON file beside study.json in one step (a temporary file renamed over it). */
export function writeStudyJson(studyDir: string, name: string, value: unknown): string {
  const file = path.join(studyDir, name);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
  return file;
}
