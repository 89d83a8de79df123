import { existsSync } from 'node:fs';
import path from 'node:path';
import type { EncodeProgress } from '../backbones/feature-cache.js';
import { createFeaturizer } from '../backbones/registry.js';
import type { SparseRows } from '../backbones/sparse.js';
import type { PreparedData, SplitData } from '../data/types.js';
import { Rng } from '../math/rng.js';
import type { Decision } from '../schedulers/base.js';
import { buildPlan, emptyPlan, resolveRecipe, type ResolvedRecipe } from '../strategies/registry.js';
import type { TrainingPlan } from '../strategies/types.js';
import type { EpochRecord, Params, SplitMetrics, TrialMetrics } from '../study/types.js';
import { needsFineTuning, trainFinetuneTrial } from './finetune/train-finetune.js';
import { HeadModel } from './head-model.js';
import { EpochLoop } from './epoch-loop.js';
import { argmaxRows, splitMetrics } from './metrics.js';
import { StrategyRuntime, type StrategyLog } from './strategy-runtime.js';
import { tf } from './tf-backend.js';

export interface TrialRequest {
  data: PreparedData;
  params: Params;
  seed: number;
  metric: 'macro-f1' | 'accuracy';
  /** Called after every epoch with the validation value; 'stop' prunes the trial. */
  onEpoch?: (record: EpochRecord) => Decision | Promise<Decision>;
  /** Where to save the kept model (and its featurizer); nothing is saved when absent. */
  saveDir?: string;
  /** Folder that relative model paths resolve against (the space file's). */
  baseDir?: string;
  /** Monotonic clock in seconds (injected so tests can control it). */
  now?: () => number;
  /** Progress of a frozen encoder's feature computation (texts found in the feature cache are not reported). */
  onEncodeProgress?: (p: EncodeProgress) => void;
  /**
   * The study folder, where `distill.teacher: best` finds the best trial's model.
   * When absent it is taken from `saveDir`, which a sweep always puts at
   * `<study>/artifacts/trial-<n>` (if that folder holds a study.json).
   */
  studyDir?: string;
}

export interface TrialResult {
  metrics: TrialMetrics;
  epochs: EpochRecord[];
  /** Why training ended. */
  ended: 'completed' | 'early-stopping' | 'pruned';
  recipe: ResolvedRecipe;
  duration: number;
  /** What SMOTE, distillation and self-training did (absent parts: not used). */
  strategyLog: StrategyLog;
}

export class TrialDivergedError extends Error {
  constructor(epoch: number, step: number) {
    super(`training diverged: the loss became NaN or infinite at epoch ${epoch}, step ${step} (try a smaller learning rate)`);
    this.name = 'TrialDivergedError';
  }
}

/** Rows of a row-major table (width per row), packed in the order of `rows`. */
function gather(table: Float32Array, rows: ArrayLike<number>, width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(table.subarray(rows[i]! * width, (rows[i]! + 1) * width), i * width);
  return out;
}

function studyDirOf(req: TrialRequest): string | undefined {
  if (req.studyDir) return req.studyDir;
  if (!req.saveDir) return undefined;
  const dir = path.resolve(req.saveDir, '..', '..');
  return existsSync(path.join(dir, 'study.json')) ? dir : undefined;
}

export function evaluate(model: HeadModel, x: SparseRows, split: SplitData, labels: readonly string[]): SplitMetrics {
  const p = model.predictProba(x);
  return splitMetrics(split.y, argmaxRows(p, labels.length), labels);
}

/**
 * The trial function: a recipe and data in, per-epoch validation values out,
 * then the final metrics of the best epoch's weights (and the saved model).
 */
export async function trainTrial(req: TrialRequest): Promise<TrialResult> {
  const now = req.now ?? (() => performance.now() / 1000);
  const t0 = now();
  const { data } = req;
  const labels = data.labels;
  const k = labels.length;
  const recipe = resolveRecipe(req.params);
  const rng = new Rng(req.seed);
  const baseDir = req.baseDir ?? process.cwd();
  const plan: TrainingPlan = await buildPlan(recipe, emptyPlan([...data.train.texts], data.train.y, k), { rng: rng.fork('plan'), labels, baseDir });

  // --- fine-tunable transformer backbones (issue 5): their own trial function, the same TrialResult
  if (needsFineTuning(plan)) return trainFinetuneTrial(req, plan, recipe, rng, t0, now);
  // ---

  const featurizer = createFeaturizer(plan.backbone, { baseDir, onProgress: req.onEncodeProgress });
  await featurizer.fit(plan.texts);
  const xTrain = await featurizer.transform(plan.texts);
  const xVal = await featurizer.transform(data.validation.texts);
  const initRng = rng.fork('init');
  const trainRng = rng.fork('train');
  // forked after the generators above, so recipes without these strategies train as before;
  // built before the model: a distillation teacher's layers must be gone before the student's are named
  const runtime = await StrategyRuntime.create(plan, xTrain, {
    rng: rng.fork('strategies'),
    numClasses: k,
    baseDir,
    ...(studyDirOf(req) ? { studyDir: studyDirOf(req)! } : {}),
    labels,
    featurizer,
    heldOut: [data.train.texts, data.validation.texts, ...(data.test ? [data.test.texts] : [])],
  });
  const model = new HeadModel({ inputDim: featurizer.size, numClasses: k, head: plan.head, input: featurizer.dense ? 'dense' : 'sparse' }, initRng);
  try {
    model.configureTraining(plan.optimizer);
    const { batchSize, epochs, lr } = plan.optimizer;
    let train = runtime.training;
    let n = train.n;
    let stepsPerEpoch = Math.ceil(n / batchSize);
    let totalSteps = stepsPerEpoch * epochs;
    const loop = new EpochLoop<ReturnType<HeadModel['snapshot']>>(req, epochs, plan.patience, () => now() - t0);
    let step = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const order = trainRng.permutation(n);
      let lossSum = 0;
      let lrNow = lr;
      for (let start = 0; start < n; start += batchSize) {
        const rows = order.subarray(start, Math.min(n, start + batchSize));
        lrNow = lr * plan.schedule.lrAt(step, totalSteps, stepsPerEpoch);
        const targets = gather(train.targets, rows, k);
        const w = gather(train.weights, rows, 1);
        const loss = model.trainStep(train.x, rows, targets, w, plan.loss, lrNow, plan.head.dropout, trainRng, runtime.batchAugment);
        if (!Number.isFinite(loss)) throw new TrialDivergedError(epoch, step);
        lossSum += loss * rows.length;
        step++;
      }
      if (!(await loop.end(epoch, evaluate(model, xVal, data.validation, labels), lossSum / n, lrNow, () => model.snapshot()))) break;
      if (runtime.afterEpoch(epoch, model)) {
        // the training set changed (pseudo-labels): the schedule spreads over what is left
        train = runtime.training;
        n = train.n;
        stepsPerEpoch = Math.ceil(n / batchSize);
        totalSteps = step + stepsPerEpoch * (epochs - epoch);
      }
    }
    const best = loop.best;
    model.restore(best.weights);
    const test = data.test ? evaluate(model, await featurizer.transform(data.test.texts), data.test, labels) : undefined;
    const metrics: TrialMetrics = {
      value: best.value,
      bestEpoch: best.epoch,
      validation: best.val,
      ...(test ? { test } : {}),
      trainExamples: n,
      notes: plan.notes,
      ...(featurizer.cacheCounts ? { featureCache: featurizer.cacheCounts() } : {}),
    };
    if (req.saveDir) {
      model.save(req.saveDir, { featurizer: featurizer.toJSON(), labels });
    }
    return { metrics, epochs: loop.records, ended: loop.ended, recipe, duration: now() - t0, strategyLog: runtime.log };
  } finally {
    model.dispose();
  }
}

/** Number of tensors alive, for memory checks. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
