import { settingKeys } from '../strategies/registry.js';
import type { Direction, Trial } from '../study/types.js';

/** The setting that is a trial's fidelity: its number of epochs is its maximum resource. */
export const EPOCHS_KEY = 'optimizer.epochs';

/** The epochs a trial trains when not stopped: `max-resource` if set, else its `optimizer.epochs` (or that setting's default). */
export function maxEpochsOf(trial: Readonly<Trial>, maxResource?: number): number {
  if (maxResource !== undefined) return maxResource;
  const v = trial.params[EPOCHS_KEY];
  if (typeof v === 'number' && Number.isFinite(v) && v >= 1) return Math.floor(v);
  const d = settingKeys().get(EPOCHS_KEY)?.decl.default;
  return typeof d === 'number' ? d : 1;
}

/** The value a trial reported after `epoch`, if it got that far. */
export function valueAt(trial: Readonly<Trial>, epoch: number): number | undefined {
  const recs = trial.intermediate;
  const guess = recs[epoch - 1];
  if (guess && guess.epoch === epoch) return guess.value;
  for (const r of recs) if (r.epoch === epoch) return r.value;
  return undefined;
}

/** Values of epochs 1..epoch in order (undefined when one is missing). */
export function valuesUpTo(trial: Readonly<Trial>, epoch: number): number[] | undefined {
  const out: number[] = [];
  for (let e = 1; e <= epoch; e++) {
    const v = valueAt(trial, e);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** Orients a value so that higher is better; NaN becomes -Infinity (the worst). */
export function toScore(value: number, direction: Direction): number {
  if (Number.isNaN(value)) return Number.NEGATIVE_INFINITY;
  return direction === 'maximize' ? value : -value;
}

/** Rung epochs min·eta^(rate+k), k = 0, 1, ..., below `max` (a decision at the last epoch saves nothing). */
export function rungEpochs(min: number, eta: number, rate: number, max: number): number[] {
  const out: number[] = [];
  for (let k = 0; ; k++) {
    const r = Math.round(min * eta ** (rate + k));
    if (r >= max) break;
    if (out.length === 0 || r > out[out.length - 1]!) out.push(r);
  }
  return out;
}

/** numpy-style linear-interpolation quantile of an ascending array, q in [0, 1]. */
export function quantileSorted(asc: readonly number[], q: number): number {
  if (asc.length === 0) return Number.NaN;
  const pos = (asc.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = asc[lo]!;
  const b = asc[hi]!;
  if (lo === hi || a === b) return a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return pos - lo < 0.5 ? a : b;
  return a + (b - a) * (pos - lo);
}
