/**
 * Main-effect importance, in the spirit of fANOVA: for each searched setting,
 * the share of the metric's variance that its main effect explains. Numeric
 * settings are cut into quantile bins, categorical ones grouped by value, and
 * only the trials where the setting is active (present in the params) count.
 * Pure: observations in, numbers out.
 *
 * The share is epsilon-squared, (SSB - (k-1) MSW) / SST, clamped at 0: plain
 * eta-squared credits a pure-noise setting with about (k-1)/(n-1) of the
 * variance, which in a 30-trial study would rank noise beside real effects.
 */
import type { ParamValue } from '../study/types.js';

export interface ImportanceObservation {
  params: Readonly<Record<string, ParamValue>>;
  value: number;
}

export interface ImportanceParam {
  key: string;
  kind: 'numeric' | 'categorical';
  /** Choice order for categorical settings (groups are listed in it); values not in it come after, sorted. */
  choices?: readonly ParamValue[];
}

export interface ImportanceGroup {
  /** The choice, or the bin's range for numeric settings. */
  label: string;
  /** For numeric bins: the smallest and largest value in the bin. */
  low?: number;
  high?: number;
  n: number;
  mean: number;
  /** Standard deviation of the metric within the group (0 for one trial). */
  sd: number;
  best: number;
}

export interface ParamImportance {
  key: string;
  kind: 'numeric' | 'categorical';
  /** Trials where the setting is active and the metric is finite. */
  n: number;
  /** Bias-corrected share of the metric's variance (over those trials) explained by the setting's main effect, in [0, 1]. */
  explained: number;
  /** `explained` normalised over the settings of the same analysis so that they sum to 1; all 0 when none explains anything. */
  importance: number;
  /** False when too few trials or groups were there to estimate anything (explained is then 0). */
  estimable: boolean;
  groups: ImportanceGroup[];
}

export interface ImportanceOptions {
  /** Most quantile bins for a numeric setting (default 10). */
  maxBins?: number;
  /** Fewest active trials for an estimate (default 6). */
  minTrials?: number;
  /** Which end of the metric a group's `best` reports (default maximize). */
  direction?: 'maximize' | 'minimize';
}

/** Quantile bins of numeric values; equal values always share a bin. Returns a bin index per value. */
export function quantileBins(values: readonly number[], maxBins: number): number[] {
  const n = values.length;
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const distinct = new Set(values).size;
  const bins = Math.max(1, Math.min(maxBins, distinct, Math.floor(Math.sqrt(n))));
  const out = new Array<number>(n);
  if (distinct <= bins) {
    // Few values (an int with a short range): one group per value.
    const rank = new Map([...new Set(values)].sort((a, b) => a - b).map((v, i) => [v, i]));
    values.forEach((v, i) => (out[i] = rank.get(v)!));
    return out;
  }
  let firstRankOfValue = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r]!;
    if (r > 0 && values[i] !== values[order[r - 1]!]) firstRankOfValue = r;
    out[i] = Math.min(bins - 1, Math.floor((firstRankOfValue * bins) / n));
  }
  return out;
}

function valueKey(v: ParamValue): string {
  return `${typeof v}:${String(v)}`;
}

function summarise(values: readonly number[], minimize = false): { n: number; mean: number; sd: number; best: number; ss: number } {
  const n = values.length;
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { n, mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, best: minimize ? min : max, ss };
}

/** Groups, and the explained share, of one setting. */
function oneParam(obs: readonly ImportanceObservation[], p: ImportanceParam, maxBins: number, minTrials: number, minimize: boolean): Omit<ParamImportance, 'importance'> {
  const active = obs.filter((o) => p.key in o.params && Number.isFinite(o.value));
  const n = active.length;
  const ys = active.map((o) => o.value);
  let groupOf: number[];
  let labels: Array<{ label: string; low?: number; high?: number }>;
  const numeric = p.kind === 'numeric' && active.every((o) => typeof o.params[p.key] === 'number');
  if (numeric) {
    const xs = active.map((o) => o.params[p.key] as number);
    groupOf = quantileBins(xs, maxBins);
    const k = groupOf.length ? Math.max(...groupOf) + 1 : 0;
    const lo = new Array<number>(k).fill(Infinity);
    const hi = new Array<number>(k).fill(-Infinity);
    xs.forEach((x, i) => {
      const g = groupOf[i]!;
      lo[g] = Math.min(lo[g]!, x);
      hi[g] = Math.max(hi[g]!, x);
    });
    labels = lo.map((l, g) => ({ label: l === hi[g] ? String(l) : `${l} – ${hi[g]}`, low: l, high: hi[g]! }));
  } else {
    const order = new Map<string, number>();
    const display: string[] = [];
    for (const c of p.choices ?? []) {
      if (!order.has(valueKey(c))) {
        order.set(valueKey(c), order.size);
        display.push(String(c));
      }
    }
    const extra = [...new Set(active.map((o) => o.params[p.key]!).filter((v) => !order.has(valueKey(v))).map((v) => valueKey(v)))].sort();
    for (const e of extra) {
      order.set(e, order.size);
      display.push(e.slice(e.indexOf(':') + 1));
    }
    groupOf = active.map((o) => order.get(valueKey(o.params[p.key]!))!);
    labels = display.map((label) => ({ label }));
  }

  const members: number[][] = labels.map(() => []);
  groupOf.forEach((g, i) => members[g]!.push(ys[i]!));
  const groups: ImportanceGroup[] = [];
  const used: Array<ReturnType<typeof summarise>> = [];
  members.forEach((m, g) => {
    if (m.length === 0) return;
    const s = summarise(m, minimize);
    used.push(s);
    groups.push({ ...labels[g]!, n: s.n, mean: s.mean, sd: s.sd, best: s.best });
  });

  const k = used.length;
  const base = { key: p.key, kind: numeric ? ('numeric' as const) : ('categorical' as const), n, groups };
  if (n < minTrials || k < 2 || n - k < 1) return { ...base, explained: 0, estimable: false };
  const total = summarise(ys);
  if (total.ss <= 0) return { ...base, explained: 0, estimable: true };
  const ssw = used.reduce((a, s) => a + s.ss, 0);
  const ssb = Math.max(0, total.ss - ssw);
  const msw = ssw / (n - k);
  const explained = Math.min(1, Math.max(0, (ssb - (k - 1) * msw) / total.ss));
  return { ...base, explained, estimable: true };
}

/**
 * Main-effect importance of each setting over the observations (finite values only).
 * Sorted most important first, then by key.
 */
export function mainEffectImportance(
  observations: readonly ImportanceObservation[],
  params: readonly ImportanceParam[],
  options: ImportanceOptions = {},
): ParamImportance[] {
  const maxBins = options.maxBins ?? 10;
  const minTrials = options.minTrials ?? 6;
  const minimize = options.direction === 'minimize';
  const rows = params.map((p) => oneParam(observations, p, maxBins, minTrials, minimize));
  const sum = rows.reduce((a, r) => a + r.explained, 0);
  return rows
    .map((r) => ({ ...r, importance: sum > 0 ? r.explained / sum : 0 }))
    .sort((a, b) => b.importance - a.importance || a.key.localeCompare(b.key));
}

/**
 * Keys that pick a strategy rather than set one: a family's choice (`balance`,
 * `schedule`, `head`, `optimizer`, any dot-free key) or a toggle of an
 * any-of family (`augment.eda`, `augment.mixup`, ...).
 */
export function isStrategyKey(key: string): boolean {
  if (!key.includes('.')) return true;
  const parts = key.split('.');
  return parts.length === 2 && parts[0] === 'augment';
}

/** The same analysis over the strategy keys only: which strategy choices moved the metric. */
export function strategyImportance(
  observations: readonly ImportanceObservation[],
  params: readonly ImportanceParam[],
  options: ImportanceOptions = {},
): ParamImportance[] {
  return mainEffectImportance(
    observations,
    params.filter((p) => isStrategyKey(p.key)),
    options,
  );
}
