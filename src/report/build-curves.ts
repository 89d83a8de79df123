/**
 * Learning curves of many trials at once: value per epoch, where pruned trials
 * stopped, the best trial on top. Thousands of curves are a grey smear, so a
 * big study shows the best complete ones and an even sample of the pruned.
 */
import type { Direction, Trial, TrialState } from '../study/types.js';
import { finite, rankTrials } from './trial-utils.js';

/** Up to this many trials with curves, every one is drawn. */
export const CURVES_SHOW_ALL = 120;
/** Above it: the best this many complete trials ... */
export const CURVES_TOP_COMPLETE = 50;
/** ... and this many pruned ones, evenly spread over the sweep. */
export const CURVES_PRUNED_SAMPLE = 50;

export interface CurvePoint {
  epoch: number;
  value: number;
}

export interface CurveTrial {
  trial: number;
  state: TrialState;
  isBest: boolean;
  /** Rank among complete trials, null otherwise. */
  rank: number | null;
  points: CurvePoint[];
  /** Where a pruned trial stopped: its last reported epoch. */
  stop: CurvePoint | null;
}

export interface CurvesModel {
  trials: CurveTrial[];
  /** Trials that reported at least one epoch, by state. */
  total: { complete: number; pruned: number; other: number };
  shown: { complete: number; pruned: number; other: number };
  capped: boolean;
}

function points(t: Trial): CurvePoint[] {
  return t.intermediate
    .filter((e) => finite(e.epoch) && finite(e.value))
    .map((e) => ({ epoch: e.epoch, value: e.value }))
    .sort((a, b) => a.epoch - b.epoch);
}

/** `k` items spread evenly over `xs` (first and last included). */
function evenSample<T>(xs: readonly T[], k: number): T[] {
  if (xs.length <= k) return [...xs];
  if (k <= 1) return xs.slice(0, k);
  return Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]!);
}

export function buildCurves(trials: readonly Trial[], direction: Direction): CurvesModel {
  const ranked = rankTrials(trials, direction);
  const rankOf = new Map(ranked.map((t, i) => [t.number, i + 1]));
  const bestNumber = ranked[0]?.number ?? null;
  const withCurve = [...trials].filter((t) => points(t).length > 0).sort((a, b) => a.number - b.number);
  const isComplete = (t: Trial) => rankOf.has(t.number);
  const total = {
    complete: withCurve.filter(isComplete).length,
    pruned: withCurve.filter((t) => t.state === 'pruned').length,
    other: withCurve.filter((t) => !isComplete(t) && t.state !== 'pruned').length,
  };

  let chosen: Trial[];
  const capped = withCurve.length > CURVES_SHOW_ALL;
  if (!capped) chosen = withCurve;
  else {
    const top = ranked.filter((t) => points(t).length > 0).slice(0, CURVES_TOP_COMPLETE);
    const pruned = evenSample(
      withCurve.filter((t) => t.state === 'pruned'),
      CURVES_PRUNED_SAMPLE,
    );
    chosen = [...top, ...pruned].sort((a, b) => a.number - b.number);
  }

  const curveTrials: CurveTrial[] = chosen.map((t) => {
    const ps = points(t);
    return {
      trial: t.number,
      state: t.state,
      isBest: t.number === bestNumber,
      rank: rankOf.get(t.number) ?? null,
      points: ps,
      stop: t.state === 'pruned' ? ps[ps.length - 1]! : null,
    };
  });
  const shown = {
    complete: curveTrials.filter((c) => c.rank !== null).length,
    pruned: curveTrials.filter((c) => c.state === 'pruned').length,
    other: curveTrials.filter((c) => c.rank === null && c.state !== 'pruned').length,
  };
  return { trials: curveTrials, total, shown, capped };
}
