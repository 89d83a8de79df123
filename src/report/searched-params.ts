/**
 * Which settings a study searched, and on what scale, read from the space file
 * stored with the study (`meta.space.search`). A study without one (or with a
 * space the report cannot read) falls back to what the trials show.
 */
import type { ParamValue, Trial } from '../study/types.js';

export interface SearchedParam {
  key: string;
  kind: 'numeric' | 'categorical';
  /** Numeric settings declared `log: true` (or, inferred, spanning two decades or more of positive values). */
  log: boolean;
  /** Declared or observed range of a numeric setting. */
  low?: number;
  high?: number;
  /** Categorical choices in the space's order (observed values, sorted, when inferred). */
  choices?: ParamValue[];
  /** Where the description came from. */
  source: 'space' | 'trials';
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isParamValue(x: unknown): x is ParamValue {
  return typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean';
}

function numberPair(x: unknown): [number, number] | null {
  return Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === 'number' && Number.isFinite(v)) ? [x[0] as number, x[1] as number] : null;
}

/** Searched settings from the stored space, in the file's order; null when the space has no readable `search` map. */
export function paramsFromSpace(space: unknown): SearchedParam[] | null {
  if (!isRecord(space) || !isRecord(space.search)) return null;
  const out: SearchedParam[] = [];
  for (const [key, spec] of Object.entries(space.search)) {
    if (!isRecord(spec)) continue; // a fixed value: not searched
    const range = numberPair(spec.float) ?? numberPair(spec.int);
    if (range) {
      const [low, high] = range;
      if (low === high) continue;
      out.push({ key, kind: 'numeric', log: spec.log === true && low > 0, low: Math.min(low, high), high: Math.max(low, high), source: 'space' });
    } else if (Array.isArray(spec.choices)) {
      const choices = spec.choices.filter(isParamValue);
      if (choices.length > 1) out.push({ key, kind: 'categorical', log: false, choices, source: 'space' });
    }
  }
  return out;
}

/** Settings that vary across the trials, described from their values. */
export function paramsFromTrials(trials: readonly Trial[]): SearchedParam[] {
  const values = new Map<string, ParamValue[]>();
  for (const t of trials) {
    for (const [k, v] of Object.entries(t.params)) {
      let list = values.get(k);
      if (!list) values.set(k, (list = []));
      list.push(v);
    }
  }
  const out: SearchedParam[] = [];
  for (const key of [...values.keys()].sort()) {
    const vs = values.get(key)!;
    const distinct = new Map(vs.map((v) => [`${typeof v}:${String(v)}`, v]));
    if (distinct.size < 2) continue;
    const nums = vs.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (vs as number[]) : null;
    if (nums && distinct.size > 6) {
      let low = Infinity;
      let high = -Infinity;
      for (const v of nums) {
        if (v < low) low = v;
        if (v > high) high = v;
      }
      out.push({ key, kind: 'numeric', log: low > 0 && high / low >= 100, low, high, source: 'trials' });
    } else {
      const choices = [...distinct.values()].sort((a, b) =>
        typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)),
      );
      out.push({ key, kind: 'categorical', log: false, choices, source: 'trials' });
    }
  }
  return out;
}

/** The study's searched settings: from the space when it says, else from the trials. */
export function searchedParams(space: unknown, trials: readonly Trial[]): SearchedParam[] {
  const declared = paramsFromSpace(space);
  if (declared === null || declared.length === 0) return paramsFromTrials(trials);
  // A value the space does not list (an older space file, an edited study) still gets a place on the axis.
  for (const p of declared) {
    if (p.kind !== 'categorical') continue;
    const seen = new Set(p.choices!.map((c) => `${typeof c}:${String(c)}`));
    for (const t of trials) {
      const v = t.params[p.key];
      if (v !== undefined && !seen.has(`${typeof v}:${String(v)}`)) {
        seen.add(`${typeof v}:${String(v)}`);
        p.choices!.push(v);
      }
    }
  }
  return declared;
}
