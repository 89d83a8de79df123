import type { Rng } from '../math/rng.js';
import type { Family, TrainingPlan } from './types.js';

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

export const balanceFamily: Family = {
  name: 'balance',
  description: 'how unequal class sizes are handled: resampling, class weights in the loss, or focal loss',
  mode: 'one',
  default: 'none',
  stage: 'label',
  shared: [],
  strategies: [
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
        const counts = classCounts(plan.y, plan.numClasses);
        const n = plan.y.length;
        const raw = counts.map((c) => (c > 0 ? Math.pow(n / c, s['power'] as number) : 0));
        const mean = counts.reduce((acc, c, i) => acc + c * raw[i]!, 0) / n;
        plan.classWeights = Float64Array.from(raw, (w) => w / mean);
        if (plan.applied.includes('balance.oversample')) plan.notes.push('class-weight after oversampling double-counts');
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
  ],
};
