import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { SobolSequence } from '../math/sobol.js';
import { isActive } from '../space/conditions.js';
import { fromUnit } from '../space/distributions.js';
import type { SearchSpace } from '../space/types.js';
import type { Params } from '../study/types.js';
import { sampleAllowed, type Sampler, type SamplerContext, type SamplerFactory } from './base.js';

/**
 * Quasi-random search: trial n takes point n of a Sobol sequence over the unit cube, mapped through
 * each setting's distribution (log scales, int cells and categorical choices are equal shares of
 * [0, 1), so each stays stratified). Every searched key owns one dimension over the whole space,
 * active or not, so a conditional setting keeps its own low-discrepancy stream. Scrambled (random
 * linear matrix scramble + digital shift seeded by the study seed) unless `scramble: false`.
 *
 * A point that hits a forbidden combination is replaced by uniform random draws from the trial's
 * generator (the next trial still takes the next Sobol point).
 */
export class SobolSampler implements Sampler {
  readonly name = 'sobol';
  private cache?: { space: SearchSpace; seed: number | undefined; seq: SobolSequence };

  constructor(private readonly scramble: boolean) {}

  private sequence(space: SearchSpace, studySeed: number): SobolSequence {
    const seed = this.scramble ? studySeed : undefined;
    if (!this.cache || this.cache.space !== space || this.cache.seed !== seed) {
      this.cache = { space, seed, seq: new SobolSequence(space.params.length, seed) };
    }
    return this.cache.seq;
  }

  sample(ctx: SamplerContext): Params {
    const u = this.sequence(ctx.space, ctx.studySeed).point(ctx.trials.length);
    let attempt = 0;
    return sampleAllowed(ctx.space, () => {
      const point: Params = { ...ctx.space.fixed };
      const out: Params = {};
      ctx.space.params.forEach((spec, d) => {
        if (!isActive(spec, point)) return;
        const x = attempt === 0 ? u[d]! : ctx.rng.next();
        out[spec.key] = point[spec.key] = fromUnit(spec.dist, x);
      });
      attempt++;
      return out;
    });
  }
}

export const sobolSampler: SamplerFactory = {
  description: 'scrambled Sobol quasi-random points: even coverage of the space for the same budget as random; no model',
  create: (options) => {
    const scramble = options['scramble'] ?? true;
    if (typeof scramble !== 'boolean') {
      throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `scramble must be true or false, got ${JSON.stringify(scramble)}`, {
        key: 'sweep.sampler-options.scramble',
        expected: 'true or false',
      });
    }
    return new SobolSampler(scramble);
  },
};
