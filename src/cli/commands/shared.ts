import { availableParallelism } from 'node:os';
import { ERROR_CODES, HybridTuneError } from '../../errors.js';
import type { MeanInterval } from '../../ablation/stats.js';

export const out = (s = '') => process.stdout.write(s + '\n');

/** An integer flag ≥ min, or its default. */
export function intOption(name: string, v: unknown, min: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new HybridTuneError(ERROR_CODES.BAD_FLAG, `'${String(v)}' is not a valid value`, { key: `--${name}`, expected: `an integer ≥ ${min}` });
  }
  return v;
}

export function workersOption(v: unknown): number {
  return intOption('workers', v, 1, availableParallelism());
}

/** A progress counter on a terminal; nothing elsewhere. */
export function progressLine(label: string): { update(done: number, total: number): void; end(): void } {
  const tty = process.stderr.isTTY === true;
  return {
    update(done, total) {
      if (tty) process.stderr.write(`\r${label} ${done}/${total}`);
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

export const f4 = (v: number | null | undefined) => (v === null || v === undefined ? '   —  ' : v.toFixed(4));
export const signed = (v: number | null | undefined) => (v === null || v === undefined ? '   —   ' : `${v >= 0 ? '+' : ''}${v.toFixed(4)}`);
export const ci = (m: MeanInterval | null | undefined, fmt = f4) => (m ? `[${fmt(m.low)}, ${fmt(m.high)}]` : '');
