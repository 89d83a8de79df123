import type { Family } from '../strategies/types.js';

/** Backbones as a strategy family, so a space can choose among them like any other strategy. */
export const backboneFamily: Family = {
  name: 'backbone',
  description: 'what turns text into features',
  mode: 'one',
  default: 'ngram-hash',
  stage: 'features',
  shared: [],
  strategies: [
    {
      id: 'backbone.ngram-hash',
      family: 'backbone',
      name: 'ngram-hash',
      stage: 'features',
      description: 'word (and optional character) n-grams hashed into a fixed number of dimensions, TF-IDF or log-count weighted, L2-normalised; no download',
      settings: [
        { name: 'dims', type: 'int', min: 1024, max: 4194304, default: 262144, log: true, description: 'hashed feature dimensions (2^18 by default)' },
        { name: 'word-ngrams', type: 'int', min: 1, max: 4, default: 2, description: 'word n-grams of length 1..n' },
        { name: 'char-ngrams', type: 'int', min: 0, max: 6, default: 0, description: 'character n-grams of length 1..n (0 = off); use for text without spaces' },
        { name: 'weighting', type: 'categorical', choices: ['tfidf', 'log-count'], default: 'tfidf', description: 'sublinear TF-IDF, or 1 + log(count)' },
        { name: 'lowercase', type: 'bool', default: true, description: 'lower-case before tokenising' },
      ],
      neutral: true,
      apply(plan, s) {
        plan.backbone = { name: 'ngram-hash', settings: { ...s } };
      },
    },
  ],
};
