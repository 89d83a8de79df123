import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { gridValues } from '../space/distributions.js';
import { isActive } from '../space/conditions.js';
import type { SearchSpace } from '../space/types.js';
import type { Params } from '../study/types.js';
import { completePoint, pointIsForbidden, type Sampler, type SamplerContext, type SamplerFactory } from './base.js';

/** Every combination of the grid values, conditions respected (inactive keys are left out). */
export function enumerateGrid(space: SearchSpace, floatPoints: number): Params[] {
  const out: Params[] = [];
  const walk = (i: number, point: Params, chosen: Params) => {
    if (i === space.params.length) {
      out.push({ ...chosen });
      return;
    }
    const spec = space.params[i]!;
    if (!isActive(spec, point)) {
      walk(i + 1, point, chosen);
      return;
    }
    for (const v of gridValues(spec.dist, floatPoints)) {
      point[spec.key] = v;
      chosen[spec.key] = v;
      walk(i + 1, point, chosen);
      delete point[spec.key];
      delete chosen[spec.key];
    }
  };
  walk(0, { ...space.fixed }, {});
  return out.filter((p) => !pointIsForbidden(space, completePoint(space, p)));
}

const keyOf = (p: Params) => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]));

/**
 * Exhaustive search over a grid, in an order shuffled by the study seed (so a
 * budget smaller than the grid still covers it evenly). Stateless: the next
 * point is the first one no earlier trial has taken.
 */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  private cache?: { space: SearchSpace; seed: number; points: Params[] };

  constructor(private readonly floatPoints: number) {}

  /** Number of points in the grid of a space. */
  size(space: SearchSpace): number {
    return enumerateGrid(space, this.floatPoints).length;
  }

  sample(ctx: SamplerContext): Params {
    // The shuffle must not depend on the trial number: it uses the study seed.
    const seed = ctx.studySeed;
    if (!this.cache || this.cache.space !== ctx.space || this.cache.seed !== seed) {
      const points = enumerateGrid(ctx.space, this.floatPoints);
      const order = points.map((p, i) => ({ p, k: hashMix(seed, i) })).sort((a, b) => a.k - b.k).map((x) => x.p);
      this.cache = { space: ctx.space, seed, points: order };
    }
    const taken = new Set(ctx.trials.map((t) => keyOf(pickSearched(ctx.space, t.params))));
    const next = this.cache.points.find((p) => !taken.has(keyOf(p)));
    if (!next) {
      throw new HybridTuneError(ERROR_CODES.SPACE_EXHAUSTED, `the grid is exhausted: all ${this.cache.points.length} points were tried`, {
        expected: 'a smaller --n-trials, more grid points (sampler-options.float-points) or another sampler',
      });
    }
    return { ...next };
  }
}

function pickSearched(space: SearchSpace, params: Params): Params {
  const out: Params = {};
  for (const s of space.params) if (params[s.key] !== undefined) out[s.key] = params[s.key]!;
  return out;
}

function hashMix(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export const gridSampler: SamplerFactory = {
  description: 'every combination of choices (floats at `float-points` evenly spaced values), shuffled by seed; stops when exhausted',
  create: (options) => {
    const fp = options['float-points'] ?? 3;
    if (typeof fp !== 'number' || !Number.isInteger(fp) || fp < 1) {
      throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `float-points must be a positive integer, got ${String(fp)}`, {
        key: 'sweep.sampler-options.float-points',
        expected: 'an integer ≥ 1, e.g. 3',
      });
    }
    return new GridSampler(fp);
  },
};
