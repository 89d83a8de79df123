import type { SamplerFactory } from '../base.js';
import { parseBohbOptions } from './options.js';
import { BohbSampler } from './sampler.js';

export { BohbSampler, type BohbSource } from './sampler.js';
export { BOHB_RANDOM_FRACTION, parseBohbOptions, type BohbOptions } from './options.js';
export { chooseFidelity, historyAt, observationsPerEpoch, valueAt } from './fidelity.js';

/** Schedulers that start trials at several fidelities, which is what bohb's per-epoch model learns from. */
const MULTI_FIDELITY = new Set(['hyperband', 'successive-halving', 'asha', 'median']);

export const bohbSampler: SamplerFactory = {
  description: 'BOHB: the TPE model fitted at the largest epoch with enough observations (pruned trials included), a third of proposals from the prior; pair with `scheduler: hyperband`',
  create: (options) => new BohbSampler(parseBohbOptions(options)),
  schedulerAdvice(scheduler) {
    if (scheduler === 'hyperband') return undefined;
    if (MULTI_FIDELITY.has(scheduler)) return `bohb is designed for scheduler hyperband; with ${scheduler} it works (it models the largest epoch with enough observations) but the benchmark figures are for hyperband`;
    return `bohb with scheduler ${scheduler}: every trial trains all its epochs, so bohb is tpe at the last epoch with a third of its proposals random; use scheduler hyperband (or sampler tpe)`;
  },
};
