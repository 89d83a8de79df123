import type { SamplerFactory } from './base.js';
import { bohbSampler } from './bohb/index.js';
import { gpSampler } from './gp/index.js';
import { gridSampler } from './grid.js';
import { randomSampler } from './random.js';
import { sobolSampler } from './sobol.js';
import { tpeSampler } from './tpe/index.js';

/** Every sampler, by the name a space file or `--sampler` uses. */
export const SAMPLERS = {
  random: randomSampler,
  grid: gridSampler,
  sobol: sobolSampler,
  tpe: tpeSampler,
  gp: gpSampler,
  bohb: bohbSampler,
} as const satisfies Record<string, SamplerFactory>;

export type SamplerName = keyof typeof SAMPLERS;
