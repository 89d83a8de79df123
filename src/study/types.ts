/** The study and trial records, as stored and as every component reads them. */

export type TrialState = 'waiting' | 'running' | 'complete' | 'pruned' | 'failed';

/** One setting's value in a recipe: numbers, strings and booleans only (recipes are data). */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface EpochRecord {
  epoch: number;
  /** The study's metric on validation after this epoch. */
  value: number;
  loss: number;
  lr: number;
  /** Seconds since the trial started. */
  elapsed: number;
}

export interface SplitMetrics {
  accuracy: number;
  macroF1: number;
  /** Rows = true class, columns = predicted class. */
  confusion: number[][];
  perClass: Array<{ label: string; precision: number; recall: number; f1: number; support: number }>;
}

export interface TrialMetrics {
  /** The study's metric on validation: the value the search optimises. */
  value: number;
  /** Epoch whose weights were kept (best validation). */
  bestEpoch: number;
  validation: SplitMetrics;
  test?: SplitMetrics;
  trainExamples: number;
  /** Strategy notes, e.g. "oversample + class-weight double-count". */
  notes: string[];
  /** Frozen-encoder feature cache: texts served from a cache (hits), encoded (misses), and of the hits those read from disk. */
  featureCache?: { hits: number; misses: number; diskHits: number };
}

export interface Trial {
  number: number;
  state: TrialState;
  params: Params;
  seed: number;
  /** Per-epoch validation values, reported as training goes. */
  intermediate: EpochRecord[];
  metrics?: TrialMetrics;
  error?: string;
  /** ISO timestamps. */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Seconds of training, measured in the worker. */
  duration?: number;
  worker?: string;
  /** The device the trial ran on: `cpu`, `gpu:0`, ... */
  device?: string;
  /** CUDA_VISIBLE_DEVICES as the trial's worker process saw it (GPU slots only). */
  visibleDevices?: string;
  backend?: string;
  /** ISO timestamp: the last sign of life of a running trial (start, every epoch, and every few seconds while it runs). */
  heartbeatAt?: string;
  /** Each time a sweep found the trial left running by a dead sweep and queued it again (same params and seed). */
  requeued?: Array<{ at: string; reason: string }>;
  /** Relative path (inside the study folder) of the saved model, when kept. */
  artifact?: string;
}

export type Direction = 'maximize' | 'minimize';

export interface StudyMeta {
  format: 'hybridtune-study';
  formatVersion: number;
  name: string;
  createdAt: string;
  hybridtuneVersion: string;
  /** Absolute path of the space file and its full parsed content. */
  spaceFile: string;
  space: unknown;
  seed: number;
  sampler: string;
  scheduler: string;
  nTrials: number;
  workers: number;
  backend: string;
  direction: Direction;
  metric: string;
  data: {
    fingerprint: string;
    labels: string[];
    sizes: { train: number; validation: number; test?: number };
    sources: Record<string, string>;
  };
  /** Why the last run of the sweep ended, for status and the report. */
  endReason?: string;
  /** Which budget or event ended the last run (`n-trials`, `timeout`, `max-epochs-total`, `max-failures`, `interrupted`, ...). */
  endedBy?: string;
  /** Devices, slots, fault handling and budgets beyond n-trials; absent in studies made before they existed. */
  execution?: ExecutionSettings;
  runs: Array<{ startedAt: string; endedAt?: string; pid: number; resumed: boolean; /** --timeout of this run, seconds. */ timeoutSec?: number }>;
}

/** How a study's trials are executed; stored so that a resumed sweep runs the same way unless told otherwise. */
export interface ExecutionSettings {
  /** Execution backend name (`threads`, `processes`, `inline`). */
  backend: string;
  /** Devices and how many trials each runs at once; slots = the sum. */
  devices: Array<{ id: string; slots: number }>;
  /** Stop the study once its trials together trained this many epochs. */
  maxEpochsTotal?: number;
  /** Stop starting trials once this many trials of the study failed. */
  maxFailures?: number;
  /** A trial running longer than this (seconds) is stopped and marked failed. */
  trialTimeoutSec?: number;
  /** Trials a dead sweep left running: run again with the same params and seed, or mark failed. */
  staleTrials: 'retry' | 'fail';
}
