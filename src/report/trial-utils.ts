/** Small facts about trials that every report builder asks. */
import type { Direction, EpochRecord, Trial } from '../study/types.js';

/** Is `a` better than `b` in this direction? */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === 'maximize' ? a > b : a < b;
}

export function finite(x: number | undefined | null): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A complete trial with a finite metric: the only kind that ranks. */
export function isRankable(t: Trial): t is Trial & { metrics: NonNullable<Trial['metrics']> } {
  return t.state === 'complete' && t.metrics !== undefined && finite(t.metrics.value);
}

/** Milliseconds since the epoch of an ISO time, or null. */
export function timeOf(iso: string | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

export function lastEpoch(t: Trial): EpochRecord | undefined {
  let last: EpochRecord | undefined;
  for (const e of t.intermediate) if (!last || e.epoch >= last.epoch) last = e;
  return last;
}

/** Best first; ties go to the earlier trial. */
export function rankTrials(trials: readonly Trial[], direction: Direction): Array<Trial & { metrics: NonNullable<Trial['metrics']> }> {
  return trials.filter(isRankable).sort((a, b) => {
    const va = a.metrics.value;
    const vb = b.metrics.value;
    if (va !== vb) return isBetter(va, vb, direction) ? -1 : 1;
    return a.number - b.number;
  });
}

/** The worker a trial ran on, as the timeline names it. */
export function workerOf(t: Trial): string {
  return t.worker ?? t.device ?? 'unknown worker';
}
