import type { SamplerFactory } from './base.js';
import { gridSampler } from './grid.js';
import { randomSampler } from './random.js';

/** Every sampler, by the name a space file or `--sampler` uses. */
export const SAMPLERS = {
  random: randomSampler,
  grid: gridSampler,
} as const satisfies Record<string, SamplerFactory>;

export type SamplerName = keyof typeof SAMPLERS;
