/**
 * Parallel coordinates of the searched settings: every axis mapped to [0, 1]
 * (numeric linearly or on a log scale, categorical as evenly spaced positions
 * in the space's order), one line per complete trial, the metric last.
 * A setting that is not active in a trial sits in an "n/a" lane below its axis,
 * so every trial stays one unbroken line.
 */
import type { Direction, Trial } from '../study/types.js';
import { formatParam } from './format.js';
import type { SearchedParam } from './searched-params.js';
import { rankTrials } from './trial-utils.js';

/** More axes than this crowd a laptop screen; the most important settings keep theirs. */
export const MAX_PARALLEL_AXES = 14;
/** Where an inactive setting is drawn (below 0, the axis's low end). */
export const NA_POSITION = -0.12;

export interface ParallelTick {
  pos: number;
  label: string;
}

export interface ParallelAxis {
  key: string;
  /** The key up to its last dot ("optimizer" of "optimizer.lr"); empty for a top-level key. */
  group: string;
  /** The last segment of the key. */
  name: string;
  kind: 'numeric' | 'categorical' | 'metric';
  log: boolean;
  ticks: ParallelTick[];
  /** Some trials lack this setting: the n/a lane is labelled. */
  hasInactive: boolean;
}

export interface ParallelLine {
  trial: number;
  value: number;
  isBest: boolean;
  /** One position per axis, in axis order (the metric last); NA_POSITION where inactive. */
  pos: number[];
}

export interface ParallelModel {
  axes: ParallelAxis[];
  /** Worst first, so the best lines are drawn on top. */
  lines: ParallelLine[];
  /** Searched settings left off for room (least important first out). */
  omitted: string[];
}

interface Scale {
  pos(v: unknown): number | null;
  ticks: ParallelTick[];
}

function splitKey(key: string): { group: string; name: string } {
  const dot = key.lastIndexOf('.');
  return dot > 0 ? { group: key.slice(0, dot), name: key.slice(dot + 1) } : { group: '', name: key };
}

function numericScale(p: SearchedParam, observed: number[]): Scale {
  let low = p.low ?? Infinity;
  let high = p.high ?? -Infinity;
  for (const v of observed) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (!Number.isFinite(low) || !Number.isFinite(high)) {
    low = 0;
    high = 1;
  }
  const log = p.log && low > 0;
  const f = (v: number) => (log ? Math.log10(v) : v);
  const span = f(high) - f(low);
  const pos = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && (!log || v > 0) ? (span > 0 ? Math.min(1, Math.max(0, (f(v) - f(low)) / span)) : 0.5) : null);
  const tickValues: number[] = [];
  if (span <= 0) tickValues.push(low);
  else if (log && f(high) - f(low) >= 2 && f(high) - f(low) <= 6) {
    // Whole decades inside the range, with the ends.
    tickValues.push(low);
    for (let d = Math.ceil(f(low) + 0.25); d <= Math.floor(f(high) - 0.25); d++) tickValues.push(10 ** d);
    tickValues.push(high);
  } else {
    const mid = log ? 10 ** ((f(low) + f(high)) / 2) : (low + high) / 2;
    tickValues.push(low, Number(mid.toPrecision(2)), high);
  }
  const isInt = observed.length > 0 && observed.every((v) => Number.isInteger(v)) && Number.isInteger(low) && Number.isInteger(high);
  const ticks = tickValues.map((v) => ({ pos: pos(v)!, label: formatParam(isInt ? Math.round(v) : v) }));
  return { pos, ticks: dedupeTicks(ticks) };
}

function dedupeTicks(ticks: ParallelTick[]): ParallelTick[] {
  const out: ParallelTick[] = [];
  for (const t of ticks) if (!out.some((o) => o.label === t.label || Math.abs(o.pos - t.pos) < 0.06)) out.push(t);
  return out;
}

function categoricalScale(p: SearchedParam): Scale {
  const choices = p.choices ?? [];
  const index = new Map(choices.map((c, i) => [`${typeof c}:${String(c)}`, i]));
  const k = choices.length;
  const at = (i: number) => (k <= 1 ? 0.5 : i / (k - 1));
  const pos = (v: unknown) => {
    const i = index.get(`${typeof v}:${String(v)}`);
    return i === undefined ? null : at(i);
  };
  // Many choices: label every few, always the ends.
  const every = Math.max(1, Math.ceil(k / 8));
  const ticks = choices.map((c, i) => ({ pos: at(i), label: formatParam(c) })).filter((_, i) => i % every === 0 || i === k - 1);
  return { pos, ticks };
}

/**
 * The parallel-coordinates data of the complete trials.
 * `importance` (key -> share) picks which settings keep an axis when there are too many.
 */
export function buildParallel(
  params: readonly SearchedParam[],
  trials: readonly Trial[],
  direction: Direction,
  metric: string,
  importance: ReadonlyMap<string, number> = new Map(),
): ParallelModel {
  const ranked = rankTrials(trials, direction);
  let kept = [...params];
  let omitted: string[] = [];
  if (kept.length > MAX_PARALLEL_AXES) {
    const byImportance = [...kept].sort((a, b) => (importance.get(b.key) ?? 0) - (importance.get(a.key) ?? 0) || a.key.localeCompare(b.key));
    const keep = new Set(byImportance.slice(0, MAX_PARALLEL_AXES).map((p) => p.key));
    omitted = byImportance.slice(MAX_PARALLEL_AXES).map((p) => p.key);
    kept = kept.filter((p) => keep.has(p.key));
  }

  const scales = kept.map((p) =>
    p.kind === 'numeric'
      ? numericScale(
          p,
          ranked.map((t) => t.params[p.key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
        )
      : categoricalScale(p),
  );
  const values = ranked.map((t) => t.metrics.value);
  const vLow = values.length ? Math.min(...values) : 0;
  const vHigh = values.length ? Math.max(...values) : 1;
  const metricPos = (v: number) => (vHigh > vLow ? (v - vLow) / (vHigh - vLow) : 0.5);
  const metricTicks =
    vHigh > vLow
      ? [
          { pos: 0, label: vLow.toFixed(4) },
          { pos: 1, label: vHigh.toFixed(4) },
        ]
      : [{ pos: 0.5, label: vLow.toFixed(4) }];

  const inactive = kept.map(() => false);
  const lines: ParallelLine[] = ranked.map((t, r) => {
    const pos = kept.map((p, i) => {
      const x = t.params[p.key] === undefined ? null : scales[i]!.pos(t.params[p.key]);
      if (x === null) inactive[i] = true;
      return x ?? NA_POSITION;
    });
    pos.push(metricPos(t.metrics.value));
    return { trial: t.number, value: t.metrics.value, isBest: r === 0, pos };
  });
  lines.reverse();

  const axes: ParallelAxis[] = kept.map((p, i) => ({
    key: p.key,
    ...splitKey(p.key),
    kind: p.kind,
    log: p.kind === 'numeric' && p.log,
    ticks: scales[i]!.ticks,
    hasInactive: inactive[i]!,
  }));
  axes.push({ key: `metric:${metric}`, group: 'validation', name: metric, kind: 'metric', log: false, ticks: metricTicks, hasInactive: false });
  return { axes, lines, omitted };
}
