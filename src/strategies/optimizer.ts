import type { Family, SettingDecl, Strategy } from './types.js';

const shared: SettingDecl[] = [
  { name: 'lr', type: 'float', min: 1e-6, max: 10, default: 0.01, log: true, description: 'peak learning rate' },
  { name: 'batch-size', type: 'int', min: 1, max: 8192, default: 64, log: true, description: 'examples per step' },
  { name: 'epochs', type: 'int', min: 1, max: 500, default: 5, description: 'passes over the training data (the fidelity)' },
];

function optimizer(name: 'adam' | 'adamw' | 'sgd', description: string, settings: SettingDecl[]): Strategy {
  return {
    id: `optimizer.${name}`,
    family: 'optimizer',
    name,
    stage: 'optimize',
    description,
    settings,
    apply(plan, s) {
      plan.optimizer = {
        ...plan.optimizer,
        name,
        lr: s['lr'] as number,
        batchSize: s['batch-size'] as number,
        epochs: s['epochs'] as number,
        momentum: name === 'sgd' ? (s['momentum'] as number) : 0,
        beta1: name === 'sgd' ? 0 : (s['beta1'] as number),
        beta2: name === 'sgd' ? 0 : (s['beta2'] as number),
      };
    },
  };
}

const betas: SettingDecl[] = [
  { name: 'beta1', type: 'float', min: 0, max: 0.9999, default: 0.9, description: 'first-moment decay' },
  { name: 'beta2', type: 'float', min: 0, max: 0.99999, default: 0.999, description: 'second-moment decay' },
];

export const optimizerFamily: Family = {
  name: 'optimizer',
  description: 'how weights move: Adam, AdamW (decoupled weight decay) or SGD with momentum; learning rate, batch size, epochs',
  mode: 'one',
  default: 'adam',
  stage: 'optimize',
  shared,
  strategies: [
    optimizer('adam', 'Adam; weight decay, if any, is an L2 term in the gradient', betas),
    optimizer('adamw', 'Adam with decoupled weight decay (Loshchilov & Hutter)', betas),
    optimizer('sgd', 'SGD with (heavy-ball) momentum', [
      { name: 'momentum', type: 'float', min: 0, max: 0.999, default: 0.9, description: 'momentum coefficient' },
    ]),
  ],
};
