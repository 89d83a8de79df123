import type { Family } from './types.js';

export const regularizeFamily: Family = {
  name: 'regularize',
  description: 'dropout, weight decay, label smoothing and early-stopping patience',
  mode: 'none',
  stage: 'model',
  shared: [
    { name: 'dropout', type: 'float', min: 0, max: 0.9, default: 0, neutral: 0, description: 'dropout on hidden units (MLP) or on input features (linear head)' },
    { name: 'weight-decay', type: 'float', min: 0, max: 1, default: 0, neutral: 0, log: true, description: 'weight decay (decoupled with adamw, L2 otherwise)' },
    { name: 'label-smoothing', type: 'float', min: 0, max: 0.5, default: 0, neutral: 0, description: 'mass moved from the true class to all classes' },
    { name: 'patience', type: 'int', min: 0, max: 100, default: 0, neutral: 0, description: 'epochs without improvement before stopping (0 = off); the best epoch is kept' },
  ],
  strategies: [],
  applyShared(plan, s) {
    plan.head = { ...plan.head, dropout: s['dropout'] as number };
    plan.optimizer = { ...plan.optimizer, weightDecay: s['weight-decay'] as number };
    plan.loss = { ...plan.loss, labelSmoothing: s['label-smoothing'] as number };
    plan.patience = s['patience'] as number;
  },
};
