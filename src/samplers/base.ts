import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { Rng } from '../math/rng.js';
import { isForbidden } from '../space/conditions.js';
import type { SearchSpace } from '../space/types.js';
import { implicitCondition, resolveRecipe, settingKeys } from '../strategies/registry.js';
import type { Direction, Params, Trial } from '../study/types.js';

/**
 * Everything a sampler may look at. Samplers are pure: the same context gives the
 * same proposal, so a resumed study asks exactly as an uninterrupted one would.
 */
/** The error for a bad `sweep.sampler-options` value: which sampler, which key, what it got and what it takes. */
export function badSamplerOption(sampler: string, key: string, value: unknown, expected: string): HybridTuneError {
  return new HybridTuneError(ERROR_CODES.BAD_VALUE, `${sampler} option ${key} cannot be ${JSON.stringify(value)}`, { key: `sweep.sampler-options.${key}`, value, expected });
}

export interface SamplerContext {
  space: SearchSpace;
  /** Every trial so far, read-only, in number order (running ones included). */
  trials: readonly Trial[];
  /** Seeded from the study seed and the trial number. */
  rng: Rng;
  trialNumber: number;
  /** The study's seed, for choices that must not change from trial to trial. */
  studySeed: number;
  direction: Direction;
}

export interface Sampler {
  readonly name: string;
  /** Values for the searched keys that are active (the fixed ones are added by the study). */
  sample(ctx: SamplerContext): Params;
}

export interface SamplerFactory {
  description: string;
  create(options: Record<string, unknown>): Sampler;
  /**
   * A note when the sampler is paired with a scheduler it is not meant for (for instance
   * bohb with anything but hyperband), or undefined when the pairing is fine. Library code returns it;
   * whoever sets up the sweep decides whether to print it.
   */
  schedulerAdvice?(scheduler: string): string | undefined;
}

/**
 * The fixed settings plus a proposal: the point of the space a trial runs. A fixed
 * setting of a strategy the proposal did not choose is left out, so a trial's params
 * name only what it used.
 */
export function completePoint(space: SearchSpace, proposal: Params): Params {
  const point: Params = { ...space.fixed, ...proposal };
  const keys = settingKeys();
  for (const key of Object.keys(space.fixed)) {
    const info = keys.get(key);
    const cond = info ? implicitCondition(info) : undefined;
    if (!cond) continue;
    const parent = point[cond.key] ?? keys.get(cond.key)?.decl.default;
    if (parent !== cond.value) delete point[key];
  }
  return point;
}

/** Whether the resolved recipe of a point hits a forbidden combination. */
export function pointIsForbidden(space: SearchSpace, point: Params): boolean {
  return space.forbidden.length > 0 && isForbidden(space.forbidden, resolveRecipe(point).params);
}

/** Draws until the point is allowed; gives up with a clear error when the space is (nearly) all forbidden. */
export function sampleAllowed(space: SearchSpace, draw: () => Params, tries = 1000): Params {
  for (let i = 0; i < tries; i++) {
    const p = draw();
    if (!pointIsForbidden(space, completePoint(space, p))) return p;
  }
  throw new HybridTuneError(ERROR_CODES.SPACE_EXHAUSTED, `no allowed point found in ${tries} draws: the forbidden combinations cover (nearly) the whole space`, {
    key: 'forbidden',
    expected: 'fewer or narrower forbidden entries',
  });
}
