import { badSamplerOption } from '../base.js';
import { parseTpeOptions, type TpeOptions } from '../tpe/options.js';

export interface BohbOptions {
  /** The TPE model fitted at the chosen epoch: every tpe option applies (same keys, same defaults). */
  tpe: TpeOptions;
  /**
   * Fraction of the proposals drawn from the prior (uniform over the space) once the model is in use:
   * BOHB's ρ. It keeps Hyperband's guarantee (at worst a constant factor slower than random search)
   * when the model is misled, e.g. at an epoch whose ranking is not the final one.
   */
  randomFraction: number;
  /**
   * Observations an epoch needs before the model is fitted there; undefined: max(d + 2, n-startup-trials),
   * d the number of searched settings.
   */
  minPoints?: number;
}

export const BOHB_RANDOM_FRACTION = 1 / 3;

const bad = (key: string, value: unknown, expected: string) => badSamplerOption('bohb', key, value, expected);

/** Validates `sweep.sampler-options` for bohb: its own keys plus every tpe key; other keys are ignored. */
export function parseBohbOptions(raw: Record<string, unknown>): BohbOptions {
  const o: BohbOptions = { tpe: parseTpeOptions(raw), randomFraction: BOHB_RANDOM_FRACTION };
  const rf = raw['random-fraction'];
  if (rf !== undefined) {
    if (typeof rf !== 'number' || !(rf >= 0 && rf <= 1)) throw bad('random-fraction', rf, 'a fraction in [0, 1], e.g. 0.33');
    o.randomFraction = rf;
  }
  const mp = raw['min-points'];
  if (mp !== undefined) {
    if (typeof mp !== 'number' || !Number.isInteger(mp) || mp < 2) throw bad('min-points', mp, 'an integer ≥ 2');
    o.minPoints = mp;
  }
  return o;
}
