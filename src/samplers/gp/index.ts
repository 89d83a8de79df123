import { badSamplerOption, type SamplerFactory } from '../base.js';
import { GP_DEFAULTS, GpSampler, type GpOptions } from './sampler.js';

export { GpSampler, GP_DEFAULTS, type GpOptions } from './sampler.js';

const bad = (key: string, value: unknown, expected: string) => badSamplerOption('gp', key, value, expected);

const intOption = (raw: Record<string, unknown>, key: string, min: number, fallback: number): number => {
  const v = raw[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(key, v, `an integer ≥ ${min}`);
  return v;
};

/** Validates `sweep.sampler-options` for gp (keys of other samplers are ignored, as grid does). */
export function parseGpOptions(raw: Record<string, unknown>): GpOptions {
  const o: GpOptions = { ...GP_DEFAULTS, acquisition: { ...GP_DEFAULTS.acquisition } };
  o.nStartupTrials = intOption(raw, 'n-startup-trials', 2, o.nStartupTrials);
  o.maxFitPoints = intOption(raw, 'max-fit-points', 10, o.maxFitPoints);
  o.restarts = intOption(raw, 'restarts', 0, o.restarts);
  o.acquisition.randomCandidates = intOption(raw, 'random-candidates', 1, o.acquisition.randomCandidates);
  const med = raw['lengthscale-median'];
  if (med !== undefined) {
    if (typeof med !== 'number' || !(med > 0)) throw bad('lengthscale-median', med, 'a number > 0, e.g. 0.5');
    o.lengthscaleMedian = med;
  }
  const lsd = raw['lengthscale-std'];
  if (lsd !== undefined) {
    if (typeof lsd !== 'number' || !(lsd > 0)) throw bad('lengthscale-std', lsd, 'a number > 0');
    o.lengthscaleStd = lsd;
  }
  const liar = raw['constant-liar'];
  if (liar !== undefined) {
    if (typeof liar !== 'boolean') throw bad('constant-liar', liar, 'true or false');
    o.constantLiar = liar;
  }
  const output = raw['output'];
  if (output !== undefined) {
    if (output !== 'rank' && output !== 'standardize' && output !== 'robust') throw bad('output', output, 'robust, rank or standardize');
    o.output = output;
  }
  return o;
}

export const gpSampler: SamplerFactory = {
  description: 'Gaussian-process Bayesian optimisation (Matérn-5/2, log expected improvement): the most sample-efficient for small budgets of expensive trials; ~0.1 s per ask',
  create: (options) => new GpSampler(parseGpOptions(options)),
};
