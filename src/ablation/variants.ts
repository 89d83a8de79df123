/**
 * What "remove a strategy" means for each kind of registry key, read from the
 * registry (never a list of names here):
 * - a family chosen with one key (`balance`, `schedule`, `head`, `optimizer`, `adapt`):
 *   back to the family's neutral strategy (`neutral: true`), else its default;
 * - a strategy switched on (`augment.mixup`, `distill`, `self-train`): off;
 * - a shared family setting that declares a neutral value (`regularize.dropout`,
 *   `schedule.warmup`, `balance.reweight`): that value.
 * The backbone is what the recipe is built on, not a strategy: it is never removed.
 */
import { FAMILIES, resolveRecipe } from '../strategies/registry.js';
import type { Family } from '../strategies/types.js';
import type { Params, ParamValue } from '../study/types.js';

const KEPT_FAMILIES = new Set(['backbone']);

export interface Ablation {
  /** What is removed: a strategy id (`balance.smote`, `augment.mixup`, `distill`) or a setting key (`regularize.dropout`). */
  strategy: string;
  kind: 'choice' | 'toggle' | 'setting';
  /** The key that changes, and its value before and after. */
  key: string;
  from: ParamValue;
  to: ParamValue;
  /** The full recipe without it. */
  params: Params;
}

function neutralChoice(f: Family): string | undefined {
  return f.strategies.find((s) => s.neutral)?.name ?? f.default;
}

/** One ablation per strategy or neutral-able setting that the recipe uses, in apply order. */
export function ablations(given: Params): Ablation[] {
  const { params, strategies } = resolveRecipe(given);
  const out: Ablation[] = [];
  const without = (patch: Params): Params => resolveRecipe({ ...params, ...patch }).params;
  const order = new Map(strategies.map((s, i) => [s.id, i]));
  for (const f of Object.values(FAMILIES) as Family[]) {
    if (KEPT_FAMILIES.has(f.name)) continue;
    if (f.mode === 'one') {
      const to = neutralChoice(f);
      const from = params[f.name] as string;
      if (to !== undefined && from !== to) out.push({ strategy: `${f.name}.${from}`, kind: 'choice', key: f.name, from, to, params: without({ [f.name]: to }) });
    }
    if (f.mode === 'any') {
      for (const s of f.strategies) if (params[s.id] === true) out.push({ strategy: s.id, kind: 'toggle', key: s.id, from: true, to: false, params: without({ [s.id]: false }) });
    }
    for (const d of f.shared) {
      const key = `${f.name}.${d.name}`;
      if (d.neutral === undefined || !(key in params) || params[key] === d.neutral) continue;
      out.push({ strategy: key, kind: 'setting', key, from: params[key]!, to: d.neutral, params: without({ [key]: d.neutral }) });
    }
  }
  // apply order, so the table reads like the recipe
  const rank = (a: Ablation) => {
    const family = a.key.split('.')[0]!;
    return order.get(a.strategy) ?? order.get(family) ?? order.get(`${family}.${String(params[family])}`) ?? 1e9;
  };
  return out.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i).map((x) => x.a);
}

/**
 * The default recipe on the same backbone: every key at its default except the
 * backbone's, which the recipe keeps. The reference "no strategies" point.
 */
export function defaultRecipeOn(given: Params): Params {
  const { params } = resolveRecipe(given);
  const backbone: Params = {};
  for (const [k, v] of Object.entries(params)) if (k === 'backbone' || k.startsWith('backbone.')) backbone[k] = v;
  return resolveRecipe(backbone).params;
}
