import { badSamplerOption } from '../base.js';
import type { Bandwidth } from './parzen-estimator.js';

export interface TpeOptions {
  /**
   * Sample the parameters that become active together jointly (one product-kernel mixture); false
   * samples each on its own; 'alternate' does one then the other, trial by trial.
   */
  multivariate: boolean | 'alternate';
  /** Count running and waiting trials as bad trials with the worst value, so parallel asks spread out. */
  constantLiar: boolean;
  /** Trials (complete or pruned) before the model is used; until then `startup` proposes. */
  nStartupTrials: number;
  startup: 'random' | 'sobol';
  nEiCandidates: number;
  priorWeight: number;
  /** Fraction of the trials that count as good, capped at `gammaMax`: min(ceil(gamma·n), gammaMax). */
  gamma: number;
  gammaMax: number;
  /** Kernel width rule of multivariate mode ('neighbour' per dimension, or Optuna's 'scott'). */
  bandwidth: Bandwidth;
  /**
   * Where a conditional parameter's good/bad split is made: among the trials in which it is active
   * ('group', the default: each branch is optimised on its own terms), or over all trials ('global',
   * Optuna's way, where a branch that is never among the best is sampled from its prior only).
   */
  split: 'group' | 'global';
  /**
   * Probability, per ask, of choosing a branching categorical (one that switches other parameters
   * on and off) uniformly instead of by the model, so a branch that looks bad early is still visited.
   */
  branchExploration: number;
  kernelScale: 'density' | 'height';
  /** Multivariate mode: weight of the joint model against the product of its marginals (1 = joint only). */
  jointWeight: number;
  /** At most this many bad observations (a weighted systematic subsample of the rest) per estimator. */
  maxAbove: number;
}

export const TPE_DEFAULTS: TpeOptions = {
  multivariate: 'alternate',
  constantLiar: true,
  nStartupTrials: 10,
  startup: 'random',
  nEiCandidates: 24,
  priorWeight: 1,
  gamma: 0.1,
  gammaMax: 25,
  bandwidth: 'neighbour',
  split: 'group',
  branchExploration: 0.1,
  maxAbove: 200,
  kernelScale: 'height',
  jointWeight: 0.5,
};

const KEYS: Record<string, keyof TpeOptions> = {
  multivariate: 'multivariate',
  'constant-liar': 'constantLiar',
  'n-startup-trials': 'nStartupTrials',
  startup: 'startup',
  'n-ei-candidates': 'nEiCandidates',
  'prior-weight': 'priorWeight',
  gamma: 'gamma',
  'gamma-max': 'gammaMax',
  bandwidth: 'bandwidth',
  split: 'split',
  'branch-exploration': 'branchExploration',
  'max-above': 'maxAbove',
  'kernel-scale': 'kernelScale',
  'joint-weight': 'jointWeight',
};

const bad = (key: string, value: unknown, expected: string) => badSamplerOption('tpe', key, value, expected);

/** Validates `sweep.sampler-options` for tpe (kebab-case keys, as in a space file). */
export function parseTpeOptions(raw: Record<string, unknown>): TpeOptions {
  const o: TpeOptions = { ...TPE_DEFAULTS };
  for (const [key, value] of Object.entries(raw)) {
    const field = KEYS[key];
    // keys of other samplers are ignored, as the grid sampler does: `--sampler` may override the file's sampler
    if (!field) continue;
    switch (field) {
      case 'multivariate':
        if (typeof value !== 'boolean' && value !== 'alternate') throw bad(key, value, "true, false or 'alternate'");
        o[field] = value;
        break;
      case 'constantLiar':
        if (typeof value !== 'boolean') throw bad(key, value, 'true or false');
        o[field] = value;
        break;
      case 'nStartupTrials':
      case 'nEiCandidates':
      case 'gammaMax':
      case 'maxAbove':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < (field === 'nStartupTrials' ? 0 : 1)) throw bad(key, value, field === 'nStartupTrials' ? 'an integer ≥ 0' : 'an integer ≥ 1');
        o[field] = value;
        break;
      case 'priorWeight':
        if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw bad(key, value, 'a number > 0, e.g. 1');
        o[field] = value;
        break;
      case 'gamma':
        if (typeof value !== 'number' || !(value > 0 && value < 1)) throw bad(key, value, 'a fraction in (0, 1), e.g. 0.1');
        o[field] = value;
        break;
      case 'jointWeight':
        if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw bad(key, value, 'a weight in (0, 1]');
        o[field] = value;
        break;
      case 'branchExploration':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw bad(key, value, 'a probability in [0, 1]');
        o[field] = value;
        break;
      case 'startup':
        if (value !== 'random' && value !== 'sobol') throw bad(key, value, 'random or sobol');
        o[field] = value;
        break;
      case 'bandwidth':
        if (value !== 'neighbour' && value !== 'scott') throw bad(key, value, 'neighbour or scott');
        o[field] = value;
        break;
      case 'kernelScale':
        if (value !== 'density' && value !== 'height') throw bad(key, value, 'density or height');
        o[field] = value;
        break;
      case 'split':
        if (value !== 'group' && value !== 'global') throw bad(key, value, 'group or global');
        o[field] = value;
        break;
    }
  }
  return o;
}
