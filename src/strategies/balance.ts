import type { Rng } from '../math/rng.js';
import type { ParamValue } from '../study/types.js';
import type { Family, Strategy, StrategyContext, TrainingPlan } from './types.js';

function classCounts(y: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const v of y) c[v]!++;
  return c;
}

/** Resamples every class to `target(count)` examples (with replacement when growing). */
function resample(plan: TrainingPlan, rng: Rng, target: (count: number, counts: number[]) => number): void {
  const k = plan.numClasses;
  const byClass: number[][] = Array.from({ length: k }, () => []);
  plan.y.forEach((c, i) => byClass[c]!.push(i));
  const counts = byClass.map((b) => b.length);
  const chosen: number[] = [];
  for (const members of byClass) {
    if (members.length === 0) continue;
    const want = target(members.length, counts);
    const shuffled = rng.shuffle([...members]);
    if (want <= members.length) chosen.push(...shuffled.slice(0, want));
    else {
      chosen.push(...members);
      for (let i = members.length; i < want; i++) chosen.push(members[rng.int(0, members.length - 1)]!);
    }
  }
  chosen.sort((a, b) => a - b);
  plan.texts = chosen.map((i) => plan.texts[i]!);
  plan.y = Int32Array.from(chosen, (i) => plan.y[i]!);
}

/** (n / count)^power per class, from the given counts; 0 for absent classes. */
function inverseFrequency(counts: readonly number[], power: number): number[] {
  const n = counts.reduce((a, c) => a + c, 0);
  return counts.map((c) => (c > 0 ? Math.pow(n / c, power) : 0));
}

/** Multiplies the plan's class weights by `raw` and normalises them to mean 1 over the plan's examples. */
function multiplyClassWeights(plan: TrainingPlan, raw: readonly number[]): void {
  const counts = classCounts(plan.y, plan.numClasses);
  const w = raw.map((r, c) => r * plan.classWeights[c]!);
  const mean = counts.reduce((acc, c, i) => acc + c * w[i]!, 0) / Math.max(1, plan.y.length);
  plan.classWeights = Float64Array.from(w, (x) => (mean > 0 ? x / mean : 1));
}

/**
 * Every balance choice also honours the shared `balance.reweight`: class weights
 * (1 / frequency)^reweight from the class counts *before* any resampling, on top of the
 * chosen method. That makes the double-counting combinations (oversample or SMOTE plus
 * class weights, focal loss plus class weights) expressible; they are allowed and
 * flagged in the plan's notes.
 */
function withReweight(s: Strategy): Strategy {
  return {
    ...s,
    async apply(plan: TrainingPlan, settings: Record<string, ParamValue>, ctx: StrategyContext) {
      const before = classCounts(plan.y, plan.numClasses);
      await s.apply(plan, settings, ctx);
      const power = (settings['reweight'] as number | undefined) ?? 0;
      if (power <= 0) return;
      multiplyClassWeights(plan, inverseFrequency(before, power));
      if (s.name === 'oversample' || s.name === 'smote') plan.notes.push(`balance.reweight after ${s.name} double-counts: the classes are balanced twice`);
      if (s.name === 'class-weight') plan.notes.push('balance.reweight with balance: class-weight applies class weights twice');
      if (s.name === 'focal') plan.notes.push('focal loss with class weights (balance.reweight) double-counts');
    },
  };
}

export const balanceFamily: Family = {
  name: 'balance',
  description: 'how unequal class sizes are handled: resampling (in text or feature space), class weights in the loss, or focal loss; plus optional class weights on top (balance.reweight)',
  mode: 'one',
  default: 'none',
  stage: 'label',
  shared: [
    {
      name: 'reweight',
      type: 'float',
      min: 0,
      max: 2,
      default: 0,
      neutral: 0,
      description: 'class weights (1 / frequency)^reweight on top of the chosen method, from the counts before resampling (0 = off)',
    },
  ],
  strategies: ([
    { id: 'balance.none', family: 'balance', name: 'none', stage: 'label', description: 'the data as it is', settings: [], neutral: true, apply() {} },
    {
      id: 'balance.oversample',
      family: 'balance',
      name: 'oversample',
      stage: 'label',
      description: 'duplicate examples of smaller classes (at random, by seed) up to the largest class',
      settings: [],
      apply(plan, _s, ctx) {
        resample(plan, ctx.rng, (_n, counts) => Math.max(...counts));
      },
    },
    {
      id: 'balance.undersample',
      family: 'balance',
      name: 'undersample',
      stage: 'label',
      description: 'drop examples of larger classes (at random, by seed) down to the smallest class',
      settings: [],
      apply(plan, _s, ctx) {
        resample(plan, ctx.rng, (_n, counts) => Math.min(...counts.filter((c) => c > 0)));
      },
    },
    {
      id: 'balance.class-weight',
      family: 'balance',
      name: 'class-weight',
      stage: 'label',
      description: 'weight each class in the loss by (1 / frequency)^power, normalised to mean 1',
      settings: [{ name: 'power', type: 'float', min: 0, max: 2, default: 1, neutral: 0, description: '0 = no reweighting, 1 = inverse frequency' }],
      apply(plan, s) {
        multiplyClassWeights(plan, inverseFrequency(classCounts(plan.y, plan.numClasses), s['power'] as number));
      },
    },
    {
      id: 'balance.focal',
      family: 'balance',
      name: 'focal',
      stage: 'loss',
      description: 'focal loss: down-weights easy examples by (1 - p)^gamma (Lin et al.)',
      settings: [{ name: 'gamma', type: 'float', min: 0, max: 10, default: 2, neutral: 0, description: 'focusing strength; 0 = cross-entropy' }],
      apply(plan, s) {
        plan.loss = { ...plan.loss, focalGamma: s['gamma'] as number };
      },
    },
    {
      id: 'balance.smote',
      family: 'balance',
      name: 'smote',
      stage: 'label',
      description:
        'SMOTE in feature space: synthetic examples of smaller classes on the segments between an example and one of its k nearest same-class neighbours (cosine); sparse n-gram rows are interpolated over the union of their features',
      settings: [
        { name: 'k', type: 'int', min: 1, max: 50, default: 5, description: 'nearest same-class neighbours to interpolate towards' },
        { name: 'ratio', type: 'float', min: 0.05, max: 1, default: 1, description: 'each smaller class grows to ratio × the largest class (1 = balanced)' },
      ],
      apply(plan, s) {
        // carried out by the trainer once the texts are features
        plan.smote = { k: s['k'] as number, ratio: s['ratio'] as number };
      },
    },
  ] satisfies Strategy[]).map(withReweight),
};
