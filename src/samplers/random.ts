import { fromUnit } from '../space/distributions.js';
import { isActive } from '../space/conditions.js';
import type { Params } from '../study/types.js';
import { sampleAllowed, type Sampler, type SamplerContext, type SamplerFactory } from './base.js';

/** Independent uniform draws (log-uniform on log scales); inactive settings are skipped. */
export class RandomSampler implements Sampler {
  readonly name = 'random';

  sample(ctx: SamplerContext): Params {
    return sampleAllowed(ctx.space, () => {
      const point: Params = { ...ctx.space.fixed };
      const out: Params = {};
      for (const spec of ctx.space.params) {
        if (!isActive(spec, point)) continue;
        out[spec.key] = point[spec.key] = fromUnit(spec.dist, ctx.rng.next());
      }
      return out;
    });
  }
}

export const randomSampler: SamplerFactory = {
  description: 'uniform random search; the baseline, and a good first pass on a new space',
  create: () => new RandomSampler(),
};
