import type { Rng } from '../math/rng.js';
import type { ParamValue } from '../study/types.js';

/**
 * The order in which strategies change a trial, documented once here:
 * data-level (new or changed texts) → label-level (resampling, class weights)
 * → loss → optimisation (optimizer, schedule) → model (head shape, regularisation).
 * A recipe records the resolved order.
 */
export const STAGES = ['features', 'data', 'label', 'loss', 'optimize', 'model'] as const;
export type Stage = (typeof STAGES)[number];

export interface SettingDecl {
  /** Local name; the full key is `<family>.<name>` (shared) or `<family>.<strategy>.<name>`. */
  name: string;
  type: 'float' | 'int' | 'categorical' | 'bool' | 'string';
  /** Allowed range for numbers: a space may search a sub-range, never beyond. */
  min?: number;
  max?: number;
  choices?: readonly ParamValue[];
  default: ParamValue;
  /** Value under which the setting does nothing (for ablation). */
  neutral?: ParamValue;
  /** Suggested log scale for ranges. */
  log?: boolean;
  description: string;
}

export interface LossConfig {
  /** 0 = plain cross-entropy. */
  focalGamma: number;
  labelSmoothing: number;
}

export interface OptimizerConfig {
  name: 'adam' | 'adamw' | 'sgd';
  lr: number;
  batchSize: number;
  epochs: number;
  momentum: number;
  /** Decoupled for adamw, L2 added to the gradient for adam and sgd. */
  weightDecay: number;
  beta1: number;
  beta2: number;
}

/** Learning-rate multiplier at a step, given the total number of steps. */
export type LrSchedule = (step: number, totalSteps: number, stepsPerEpoch: number) => number;

export interface HeadConfig {
  name: 'linear' | 'mlp';
  width: number;
  depth: number;
  dropout: number;
}

/** What the strategies build together, and the trainer executes. */
export interface TrainingPlan {
  numClasses: number;
  texts: string[];
  y: Int32Array;
  /** Per-class loss weights (1 = neutral), normalised to mean 1 over the training examples. */
  classWeights: Float64Array;
  loss: LossConfig;
  optimizer: OptimizerConfig;
  schedule: { name: string; lrAt: LrSchedule };
  head: HeadConfig;
  /** 0 = no early stopping. */
  patience: number;
  backbone: { name: string; settings: Record<string, ParamValue> };
  /** Human-readable notes (e.g. double counting), shown in the report. */
  notes: string[];
  /** Strategy ids in the order they were applied. */
  applied: string[];
}

export interface StrategyContext {
  rng: Rng;
  labels: readonly string[];
}

export interface Strategy {
  /** `<family>.<name>`, e.g. `balance.focal`. */
  id: string;
  family: string;
  name: string;
  stage: Stage;
  description: string;
  settings: readonly SettingDecl[];
  /** True for the family's do-nothing choice (e.g. `balance.none`). */
  neutral?: boolean;
  /** Settings arrive complete (defaults filled in), shared family settings included. */
  apply(plan: TrainingPlan, settings: Record<string, ParamValue>, ctx: StrategyContext): void | Promise<void>;
}

export interface Family {
  name: string;
  description: string;
  /**
   * `one`: exactly one strategy, chosen by the key `<family>`;
   * `any`: each strategy switched on by the boolean key `<family>.<strategy>`;
   * `none`: no strategies, only shared settings applied by `applyShared`.
   */
  mode: 'one' | 'any' | 'none';
  /** For `one`: the strategy used when a space does not choose. */
  default?: string;
  stage: Stage;
  shared: readonly SettingDecl[];
  strategies: readonly Strategy[];
  applyShared?(plan: TrainingPlan, settings: Record<string, ParamValue>, ctx: StrategyContext): void;
}
