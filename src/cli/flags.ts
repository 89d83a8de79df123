import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { parseDuration } from '../study/status.js';

export const out = (s = ''): void => {
  process.stdout.write(s + '\n');
};
export const err = (s: string): void => {
  process.stderr.write(s + '\n');
};

export function badFlag(flag: string, message: string, expected: string): HybridTuneError {
  return new HybridTuneError(ERROR_CODES.BAD_FLAG, message, { key: flag, expected });
}

export function intFlag(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw badFlag(`--${name}`, `'${String(v)}' is not a valid value`, `an integer ≥ ${min}`);
  return v;
}

/** A duration flag (`8h`, `30m`, `90s`, `1h30m`, plain seconds) in seconds. */
export function durationFlag(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const seconds = parseDuration(String(v));
  if (seconds === undefined || !(seconds > 0)) throw badFlag(`--${name}`, `'${String(v)}' is not a duration`, 'e.g. 8h, 30m, 90s, 1h30m');
  return seconds;
}
