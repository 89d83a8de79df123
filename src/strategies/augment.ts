import { generateStrategy } from './augment-generate.js';
import type { Family, TrainingPlan } from './types.js';
import { edaAugmentDataset, loadWordNet } from './augment/index.js';
import { backTranslateDataset } from './augment/back-translate.js';

function appendExamples(plan: TrainingPlan, texts: string[], y: Int32Array): void {
  plan.texts = plan.texts.concat(texts);
  const all = new Int32Array(plan.y.length + y.length);
  all.set(plan.y, 0);
  all.set(y, plan.y.length);
  plan.y = all;
}

export const augmentFamily: Family = {
  name: 'augment',
  description: 'new or changed training examples: in text (eda, back-translate) or per batch in feature space (mixup, feature-noise); each is switched on by `augment.<name>: true`',
  mode: 'any',
  stage: 'data',
  shared: [],
  strategies: [
    // first: it seeds its generations from the original examples only, so that they (and their cache) do not depend on other augmenters
    generateStrategy,
    {
      id: 'augment.eda',
      family: 'augment',
      name: 'eda',
      stage: 'data',
      description: 'Easy Data Augmentation: WordNet synonym replacement, random insertion, swap and deletion (deterministic by seed)',
      settings: [
        { name: 'alpha', type: 'float', min: 0.01, max: 0.5, default: 0.1, description: 'fraction of the words each operation changes' },
        { name: 'copies', type: 'int', min: 1, max: 16, default: 2, description: 'augmented copies per training example' },
      ],
      async apply(plan, s, ctx) {
        const lexicon = await loadWordNet();
        const extra = edaAugmentDataset(plan.texts, plan.y, { alpha: s['alpha'] as number, copies: s['copies'] as number }, lexicon, ctx.rng);
        appendExamples(plan, extra.texts, extra.y);
      },
    },
    {
      id: 'augment.back-translate',
      family: 'augment',
      name: 'back-translate',
      stage: 'data',
      description:
        'round trip through a pivot language with two local translation models (translation pipeline of @huggingface/transformers, greedy); the paraphrase keeps the label. Needs the two model folders: an error otherwise',
      settings: [
        { name: 'forward', type: 'string', default: '', description: 'local translation model folder, source → pivot language (relative to the space file)' },
        { name: 'backward', type: 'string', default: '', description: 'local translation model folder, pivot → source language' },
        { name: 'source', type: 'string', default: '', path: false, description: "source language code for multilingual models (e.g. 'eng_Latn' for NLLB); unset for one-pair models" },
        { name: 'pivot', type: 'string', default: '', path: false, description: "pivot language code for multilingual models (e.g. 'fra_Latn'); unset for one-pair models" },
        { name: 'fraction', type: 'float', min: 0.01, max: 1, default: 1, description: 'share of the training examples that get a round trip (chosen by seed)' },
        { name: 'batch-size', type: 'int', min: 1, max: 256, default: 16, description: 'texts per translation call' },
      ],
      async apply(plan, s, ctx) {
        const extra = await backTranslateDataset(
          plan.texts,
          plan.y,
          {
            forward: s['forward'] as string,
            backward: s['backward'] as string,
            source: s['source'] as string,
            pivot: s['pivot'] as string,
            fraction: s['fraction'] as number,
            batchSize: s['batch-size'] as number,
          },
          ctx.baseDir ?? process.cwd(),
          ctx.rng,
        );
        appendExamples(plan, extra.texts, extra.y);
        if (extra.unchanged > 0) plan.notes.push(`back-translate: ${extra.unchanged} round trips came back unchanged and were not added`);
      },
    },
    {
      id: 'augment.mixup',
      family: 'augment',
      name: 'mixup',
      stage: 'batch',
      description:
        'mixup in feature space (Zhang et al.): each batch is mixed with a shuffled copy of itself, λ ~ Beta(alpha, alpha) folded to ≥ 0.5, examples and their target distributions alike (sparse: the embedding bag outputs; dense: the input rows)',
      settings: [{ name: 'alpha', type: 'float', min: 0.001, max: 4, default: 0.2, log: true, description: 'Beta(alpha, alpha) concentration; → 0 means no mixing' }],
      apply(plan, s) {
        plan.mixup = { alpha: s['alpha'] as number };
      },
    },
    {
      id: 'augment.feature-noise',
      family: 'augment',
      name: 'feature-noise',
      stage: 'batch',
      description: 'Gaussian noise N(0, sigma²) added per batch to the embedding bag outputs (sparse features) or the input rows (dense features)',
      settings: [{ name: 'sigma', type: 'float', min: 0, max: 2, default: 0.1, neutral: 0, description: 'standard deviation of the noise' }],
      apply(plan, s) {
        plan.featureNoise = { sigma: s['sigma'] as number };
      },
    },
  ],
};
