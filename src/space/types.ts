import type { DataSpec } from '../data/types.js';
import type { Params, ParamValue } from '../study/types.js';
import type { Distribution } from './distributions.js';

/** A setting exists only when every condition holds (its parent key has one of the values). */
export interface Condition {
  key: string;
  values: readonly ParamValue[];
}

export interface ParamSpec {
  key: string;
  dist: Distribution;
  conditions: readonly Condition[];
}

/** The searchable part of a space: what samplers see. */
export interface SearchSpace {
  /** In sampling order: a parameter comes after every key its conditions name. */
  params: readonly ParamSpec[];
  /** Settings the space fixes to one value. */
  fixed: Params;
  /** Partial assignments that must never be proposed (all listed keys equal). */
  forbidden: ReadonlyArray<Record<string, readonly ParamValue[]>>;
}

/** Seeds per trial when a sweep confirms its top trials (the same as `hybridtune confirm --seeds`). */
export const DEFAULT_CONFIRM_SEEDS = 5;

export interface SweepDefaults {
  sampler: string;
  scheduler: string;
  nTrials: number;
  /** 0 = one per core. */
  workers: number;
  samplerOptions: Record<string, unknown>;
  schedulerOptions: Record<string, unknown>;
  /** Top trials retrained on several seeds when the search ends (`hybridtune confirm`); 0 = off. */
  confirmTop: number;
  /** Seeds per trial for that confirmation. */
  confirmSeeds: number;
}

/** A validated space file. */
export interface SpaceConfig {
  file: string;
  name: string;
  seed: number;
  description?: string;
  task: { data: DataSpec; text: string; label: string; metric: 'macro-f1' | 'accuracy' };
  sweep: SweepDefaults;
  space: SearchSpace;
  /** The file as parsed, stored with the study. */
  raw: unknown;
}
