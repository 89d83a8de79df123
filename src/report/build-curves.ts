/**
 * Learning curves of many trials at once: value per epoch, where pruned trials
 * stopped, the best trial on top. Thousands of curves are a grey smear, so a
 * big study shows the best complete ones and an even sample of the pruned.
 */
import { SCHEDULERS } from '../schedulers/registry.js';
import type { Direction, StudyMeta, Trial, TrialState } from '../study/types.js';
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
  /** Rungs the trial passed (it trained on after them): the scheduler's promotions. */
  promotions: CurvePoint[];
}

export interface CurvesModel {
  trials: CurveTrial[];
  /** Trials that reported at least one epoch, by state. */
  total: { complete: number; pruned: number; other: number };
  shown: { complete: number; pruned: number; other: number };
  capped: boolean;
  /** The rung epochs of the shown trials (rung-based schedulers), ascending; empty otherwise. */
  rungs: number[];
}

/** The epochs at which a trial meets a rung: `Scheduler.rungs` of the study's scheduler. */
export type RungsOf = (trial: Readonly<Trial>) => number[];

function points(t: Trial): CurvePoint[] {
  return t.intermediate
    .filter((e) => finite(e.epoch) && finite(e.value))
    .map((e) => ({ epoch: e.epoch, value: e.value }))
    .sort((a, b) => a.epoch - b.epoch);
}

/**
 * The rungs of the study's scheduler, made again from its name and the stored space file's
 * `scheduler-options` (a pure function of the trial, so the report can draw what the sweep decided).
 * Undefined for schedulers without rungs, and when the stored options do not make the scheduler:
 * then no rungs are drawn.
 */
export function schedulerRungs(meta: Pick<StudyMeta, 'scheduler' | 'space'>): RungsOf | undefined {
  const factory = (SCHEDULERS as Record<string, (typeof SCHEDULERS)[keyof typeof SCHEDULERS]>)[meta.scheduler];
  if (!factory) return undefined;
  const sweep = (meta.space as { sweep?: Record<string, unknown> } | undefined)?.sweep;
  // as the sweep made it: the file's options, whichever scheduler ran
  const options = (sweep?.['scheduler-options'] as Record<string, unknown> | undefined) ?? {};
  try {
    const scheduler = factory.create(options);
    return scheduler.rungs ? (t) => scheduler.rungs!(t) : undefined;
  } catch {
    return undefined;
  }
}

/** `k` items spread evenly over `xs` (first and last included). */
function evenSample<T>(xs: readonly T[], k: number): T[] {
  if (xs.length <= k) return [...xs];
  if (k <= 1) return xs.slice(0, k);
  return Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]!);
}

export function buildCurves(trials: readonly Trial[], direction: Direction, rungsOf?: RungsOf): CurvesModel {
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

  const rungSet = new Set<number>();
  const curveTrials: CurveTrial[] = chosen.map((t) => {
    const ps = points(t);
    const rungs = new Set(rungsOf ? rungsOf(t) : []);
    for (const r of rungs) rungSet.add(r);
    const last = ps.length > 0 ? ps[ps.length - 1]!.epoch : 0;
    return {
      trial: t.number,
      state: t.state,
      isBest: t.number === bestNumber,
      rank: rankOf.get(t.number) ?? null,
      points: ps,
      stop: t.state === 'pruned' ? ps[ps.length - 1]! : null,
      promotions: ps.filter((p) => rungs.has(p.epoch) && p.epoch < last),
    };
  });
  const shown = {
    complete: curveTrials.filter((c) => c.rank !== null).length,
    pruned: curveTrials.filter((c) => c.state === 'pruned').length,
    other: curveTrials.filter((c) => c.rank === null && c.state !== 'pruned').length,
  };
  return { trials: curveTrials, total, shown, capped, rungs: [...rungSet].sort((a, b) => a - b) };
}
