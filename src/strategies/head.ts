import type { Family } from './types.js';

/** The `adapt` part of a recipe that applies to every backbone: the shape of the classifier head. */
export const headFamily: Family = {
  name: 'head',
  description: 'the classifier on top of the backbone features: linear, or an MLP of given width and depth',
  mode: 'one',
  default: 'linear',
  stage: 'model',
  shared: [],
  strategies: [
    {
      id: 'head.linear',
      family: 'head',
      name: 'linear',
      stage: 'model',
      description: 'one linear layer from features to class logits',
      settings: [],
      neutral: true,
      apply(plan) {
        plan.head = { ...plan.head, name: 'linear', width: 0, depth: 0 };
      },
    },
    {
      id: 'head.mlp',
      family: 'head',
      name: 'mlp',
      stage: 'model',
      description: 'hidden ReLU layers (the first is an embedding bag over sparse features) then a linear layer',
      settings: [
        { name: 'width', type: 'int', min: 2, max: 2048, default: 64, log: true, description: 'units per hidden layer' },
        { name: 'depth', type: 'int', min: 1, max: 4, default: 1, description: 'number of hidden layers' },
      ],
      apply(plan, s) {
        plan.head = { ...plan.head, name: 'mlp', width: s['width'] as number, depth: s['depth'] as number };
      },
    },
  ],
};
