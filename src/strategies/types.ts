import type { Rng } from '../math/rng.js';
import type { ParamValue } from '../study/types.js';

/**
 * The order in which strategies change a trial, documented once here (and in the README):
 * features (backbone) → data (new or changed texts: eda, back-translate)
 * → label (which examples count how much: resampling in text or feature space, class
 * weights, pseudo-labels) → loss (per-example targets and loss: focal, distillation)
 * → batch (per-step feature-space augmentation of the examples with their targets:
 * mixup, feature noise) → optimize (optimizer, schedule) → model (head, regularisation).
 * Within a stage, strategies apply in registry order. A recipe records the resolved order.
 */
export const STAGES = ['features', 'data', 'label', 'loss', 'batch', 'optimize', 'model'] as const;
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
  /** String settings: whether the value is a path relative to the space file (default true); export makes paths absolute. */
  path?: boolean;
  /** String settings: values that are words, not paths (e.g. `best`). */
  literals?: readonly string[];
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

/** How a fine-tunable (transformer) backbone trains; set by the `adapt` family. */
export interface AdaptConfig {
  mode: 'head-only' | 'top-k' | 'full' | 'lora' | 'bitfit' | 'gradual';
  /** top-k: encoder layers that train, counted from the top. */
  topK: number;
  loraRank: number;
  loraAlpha: number;
  /** gradual: epochs between unfreezing the next layer down. */
  unfreezeEvery: number;
  /** Learning rate of layer l (of L) = lr × decay^(L − l); embeddings decay^(L + 1); 1 = off. */
  layerDecay: number;
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
  /** Which weights of a fine-tunable backbone train (absent: only the head, as for frozen backbones). */
  adapt?: AdaptConfig;
  /** Human-readable notes (e.g. double counting), shown in the report. */
  notes: string[];
  /** Strategy ids in the order they were applied. */
  applied: string[];
  /**
   * Strategies that need features or a model, so the trainer carries them out (in
   * stage order: smote after featurising, self-training between epochs, distillation
   * targets, then mixup and noise per batch). A strategy only records its settings here.
   */
  smote?: SmoteConfig;
  selfTrain?: SelfTrainConfig;
  distill?: DistillConfig;
  mixup?: { alpha: number };
  featureNoise?: { sigma: number };
}

export interface SmoteConfig {
  /** Neighbours (same class) to interpolate towards. */
  k: number;
  /** Each smaller class grows to round(ratio × largest class). */
  ratio: number;
}

export interface SelfTrainConfig {
  /** Unlabelled texts (already read; the trainer drops those in train, validation or test). */
  pool: string[];
  /** Where the pool came from, for notes. */
  source: string;
  threshold: number;
  rounds: number;
  /** Largest share of the training set that pseudo-labelled examples may make up. */
  maxShare: number;
}

export interface DistillConfig {
  /** `best` (the study's best trial so far) or a folder (an export, or a model folder). */
  teacher: string;
  temperature: number;
  /** Share of the target taken from the teacher: q = (1 − weight) · label + weight · teacher. */
  weight: number;
}

export interface StrategyContext {
  rng: Rng;
  labels: readonly string[];
  /** Folder that relative paths in settings resolve against (the space file's). */
  baseDir?: string;
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
