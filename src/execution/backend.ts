import type { TaskSpec } from '../data/types.js';
import type { Decision } from '../schedulers/base.js';
import type { EpochRecord, Params, TrialMetrics } from '../study/types.js';

/** How a worker finds the study's data: it loads (and caches) it itself, so nothing big is copied per trial. */
export interface DataRef {
  task: TaskSpec;
  baseDir: string;
  seed: number;
  /** Checked against what the worker loads, so a changed file fails the trial instead of mixing data. */
  fingerprint: string;
}

export interface TrialTask {
  trialNumber: number;
  params: Params;
  seed: number;
  data: DataRef;
  metric: 'macro-f1' | 'accuracy';
  /** Where the worker saves the trial's model; the study decides later whether to keep it. */
  saveDir?: string;
}

export interface TrialHooks {
  /** Called after every epoch; the answer tells the worker to go on or stop. */
  onEpoch(record: EpochRecord): Promise<Decision>;
}

export type TrialOutcome =
  | {
      ok: true;
      metrics: TrialMetrics;
      epochs: EpochRecord[];
      ended: 'completed' | 'early-stopping' | 'pruned';
      duration: number;
      worker: string;
      backend: string;
      strategies: string[];
    }
  | { ok: false; error: string; worker: string; backend: string; epochs?: EpochRecord[] };

/** Runs trials. It only executes: what to run is the sampler's business, how long the scheduler's. */
export interface ExecutionBackend {
  readonly name: string;
  /** How many trials may run at once. */
  readonly slots: number;
  run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome>;
  close(): Promise<void>;
}
