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
  device?: string;
  backend?: string;
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
  runs: Array<{ startedAt: string; endedAt?: string; pid: number; resumed: boolean }>;
}
