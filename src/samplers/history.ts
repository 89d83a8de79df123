/**
 * What model-based samplers learn from: the trials so far turned into losses (lower is better,
 * whatever the study's direction) and a ranking that puts complete trials first, then the
 * "lies" for trials still running, then pruned trials by how far they got.
 */
import type { ParamSpec, SearchSpace } from '../space/types.js';
import { toUnit } from '../space/distributions.js';
import type { Direction, Params, Trial } from '../study/types.js';

export interface History {
  /** The trials used, in number order. */
  trials: Trial[];
  /** Loss to minimise: ±value; +Infinity for a running trial counted as a constant lie. */
  loss: Float64Array;
  /** 0 complete, 1 constant lie (running or waiting), 2 pruned: the first key of the ranking. */
  tier: Uint8Array;
  /** Last epoch of a pruned trial: more epochs rank better among pruned trials. */
  epoch: Float64Array;
  /** Complete and pruned trials: what the start-up count and the model fits rest on. */
  finished: number;
}

/**
 * Whether trial a ranks strictly better than trial b (indices into History.trials): complete trials
 * by loss, then lies, then pruned trials by epochs reached and their last value; ties by number.
 */
export function ranksBefore(h: History, a: number, b: number): boolean {
  const ta = h.tier[a]!;
  const tb = h.tier[b]!;
  if (ta !== tb) return ta < tb;
  if (ta === 2 && h.epoch[a] !== h.epoch[b]) return h.epoch[a]! > h.epoch[b]!;
  const la = h.loss[a]!;
  const lb = h.loss[b]!;
  if (la !== lb) return la < lb;
  return a < b;
}

/**
 * The k best of `candidates` (indices, any order) by `ranksBefore`, best first: one pass with a
 * small sorted buffer, O(n·k) in the worst case but O(n) in practice, no full sort of the history.
 */
export function bestK(h: History, candidates: ArrayLike<number>, k: number): number[] {
  const buf: number[] = [];
  if (k <= 0) return buf;
  for (let c = 0; c < candidates.length; c++) {
    const i = candidates[c]!;
    if (buf.length === k && !ranksBefore(h, i, buf[k - 1]!)) continue;
    let pos = buf.length < k ? buf.length : k - 1;
    if (buf.length < k) buf.push(i);
    while (pos > 0 && ranksBefore(h, i, buf[pos - 1]!)) {
      buf[pos] = buf[pos - 1]!;
      pos--;
    }
    buf[pos] = i;
  }
  return buf;
}

/** Last reported intermediate value and its epoch, for ranking pruned trials. */
function lastIntermediate(t: Trial): { epoch: number; value: number } | undefined {
  let best: { epoch: number; value: number } | undefined;
  for (const r of t.intermediate) if (!best || r.epoch >= best.epoch) best = { epoch: r.epoch, value: r.value };
  return best;
}

/**
 * Complete trials with a finite value, pruned trials (ranked after every complete one: fewer epochs
 * = worse), and with `includeRunning` the running and waiting trials as the worst complete value
 * (the constant liar). Failed trials, and complete ones without a finite value, are left out.
 */
export function collectHistory(trials: readonly Trial[], direction: Direction, includeRunning: boolean): History {
  const sign = direction === 'minimize' ? 1 : -1;
  const n = trials.length;
  const used: Trial[] = [];
  const loss = new Float64Array(n);
  const tier = new Uint8Array(n);
  const epoch = new Float64Array(n);
  let finished = 0;
  for (const t of trials) {
    const i = used.length;
    if (t.state === 'complete') {
      const v = t.metrics?.value;
      if (v === undefined || !Number.isFinite(v)) continue;
      used.push(t);
      loss[i] = sign * v;
      finished++;
    } else if (t.state === 'pruned') {
      const last = lastIntermediate(t);
      const v = t.metrics?.value ?? last?.value;
      used.push(t);
      loss[i] = v !== undefined && Number.isFinite(v) ? sign * v : Infinity;
      tier[i] = 2;
      epoch[i] = last?.epoch ?? 0;
      finished++;
    } else if (includeRunning && (t.state === 'running' || t.state === 'waiting')) {
      used.push(t);
      loss[i] = Infinity;
      tier[i] = 1;
    }
  }
  const m = used.length;
  return { trials: used, loss: loss.slice(0, m), tier: tier.slice(0, m), epoch: epoch.slice(0, m), finished };
}

/**
 * A trial's searched values in unit form, one slot per parameter of the space in space order:
 * numbers through `toUnit` (clamped to [0, 1]), categoricals as the choice index, NaN when the
 * parameter is inactive (or its value is no longer one of the choices).
 */
export function encodeUnit(specs: readonly ParamSpec[], params: Params): Float64Array {
  const out = new Float64Array(specs.length);
  for (let j = 0; j < specs.length; j++) {
    const spec = specs[j]!;
    const v = params[spec.key];
    if (v === undefined) {
      out[j] = NaN;
    } else if (spec.dist.kind === 'categorical') {
      const i = spec.dist.choices.findIndex((c) => c === v);
      out[j] = i < 0 ? NaN : i;
    } else if (typeof v !== 'number' || !Number.isFinite(v) || (spec.dist.log && v <= 0)) {
      out[j] = NaN;
    } else {
      const u = toUnit(spec.dist, v);
      out[j] = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : NaN;
    }
  }
  return out;
}

/**
 * Caches `encodeUnit` by trial number, checked against the params object: a trial's params never
 * change once proposed, so the cache cannot change a result; it only saves re-encoding thousands
 * of trials on every ask. A params object read back from a store (a new object) is re-encoded.
 */
export class UnitEncodingCache {
  private space?: SearchSpace;
  private params: Params[] = [];
  private codes: Float64Array[] = [];

  get(space: SearchSpace, trial: Trial): Float64Array {
    if (space !== this.space) {
      this.space = space;
      this.params = [];
      this.codes = [];
    }
    const n = trial.number;
    if (this.params[n] === trial.params) return this.codes[n]!;
    const code = encodeUnit(space.params, trial.params);
    this.params[n] = trial.params;
    this.codes[n] = code;
    return code;
  }
}
