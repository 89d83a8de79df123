/**
 * The trials as they stood at one fidelity (epoch): what BOHB fits its model to. A trial is observed
 * at epoch e when it reported e, whatever happened later (pruned trials included: they are most of
 * a Hyperband sweep's evaluations at low epochs).
 */
import type { Direction, Trial } from '../../study/types.js';
import type { History } from '../history.js';

/** The value a trial reported at `epoch` (its last report for that epoch), or undefined. */
export function valueAt(trial: Readonly<Trial>, epoch: number): number | undefined {
  let v: number | undefined;
  for (const r of trial.intermediate) if (r.epoch === epoch && Number.isFinite(r.value)) v = r.value;
  return v;
}

/** Whether a trial's reports count as observations (failed trials are left out, as tpe leaves them out). */
const observable = (t: Readonly<Trial>) => t.state !== 'failed';

/** How many trials reported each epoch (a finite value), by epoch. */
export function observationsPerEpoch(trials: readonly Trial[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of trials) {
    if (!observable(t)) continue;
    const seen = new Set<number>();
    for (const r of t.intermediate) {
      if (!Number.isFinite(r.value) || seen.has(r.epoch)) continue;
      seen.add(r.epoch);
      counts.set(r.epoch, (counts.get(r.epoch) ?? 0) + 1);
    }
  }
  return counts;
}

/** The largest epoch that at least `minPoints` trials reported, or undefined when none has. */
export function chooseFidelity(trials: readonly Trial[], minPoints: number): number | undefined {
  let best: number | undefined;
  for (const [epoch, n] of observationsPerEpoch(trials)) if (n >= minPoints && (best === undefined || epoch > best)) best = epoch;
  return best;
}

/**
 * The history TPE fits at `epoch`: every trial that reported the epoch, as if it had completed there
 * with that value; with `includeRunning`, running and waiting trials that have not reached it yet
 * as constant lies (the worst value). Trials that stopped before the epoch, or ended with fewer
 * epochs, were never evaluated at this fidelity and are left out.
 */
export function historyAt(trials: readonly Trial[], direction: Direction, epoch: number, includeRunning: boolean): History {
  const sign = direction === 'minimize' ? 1 : -1;
  const used: Trial[] = [];
  const loss: number[] = [];
  const tier: number[] = [];
  const ep: number[] = [];
  let finished = 0;
  for (const t of trials) {
    if (!observable(t)) continue;
    const v = valueAt(t, epoch);
    if (v !== undefined) {
      used.push(t);
      loss.push(sign * v);
      tier.push(0);
      ep.push(epoch);
      finished++;
    } else if (includeRunning && (t.state === 'running' || t.state === 'waiting')) {
      used.push(t);
      loss.push(Infinity);
      tier.push(1);
      ep.push(0);
    }
  }
  return { trials: used, loss: Float64Array.from(loss), tier: Uint8Array.from(tier), epoch: Float64Array.from(ep), finished };
}
