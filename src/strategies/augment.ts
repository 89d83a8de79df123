import type { Family } from './types.js';
import { edaAugmentDataset, loadWordNet } from './augment/index.js';

export const augmentFamily: Family = {
  name: 'augment',
  description: 'new training examples made from the existing ones; each augmenter is switched on by `augment.<name>: true`',
  mode: 'any',
  stage: 'data',
  shared: [],
  strategies: [
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
        plan.texts = plan.texts.concat(extra.texts);
        const y = new Int32Array(plan.y.length + extra.y.length);
        y.set(plan.y, 0);
        y.set(extra.y, plan.y.length);
        plan.y = y;
      },
    },
  ],
};
