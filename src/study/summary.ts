import type { Direction, Trial, TrialState } from './types.js';

export function countByState(trials: readonly Trial[]): Record<TrialState, number> {
  const c: Record<TrialState, number> = { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 };
  for (const t of trials) c[t.state]++;
  return c;
}

/** The best complete trial (ties go to the earlier one). */
export function bestTrial(trials: readonly Trial[], direction: Direction): Trial | undefined {
  let best: Trial | undefined;
  for (const t of trials) {
    if (t.state !== 'complete' || !t.metrics) continue;
    if (!best || (direction === 'maximize' ? t.metrics.value > best.metrics!.value : t.metrics.value < best.metrics!.value)) best = t;
  }
  return best;
}
