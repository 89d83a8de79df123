import type { Params } from '../study/types.js';
import type { ParamSpec, SearchSpace } from './types.js';

/** Whether a (possibly partial) assignment satisfies a parameter's conditions. */
export function isActive(spec: ParamSpec, params: Params): boolean {
  return spec.conditions.every((c) => params[c.key] !== undefined && c.values.includes(params[c.key]!));
}

/** Whether an assignment hits a forbidden combination (every listed key has one of the listed values). */
export function isForbidden(forbidden: SearchSpace['forbidden'], params: Params): boolean {
  return forbidden.some((f) => Object.entries(f).every(([k, vs]) => params[k] !== undefined && vs.includes(params[k]!)));
}
