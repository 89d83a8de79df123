import { maxInputLength } from '../../backbones/transformer/config.js';
import { resolveTransformerDir, transformerSettingsFrom } from '../../backbones/transformer/featurizer.js';
import { loadTokenizer, loadTransformerWeights, padBatch } from '../../backbones/transformer/load.js';
import { poolStates, TransformerEncoder, type ForwardOptions, type TokenBatch } from '../../backbones/transformer/model.js';
import type { Rng } from '../../math/rng.js';
import type { ResolvedRecipe } from '../../strategies/registry.js';
import type { AdaptConfig, LossConfig, TrainingPlan } from '../../strategies/types.js';
import type { SplitMetrics, TrialMetrics } from '../../study/types.js';
import { EpochLoop } from '../epoch-loop.js';
import { argmaxRows, splitMetrics } from '../metrics.js';
import { DenseOptimizer } from '../optimizers.js';
import { tf } from '../tf-backend.js';
import { TrialDivergedError, type TrialRequest, type TrialResult } from '../train-trial.js';
import { TransformerClassifier } from './classifier.js';
import { lrScale, takesWeightDecay, trainableAt, type TrainableSet } from './modes.js';

/** Gradients are clipped to this global norm, as Hugging Face's Trainer does by default (max_grad_norm = 1). */
export const MAX_GRAD_NORM = 1;

/** The adapt modes that need this trainer; head-only trains on cached frozen features through the head trainer. */
export function needsFineTuning(plan: TrainingPlan): boolean {
  return plan.backbone.name === 'transformer' && plan.adapt !== undefined && plan.adapt.mode !== 'head-only';
}

/** Mean over the batch of −Σ q·log p (focal-weighted when gamma > 0), each example weighted. */
export function classificationLoss(logits: tf.Tensor2D, targets: tf.Tensor2D, weights: tf.Tensor1D, loss: LossConfig): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  let term: tf.Tensor = tf.mul(targets, logp);
  if (loss.focalGamma > 0) term = tf.mul(term, tf.pow(tf.sub(1, tf.exp(logp)), loss.focalGamma));
  return tf.div(tf.sum(tf.mul(tf.neg(tf.sum(term, 1)), weights)), logits.shape[0]) as tf.Scalar;
}

interface StepInput {
  batch: TokenBatch;
  targets: Float32Array;
  weights: Float32Array;
  seed: number;
}

/**
 * One fine-tuning session: the classifier, the optimizers and the trainable set of the
 * current epoch. Kept apart from the trial loop so that tests and the benchmark can
 * run single steps.
 */
export class FineTuner {
  readonly clf: TransformerClassifier;
  private readonly adapt: AdaptConfig;
  private readonly decayOpt: DenseOptimizer;
  private readonly plainOpt: DenseOptimizer;
  private step = 0;
  private set: TrainableSet;
  /** Names (canonical) of everything that trained at some point: what a best-epoch snapshot must hold. */
  readonly everTrained = new Set<string>();

  constructor(
    clf: TransformerClassifier,
    adapt: AdaptConfig,
    private readonly plan: Pick<TrainingPlan, 'optimizer' | 'loss' | 'head'>,
    private readonly encoderDropout: number,
  ) {
    this.clf = clf;
    this.adapt = adapt;
    this.decayOpt = new DenseOptimizer(plan.optimizer);
    this.plainOpt = new DenseOptimizer({ ...plan.optimizer, weightDecay: 0 });
    this.set = trainableAt(adapt, clf.encoder.config, 1);
  }

  /** Switches to an epoch's trainable set (gradual unfreezing changes it). */
  setEpoch(epoch: number): TrainableSet {
    this.set = trainableAt(this.adapt, this.clf.encoder.config, epoch);
    return this.set;
  }

  /** The variables that train now, by canonical name (the head always trains). */
  trainable(): Map<string, tf.Variable> {
    const all = this.clf.allVariables();
    const m = new Map<string, tf.Variable>();
    for (const n of this.set.encoder) m.set(n, all.get(n)!);
    for (const k of this.set.lora) {
      m.set(`${k}.lora_a`, all.get(`${k}.lora_a`)!);
      m.set(`${k}.lora_b`, all.get(`${k}.lora_b`)!);
    }
    for (const [k, v] of this.clf.head) m.set(k, v);
    return m;
  }

  /** Number of weights that train now. */
  trainableCount(): number {
    let n = 0;
    for (const v of this.trainable().values()) n += v.size;
    return n;
  }

  /** One optimisation step; returns the loss before the update. Everything it makes is freed. */
  trainStep(inp: StepInput, lr: number): number {
    const enc = this.clf.encoder;
    const L = enc.config.layers;
    const { start } = this.set;
    const named = this.trainable();
    for (const n of named.keys()) this.everTrained.add(n);
    const names = [...named.keys()];
    const vars = names.map((n) => named.get(n)!);
    const C = this.clf.spec.numClasses;
    const B = inp.batch.batch;
    const train: ForwardOptions = { training: true, dropout: this.encoderDropout, seed: inp.seed };
    const frozen: ForwardOptions = { training: false, dropout: 0, seed: 0 };
    this.step++;
    const step = this.step;
    const lossT = tf.tidy(() => {
      const b = inp.batch;
      const bias = enc.maskBias(b);
      // the frozen part runs outside the gradient tape: no backward pass through it
      const x0 = start < 0 ? undefined : start === 0 ? enc.embed(b, frozen) : enc.run(b, frozen, 0, start, undefined, bias);
      const q = tf.tensor2d(inp.targets, [B, C]);
      const sw = tf.tensor1d(inp.weights);
      const f = () => {
        const h = start < 0 ? enc.run(b, train, 0, L, undefined, bias) : enc.run(b, train, start, L, x0, bias);
        const logits = this.clf.headLogits(poolStates(h, b, this.clf.spec.pooling), true, this.plan.head.dropout, inp.seed + 7);
        return classificationLoss(logits, q, sw, this.plan.loss);
      };
      const { value, grads } = tf.variableGrads(f, vars);
      let g = vars.map((v) => grads[v.name]!);
      // clip to the global norm
      const norm = tf.sqrt(tf.addN(g.map((x) => tf.sum(tf.square(x)))));
      const factor = tf.div(MAX_GRAD_NORM, tf.maximum(norm, MAX_GRAD_NORM));
      g = g.map((x) => tf.mul(x, factor));
      // one optimizer call per (learning-rate scale, weight decay) group
      const groups = new Map<string, { opt: DenseOptimizer; scale: number; vars: tf.Variable[]; grads: tf.Tensor[] }>();
      names.forEach((n, i) => {
        const scale = lrScale(n, L, this.adapt.layerDecay);
        const decays = takesWeightDecay(n);
        const key = `${scale}|${decays}`;
        let grp = groups.get(key);
        if (!grp) groups.set(key, (grp = { opt: decays ? this.decayOpt : this.plainOpt, scale, vars: [], grads: [] }));
        grp.vars.push(vars[i]!);
        grp.grads.push(g[i]!);
      });
      for (const grp of groups.values()) grp.opt.apply(grp.vars, grp.grads, lr * grp.scale, step);
      return value;
    });
    const loss = lossT.dataSync()[0]!;
    lossT.dispose();
    return loss;
  }

  /** Copies of the weights that trained so far, to keep the best epoch's model. */
  snapshot(): Map<string, Float32Array> {
    const all = this.clf.allVariables();
    const m = new Map<string, Float32Array>();
    for (const n of this.everTrained) m.set(n, (all.get(n)!.dataSync() as Float32Array).slice());
    for (const [k, v] of this.clf.head) m.set(k, (v.dataSync() as Float32Array).slice());
    return m;
  }

  restore(s: Map<string, Float32Array>): void {
    const all = this.clf.allVariables();
    tf.tidy(() => {
      for (const [n, data] of s) all.get(n)!.assign(tf.tensor(data, all.get(n)!.shape));
    });
  }

  dispose(): void {
    this.decayOpt.dispose();
    this.plainOpt.dispose();
  }
}

/** The smoothed one-hot target rows of the chosen examples. */
function targetsFor(y: Int32Array, rows: ArrayLike<number>, k: number, smoothing: number): Float32Array {
  const t = new Float32Array(rows.length * k).fill(smoothing / k);
  for (let i = 0; i < rows.length; i++) t[i * k + y[rows[i]!]!]! += 1 - smoothing;
  return t;
}

/**
 * The trial function for a fine-tuned transformer: the same contract as the head
 * trainer's (per-epoch validation values, pruning, early stopping, best-epoch
 * weights, test metrics, the saved model), with the encoder's weights training as
 * the plan's `adapt` mode says.
 */
export async function trainFinetuneTrial(req: TrialRequest, plan: TrainingPlan, recipe: ResolvedRecipe, rng: Rng, t0: number, now: () => number): Promise<TrialResult> {
  const { data } = req;
  const labels = data.labels;
  const k = labels.length;
  const adapt = plan.adapt!;
  for (const [on, what] of [
    [plan.smote, 'SMOTE'],
    [plan.distill, 'distillation'],
    [plan.selfTrain, 'self-training'],
  ] as const) {
    if (on) plan.notes.push(`${what} works in feature space and is not applied when the transformer fine-tunes (adapt: ${adapt.mode})`);
  }
  const settings = transformerSettingsFrom(plan.backbone.settings);
  const dir = resolveTransformerDir(settings, req.baseDir ?? process.cwd());
  const { config, weights } = loadTransformerWeights(dir);
  const tokenizer = await loadTokenizer(dir);
  const maxLen = Math.min(settings.maxLength, maxInputLength(config));
  const train = tokenizer.encode(plan.texts, maxLen);
  const val = tokenizer.encode(data.validation.texts, maxLen);

  const encoder = new TransformerEncoder(config, weights);
  const clf = new TransformerClassifier(encoder, { numClasses: k, head: plan.head, pooling: settings.pooling, maxLength: maxLen }, rng.fork('init'));
  if (adapt.mode === 'lora') encoder.addLora(adapt.loraRank, adapt.loraAlpha, rng.fork('lora'));
  const tuner = new FineTuner(clf, adapt, plan, settings.dropout);
  const trainRng = rng.fork('train');
  try {
    const { batchSize, epochs, lr } = plan.optimizer;
    const n = plan.y.length;
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const totalSteps = stepsPerEpoch * epochs;
    const weightsPerExample = Float32Array.from(plan.y, (c) => plan.classWeights[c]!);
    const loop = new EpochLoop<Map<string, Float32Array>>(req, epochs, plan.patience, () => now() - t0);
    let step = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      tuner.setEpoch(epoch);
      const order = trainRng.permutation(n);
      let lossSum = 0;
      let lrNow = lr;
      for (let s = 0; s < n; s += batchSize) {
        const rows = order.subarray(s, Math.min(n, s + batchSize));
        lrNow = lr * plan.schedule.lrAt(step, totalSteps, stepsPerEpoch);
        const batch = padBatch(train.ids, train.types, rows, tokenizer.padId);
        const loss = tuner.trainStep(
          { batch, targets: targetsFor(plan.y, rows, k, plan.loss.labelSmoothing), weights: Float32Array.from(rows, (r) => weightsPerExample[r]!), seed: trainRng.int(0, 2 ** 30) },
          lrNow,
        );
        if (!Number.isFinite(loss)) throw new TrialDivergedError(epoch, step);
        lossSum += loss * rows.length;
        step++;
      }
      const valMetrics = splitMetrics(data.validation.y, argmaxRows(clf.predictTokens(val.ids, val.types, tokenizer.padId), k), labels);
      if (!(await loop.end(epoch, valMetrics, lossSum / n, lrNow, () => tuner.snapshot()))) break;
    }
    const best = loop.best;
    tuner.restore(best.weights);
    let test: SplitMetrics | undefined;
    if (data.test) {
      const t = tokenizer.encode(data.test.texts, maxLen);
      test = splitMetrics(data.test.y, argmaxRows(clf.predictTokens(t.ids, t.types, tokenizer.padId), k), labels);
    }
    const metrics: TrialMetrics = {
      value: best.value,
      bestEpoch: best.epoch,
      validation: best.val,
      ...(test ? { test } : {}),
      trainExamples: n,
      notes: plan.notes,
    };
    if (req.saveDir) clf.save(req.saveDir, dir, { labels, source: { modelDir: dir, adapt: adapt.mode } });
    return { metrics, epochs: loop.records, ended: loop.ended, recipe, duration: now() - t0, strategyLog: {} };
  } finally {
    tuner.dispose();
    clf.dispose();
  }
}
