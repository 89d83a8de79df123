/**
 * The strategies that need features or a model, carried out by the trainer in the
 * documented stage order: SMOTE on the training features (label), pseudo-labels
 * between epochs (label), distillation targets (loss), then mixup and feature noise
 * per batch (batch). Everything random here draws from generators forked for it, so
 * a recipe without these strategies trains exactly as it did before they existed.
 */
import type { Featurizer } from '../backbones/featurizer.js';
import { selectRows, type SparseRows } from '../backbones/sparse.js';
import type { Rng } from '../math/rng.js';
import { concatRows, smote } from '../strategies/balance/smote.js';
import { pseudoLabelCap, roundEpochs, selectPseudoLabels } from '../strategies/self-train.js';
import type { TrainingPlan } from '../strategies/types.js';
import type { BatchAugment, HeadModel } from './head-model.js';
import { loadTeacher, soften } from './teacher.js';

export interface SelfTrainRound {
  afterEpoch: number;
  /** Pool texts labelled this round. */
  pool: number;
  /** Pseudo-labelled examples in the training set from this round on. */
  added: number;
  /** Most allowed (max-share of the training set). */
  cap: number;
  /** Lowest confidence among the added ones. */
  minConfidence?: number;
  /** Pseudo-labels per class. */
  perClass: number[];
}

/** What the trainer-run strategies did, for notes and tests. */
export interface StrategyLog {
  smote?: { added: number[] };
  /** The teacher used, or null when `best` found none yet. */
  teacher?: string | null;
  selfTrain?: SelfTrainRound[];
}

export interface TrainingSet {
  x: SparseRows;
  /** Target distribution per example, row-major n × classes. */
  targets: Float32Array;
  /** Loss weight per example. */
  weights: Float32Array;
  n: number;
}

export interface RuntimeContext {
  rng: Rng;
  numClasses: number;
  baseDir: string;
  studyDir?: string;
  labels: readonly string[];
  featurizer: Featurizer;
  /** Texts a self-training pool must not contain (training, validation and test texts). */
  heldOut: ReadonlyArray<readonly string[]>;
}

/** Targets: label smoothing over the one-hot label, then mixed with the teacher (when there is one). */
function targetsOf(y: ArrayLike<number>, k: number, smoothing: number, soft?: Float32Array, weight = 0): Float32Array {
  const t = new Float32Array(y.length * k).fill(smoothing / k);
  for (let i = 0; i < y.length; i++) t[i * k + y[i]!]! += 1 - smoothing;
  if (soft) for (let i = 0; i < t.length; i++) t[i] = (1 - weight) * t[i]! + weight * soft[i]!;
  return t;
}

export class StrategyRuntime {
  private current: TrainingSet;
  private pool?: { x: SparseRows; texts: number; teacher?: Float32Array; rounds: number[]; cap: number };

  private constructor(
    private readonly plan: TrainingPlan,
    private readonly k: number,
    private readonly labelled: TrainingSet,
    readonly batchAugment: BatchAugment,
    readonly log: StrategyLog,
  ) {
    this.current = labelled;
  }

  static async create(plan: TrainingPlan, xTrain: SparseRows, ctx: RuntimeContext): Promise<StrategyRuntime> {
    const k = ctx.numClasses;
    let x = xTrain;
    let y = plan.y;
    const log: StrategyLog = {};
    let parents: { from: Int32Array; to: Int32Array; gap: Float32Array } | undefined;
    if (plan.smote) {
      const s = smote(x, y, k, plan.smote, ctx.rng.fork('smote'));
      x = concatRows(x, s.x);
      const all = new Int32Array(y.length + s.y.length);
      all.set(y, 0);
      all.set(s.y, y.length);
      y = all;
      parents = s;
      log.smote = { added: s.added };
      plan.notes.push(`smote: ${s.y.length} synthetic examples (${s.added.map((a, c) => `${ctx.labels[c]} +${a}`).filter((_, c) => s.added[c]! > 0).join(', ') || 'none needed'})`);
      if (s.single.length > 0) plan.notes.push(`smote: classes with one example (${s.single.map((c) => ctx.labels[c]).join(', ')}) were copied, not interpolated`);
    }

    let soft: Float32Array | undefined;
    let poolTeacher: Float32Array | undefined;
    let poolTexts: string[] | undefined;
    if (plan.selfTrain) {
      const held = new Set<string>([...plan.texts, ...ctx.heldOut.flat()]);
      poolTexts = plan.selfTrain.pool.filter((t) => !held.has(t));
      const dropped = plan.selfTrain.pool.length - poolTexts.length;
      plan.notes.push(`self-train: pool of ${poolTexts.length} texts from ${plan.selfTrain.source}${dropped > 0 ? ` (${dropped} dropped: also in train, validation or test)` : ''}`);
    }
    if (plan.distill) {
      const d = plan.distill;
      const { teacher, missing } = await loadTeacher(d.teacher, { baseDir: ctx.baseDir, ...(ctx.studyDir ? { studyDir: ctx.studyDir } : {}), labels: ctx.labels });
      if (!teacher) {
        log.teacher = null;
        plan.notes.push(`distill: no teacher (${missing}); trained on the labels alone`);
      } else {
        try {
          log.teacher = teacher.source;
          const p = await teacher.predict(plan.texts);
          const full = new Float32Array(y.length * k);
          full.set(p, 0);
          if (parents) {
            // a synthetic example's teacher distribution lies on the same segment as its features
            const n0 = plan.texts.length;
            for (let r = 0; r < parents.from.length; r++) {
              const g = parents.gap[r]!;
              for (let c = 0; c < k; c++) full[(n0 + r) * k + c] = (1 - g) * p[parents.from[r]! * k + c]! + g * p[parents.to[r]! * k + c]!;
            }
          }
          soft = soften(full, k, d.temperature);
          if (poolTexts && poolTexts.length > 0) poolTeacher = soften(await teacher.predict(poolTexts), k, d.temperature);
          plan.notes.push(`distill: teacher ${teacher.source} (temperature ${d.temperature}, weight ${d.weight})`);
        } finally {
          teacher.dispose();
        }
      }
    }

    const targets = targetsOf(y, k, plan.loss.labelSmoothing, soft, plan.distill?.weight ?? 0);
    const weights = Float32Array.from(y, (c) => plan.classWeights[c]!);
    const batchAugment: BatchAugment = {
      ...(plan.mixup ? { mixup: { alpha: plan.mixup.alpha, rng: ctx.rng.fork('mixup') } } : {}),
      ...(plan.featureNoise && plan.featureNoise.sigma > 0 ? { noise: { sigma: plan.featureNoise.sigma, rng: ctx.rng.fork('noise') } } : {}),
    };
    const rt = new StrategyRuntime(plan, k, { x, targets, weights, n: y.length }, batchAugment, log);
    if (plan.selfTrain && poolTexts) {
      const st = plan.selfTrain;
      const rounds = roundEpochs(plan.optimizer.epochs, st.rounds);
      if (rounds.length < st.rounds) plan.notes.push(`self-train: ${plan.optimizer.epochs} epoch(s) leave room for ${rounds.length} of ${st.rounds} round(s)`);
      rt.log.selfTrain = [];
      rt.pool = {
        x: await ctx.featurizer.transform(poolTexts),
        texts: poolTexts.length,
        ...(poolTeacher ? { teacher: poolTeacher } : {}),
        rounds,
        cap: pseudoLabelCap(y.length, st.maxShare),
      };
    }
    return rt;
  }

  get training(): TrainingSet {
    return this.current;
  }

  /**
   * After an epoch: a self-training round when one is due. The model labels the pool,
   * and the confident pseudo-labels replace the previous round's. True when the
   * training set changed.
   */
  afterEpoch(epoch: number, model: HeadModel): boolean {
    const pool = this.pool;
    const st = this.plan.selfTrain;
    if (!pool || !st || !pool.rounds.includes(epoch)) return false;
    const k = this.k;
    const sel = selectPseudoLabels(model.predictProba(pool.x), k, st.threshold, pool.cap);
    const perClass = new Array<number>(k).fill(0);
    for (const c of sel.labels) perClass[c]!++;
    this.log.selfTrain!.push({
      afterEpoch: epoch,
      pool: pool.texts,
      added: sel.rows.length,
      cap: pool.cap,
      ...(sel.rows.length > 0 ? { minConfidence: sel.confidence[sel.rows.length - 1]! } : {}),
      perClass,
    });
    this.plan.notes.push(`self-train: after epoch ${epoch}, ${sel.rows.length} pseudo-labels (threshold ${st.threshold}, at most ${pool.cap})`);
    const L = this.labelled;
    const soft = pool.teacher ? selectSoft(pool.teacher, sel.rows, k) : undefined;
    const t = targetsOf(sel.labels, k, this.plan.loss.labelSmoothing, soft, this.plan.distill?.weight ?? 0);
    const targets = new Float32Array((L.n + sel.rows.length) * k);
    targets.set(L.targets, 0);
    targets.set(t, L.n * k);
    const weights = new Float32Array(L.n + sel.rows.length);
    weights.set(L.weights, 0);
    sel.labels.forEach((c, i) => (weights[L.n + i] = this.plan.classWeights[c]!));
    this.current = { x: concatRows(L.x, selectRows(pool.x, sel.rows)), targets, weights, n: L.n + sel.rows.length };
    return true;
  }
}

function selectSoft(p: Float32Array, rows: Int32Array, k: number): Float32Array {
  const out = new Float32Array(rows.length * k);
  rows.forEach((r, i) => out.set(p.subarray(r * k, (r + 1) * k), i * k));
  return out;
}
