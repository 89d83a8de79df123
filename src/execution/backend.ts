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
  /**
   * Aborting ends the trial now: its worker is stopped (a backend that cannot stop a
   * running trial answers `stop` at the next epoch instead) and restarted for the next
   * trial; the outcome is a failure whose error is the abort reason.
   */
  signal?: AbortSignal;
  /** Called once the trial is placed on a worker (device, worker id), before it trains. */
  onStart?(place: TrialPlace): void;
}

/** Where a trial ran, as the worker saw it. */
export interface TrialPlace {
  worker: string;
  backend: string;
  /** `cpu`, `gpu:0`, ...: the device of the slot that ran the trial. */
  device?: string;
  /** CUDA_VISIBLE_DEVICES as the worker process saw it (GPU slots). */
  visibleDevices?: string;
}

export type TrialOutcome =
  | ({
      ok: true;
      metrics: TrialMetrics;
      epochs: EpochRecord[];
      ended: 'completed' | 'early-stopping' | 'pruned';
      duration: number;
      strategies: string[];
    } & TrialPlace)
  | ({ ok: false; error: string; epochs?: EpochRecord[] } & TrialPlace);

/**
 * Runs trials. It only executes: what to run is the sampler's business, how long the scheduler's.
 * `run` never rejects: a trial that throws, or whose worker dies, resolves as a failure,
 * and the slot is ready for the next trial.
 */
export interface ExecutionBackend {
  readonly name: string;
  /** How many trials may run at once. */
  readonly slots: number;
  /** Devices and their slots, where the backend knows them (for status and the trial records). */
  readonly layout?: ReadonlyArray<{ device: string; slots: number }>;
  run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome>;
  close(): Promise<void>;
}
