/**
 * Validation against test: how much the winners lose on data the search never
 * looked at. Picking the best of many trials by validation score flatters it;
 * the gap of the top trials, and whether test agrees with validation on the
 * ranking, say how much.
 */
import type { Direction, SplitMetrics, Trial } from '../study/types.js';
import { finite, rankTrials } from './trial-utils.js';

/** The best trial and the next ones by validation. */
export const GAP_TOP = 5;

export interface GapRow {
  rank: number;
  trial: number;
  valAccuracy: number;
  testAccuracy: number;
  valMacroF1: number;
  testMacroF1: number;
}

export interface GapModel {
  /** Which split metric stands for the study's metric (`accuracy` or `macroF1`). */
  field: 'accuracy' | 'macroF1';
  rows: GapRow[];
  /** Complete trials with test metrics. */
  withTest: number;
  /** Mean of test - validation of that metric, over those trials. */
  meanGap: number | null;
  /** Spearman correlation of validation and test over those trials (null under 3 trials). */
  rankCorrelation: number | null;
  /** Validation and test of that metric for each of those trials, best first. */
  points: Array<{ trial: number; validation: number; test: number }>;
}

/** The split field that the study's metric names: anything with "f1" in it is macro-F1. */
export function metricField(metric: string): 'accuracy' | 'macroF1' {
  return /f1/i.test(metric) ? 'macroF1' : 'accuracy';
}

/** Average ranks, ties sharing the mean of their positions. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]!] === xs[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]!] = r;
    i = j + 1;
  }
  return out;
}

export function spearman(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  if (n < 3 || b.length !== n) return null;
  const ra = ranks(a);
  const rb = ranks(b);
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : null;
}

function usable(m: SplitMetrics | undefined): m is SplitMetrics {
  return m !== undefined && finite(m.accuracy) && finite(m.macroF1);
}

/** Null when no complete trial has test metrics. */
export function buildGap(trials: readonly Trial[], direction: Direction, metric: string): GapModel | null {
  const field = metricField(metric);
  const ranked = rankTrials(trials, direction);
  const both = ranked.filter((t) => usable(t.metrics.validation) && usable(t.metrics.test));
  if (both.length === 0) return null;
  const rankOf = new Map(ranked.map((t, i) => [t.number, i + 1]));
  const rows: GapRow[] = both.slice(0, GAP_TOP).map((t) => ({
    rank: rankOf.get(t.number)!,
    trial: t.number,
    valAccuracy: t.metrics.validation.accuracy,
    testAccuracy: t.metrics.test!.accuracy,
    valMacroF1: t.metrics.validation.macroF1,
    testMacroF1: t.metrics.test!.macroF1,
  }));
  const val = both.map((t) => t.metrics.validation[field]);
  const test = both.map((t) => t.metrics.test![field]);
  const meanGap = test.reduce((s, x, i) => s + (x - val[i]!), 0) / both.length;
  const points = both.map((t, i) => ({ trial: t.number, validation: val[i]!, test: test[i]! }));
  return { field, rows, withTest: both.length, meanGap, rankCorrelation: spearman(val, test), points };
}
