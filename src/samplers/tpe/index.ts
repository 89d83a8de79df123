import type { SamplerFactory } from '../base.js';
import { parseTpeOptions } from './options.js';
import { TpeSampler } from './sampler.js';

export { TpeSampler } from './sampler.js';
export { parseTpeOptions, TPE_DEFAULTS, type TpeOptions } from './options.js';

export const tpeSampler: SamplerFactory = {
  description: 'Tree-structured Parzen Estimator: model-based, cheap per ask at thousands of trials; conditional branches tuned on their own trials; `multivariate: true` models settings jointly',
  create: (options) => new TpeSampler(parseTpeOptions(options)),
};
