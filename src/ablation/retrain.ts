/**
 * Retraining recipes of a study with chosen seeds, for `ablate` and `confirm`: the
 * real trainer (trainTrial) on the study's own data (its stored space, checked
 * against its fingerprint), in worker threads or on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { DataRef } from '../execution/backend.js';
import { dataFor } from '../execution/run-task.js';
import { reasonOf } from '../errors.js';
import type { Params } from '../study/types.js';
import { initBackend } from '../trainer/tf-backend.js';
import { trainTrial } from '../trainer/train-trial.js';

export interface RetrainJob {
  params: Params;
  seed: number;
  data: DataRef;
  metric: 'macro-f1' | 'accuracy';
  /** The study folder (for `distill.teacher: best`). */
  studyDir: string;
  /** Save the model here (confirm keeps its winner's). */
  saveDir?: string;
}

export interface SplitSummary {
  accuracy: number;
  macroF1: number;
}

export type RetrainOutcome =
  | { ok: true; value: number; validation: SplitSummary; test?: SplitSummary; bestEpoch: number; notes: string[]; duration: number; trainExamples: number }
  | { ok: false; error: string };

/** One retraining, where it is called. Never throws: a failure comes back as its reason. */
export async function retrain(job: RetrainJob): Promise<RetrainOutcome> {
  try {
    await initBackend();
    const data = await dataFor(job.data);
    if (data.fingerprint !== job.data.fingerprint) {
      throw new Error(`the data changed since the study ran (fingerprint ${data.fingerprint.slice(0, 12)} ≠ ${job.data.fingerprint.slice(0, 12)})`);
    }
    const r = await trainTrial({
      data,
      params: job.params,
      seed: job.seed,
      metric: job.metric,
      baseDir: job.data.baseDir,
      studyDir: job.studyDir,
      ...(job.saveDir ? { saveDir: job.saveDir } : {}),
    });
    const m = r.metrics;
    const pick = (s: { accuracy: number; macroF1: number }) => ({ accuracy: s.accuracy, macroF1: s.macroF1 });
    return {
      ok: true,
      value: m.value,
      validation: pick(m.validation),
      ...(m.test ? { test: pick(m.test) } : {}),
      bestEpoch: m.bestEpoch,
      notes: m.notes,
      duration: r.duration,
      trainExamples: m.trainExamples,
    };
  } catch (e) {
    return { ok: false, error: reasonOf(e) };
  }
}

export interface RetrainOptions {
  /** Retrainings at once; 1 runs them on the calling thread (default: one per core). */
  workers?: number;
  onDone?: (index: number, outcome: RetrainOutcome, done: number, total: number) => void;
}

/** Runs the jobs (at most `workers` at once); outcomes in job order. */
export async function retrainAll(jobs: readonly RetrainJob[], o: RetrainOptions = {}): Promise<RetrainOutcome[]> {
  const workers = Math.max(1, Math.min(o.workers ?? availableParallelism(), jobs.length));
  const out = new Array<RetrainOutcome>(jobs.length);
  let done = 0;
  const finish = (i: number, r: RetrainOutcome) => {
    out[i] = r;
    done++;
    o.onDone?.(i, r, done, jobs.length);
  };
  if (workers === 1) {
    for (let i = 0; i < jobs.length; i++) finish(i, await retrain(jobs[i]!));
    return out;
  }
  const pool = new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
    env: { ...process.env },
  });
  try {
    await Promise.all(
      jobs.map((job, i) =>
        (pool.run(job) as Promise<RetrainOutcome>).then(
          (r) => finish(i, r),
          (e: unknown) => finish(i, { ok: false, error: `the worker thread died: ${reasonOf(e)}` }),
        ),
      ),
    );
  } finally {
    await pool.destroy();
  }
  return out;
}
