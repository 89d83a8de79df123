import { threadId } from 'node:worker_threads';
import { loadTask } from '../data/load-task.js';
import type { PreparedData } from '../data/types.js';
import { reasonOf } from '../errors.js';
import { initBackend } from '../trainer/tf-backend.js';
import { trainTrial } from '../trainer/train-trial.js';
import type { EpochRecord } from '../study/types.js';
import type { DataRef, TrialOutcome, TrialTask } from './backend.js';
import type { Decision } from '../schedulers/base.js';
import { faultAt, triggerFault, type WorkerKind } from './faults.js';

// One data set per worker is kept in memory across trials (a sweep has one).
let cached: { key: string; data: Promise<PreparedData> } | undefined;

export function dataFor(ref: DataRef): Promise<PreparedData> {
  const key = JSON.stringify([ref.task, ref.baseDir, ref.seed]);
  if (!cached || cached.key !== key) cached = { key, data: loadTask(ref.task, { baseDir: ref.baseDir, seed: ref.seed }) };
  return cached.data;
}

/**
 * Runs one trial where it is called (a worker thread, a worker process, or the main
 * thread for the inline backend). `where` only matters to test-only fault injection.
 */
export async function runTask(
  task: TrialTask,
  onEpoch: (r: EpochRecord) => Promise<Decision>,
  worker = `thread-${threadId}`,
  where: WorkerKind = 'thread',
  /** Called once the worker is ready to train (backend loaded, data in memory), with the backend's name. */
  onReady?: (backend: string) => void,
): Promise<TrialOutcome> {
  let backend = 'unknown';
  const epochs: EpochRecord[] = [];
  const fault = (epoch: number) => {
    const f = faultAt(task.trialNumber, epoch);
    if (f) triggerFault(f, task.trialNumber, where);
  };
  try {
    backend = (await initBackend()).name;
    const data = await dataFor(task.data);
    if (data.fingerprint !== task.data.fingerprint) {
      throw new Error(`the data changed since the study started (fingerprint ${data.fingerprint.slice(0, 12)} ≠ ${task.data.fingerprint.slice(0, 12)})`);
    }
    onReady?.(backend);
    fault(0);
    const r = await trainTrial({
      data,
      params: task.params,
      seed: task.seed,
      metric: task.metric,
      saveDir: task.saveDir,
      baseDir: task.data.baseDir,
      onEpoch: async (rec) => {
        epochs.push(rec);
        const decision = await onEpoch(rec);
        fault(rec.epoch);
        return decision;
      },
    });
    return { ok: true, metrics: r.metrics, epochs: r.epochs, ended: r.ended, duration: r.duration, worker, backend, strategies: r.recipe.strategies.map((s) => s.id) };
  } catch (e) {
    return { ok: false, error: reasonOf(e), worker, backend, epochs };
  }
}
