import type { Direction, EpochRecord, Trial } from '../study/types.js';
import { curveNoise, curveStats, learnedPrior, predict, tauLikelihood, type CurveStats } from './curve-model.js';
import { maxEpochsOf, toScore, valueAt, valuesUpTo } from './fidelity.js';
import type { OptionReader } from './options.js';

export const RANK_BY = ['value', 'extrapolated'] as const;
export type RankBy = (typeof RANK_BY)[number];

/** What trials are compared by at a decision point. */
export interface Ranking {
  rankBy: RankBy;
  /** Predict only from this many epochs on; before, the plain value. */
  minPoints: number;
  /** The metric's value before training (0 for accuracy), or 'fit' to estimate it. */
  origin: number | 'fit' | undefined;
  /** A trial is cut only when its prediction plus this many standard deviations is below the cut. */
  confidence: number;
  /** Trials with a third of their epochs needed before the study's own curve-shape prior is used. */
  priorTrials: number;
  /**
   * With `extrapolated`: also stop a trial whose prediction plus this many standard
   * deviations cannot beat the best complete trial; false: no such test.
   */
  beatBest: number | false;
}

export function readRanking(r: OptionReader): Ranking {
  const rankBy = r.choice('rank-by', RANK_BY, 'value');
  return {
    rankBy,
    minPoints: r.number('min-points', 1, { min: 1, integer: true }),
    origin: r.numberOrWord('curve-origin', ['fit'] as const),
    confidence: r.number('confidence', rankBy === 'extrapolated' ? 1 : 0, { min: 0 }),
    priorTrials: r.number('prior-trials', 3, { min: 1, integer: true }),
    beatBest: readBeatBest(r, rankBy),
  };
}

function readBeatBest(r: OptionReader, rankBy: RankBy): number | false {
  const v = r.numberOrBoolean('beat-best', { min: 0 });
  if (v === undefined || v === true) return rankBy === 'extrapolated' ? DEFAULT_BEAT_BEST : false;
  return v;
}

/** mean + z·sd, where an unknown sd (infinite) gives +∞ for any z > 0. */
function margin(s: Score, z: number): number {
  return z === 0 ? s.mean : s.mean + z * s.sd;
}

/** Standard deviations of margin for the incumbent test: it is absolute, so it is made stricter than the rank test. */
const DEFAULT_BEAT_BEST = 2;

/** A trial's standing at a decision point: higher is better; `sd` is the prediction's uncertainty. */
export interface Score {
  mean: number;
  sd: number;
}

// Caches keyed by a trial's `intermediate` array: stores replace it on every update
// and values once reported never change, so answers are the same without them.
const statsCache = new WeakMap<readonly EpochRecord[], Map<string, CurveStats>>();
const noiseCache = new WeakMap<readonly EpochRecord[], number | null>();
/**
 * Curves that teach the prior: at least this fraction of their epochs. Why not all
 * curves, which would make the selection ignorable: three epochs of a slow curve
 * say nothing about its time constant, so a prior learned from every curve is
 * shaped by the fast ones alone and calls slow curves impossible (measured: it
 * lost 0.005 on crossing and 0.008 on consistent curves, random sampler). A third of the training pins the
 * time constant of the curves that got there; the 5% uniform floor keeps the others possible.
 */
const DEEP = 1 / 3;
const likCache = new WeakMap<readonly EpochRecord[], { key: string; lik: Float64Array | null }>();

/**
 * Scores trials for one decision, from one view of the study. With `extrapolated`,
 * the noise level and the curve-shape prior are estimated once from the view.
 */
export class Ranker {
  private sigma: number | undefined | null = null;
  private prior: Float64Array | undefined | null = null;
  private incumbentValue: number | undefined | null = null;

  constructor(
    private readonly trials: readonly Trial[],
    private readonly direction: Direction,
    private readonly ranking: Ranking,
    private readonly maxResource?: number,
  ) {}

  private origin(): number | 'fit' {
    const o = this.ranking.origin ?? (this.direction === 'maximize' ? 0 : 'fit');
    return o === 'fit' ? 'fit' : toScore(o, this.direction);
  }

  private stats(trial: Readonly<Trial>, epoch: number): CurveStats | undefined {
    const origin = this.origin();
    const key = `${epoch}|${this.direction}|${origin}`;
    let m = statsCache.get(trial.intermediate);
    const hit = m?.get(key);
    if (hit) return hit;
    const values = valuesUpTo(trial, epoch);
    if (!values || values.some((v) => !Number.isFinite(v))) return undefined;
    const st = curveStats(
      values.map((v) => toScore(v, this.direction)),
      origin,
    );
    if (!m) statsCache.set(trial.intermediate, (m = new Map()));
    m.set(key, st);
    return st;
  }

  /** The study's noise level: median of the per-trial estimates. */
  noise(): number | undefined {
    if (this.sigma !== null) return this.sigma;
    const per: number[] = [];
    for (const t of this.trials) {
      let s = noiseCache.get(t.intermediate);
      if (s === undefined) {
        const v = t.intermediate.map((r) => r.value);
        s = v.every(Number.isFinite) ? (curveNoise(v) ?? null) : null;
        noiseCache.set(t.intermediate, s);
      }
      if (s !== null) per.push(s);
    }
    per.sort((a, b) => a - b);
    this.sigma = per.length === 0 ? undefined : per.length % 2 ? per[(per.length - 1) / 2]! : (per[per.length / 2 - 1]! + per[per.length / 2]!) / 2;
    return this.sigma;
  }

  /** The study's curve-shape prior, learned from the trials that trained at least a third of their epochs. */
  shapePrior(): Float64Array | undefined {
    if (this.prior !== null) return this.prior;
    const sigma = this.noise();
    const liks: Float64Array[] = [];
    if (sigma !== undefined) {
      // two significant digits: the estimate moves a little with every epoch, the likelihoods need not
      const sq = Number(sigma.toPrecision(2));
      for (const t of this.trials) {
        const n = t.intermediate.length;
        const horizon = maxEpochsOf(t, this.maxResource);
        if (n < Math.max(3, Math.ceil(horizon * DEEP))) continue;
        const key = `${sq}|${horizon}|${this.direction}|${this.origin()}`;
        let c = likCache.get(t.intermediate);
        if (!c || c.key !== key) {
          const st = this.stats(t, n);
          c = { key, lik: st ? tauLikelihood(st, horizon, sq) : null };
          likCache.set(t.intermediate, c);
        }
        if (c.lik) liks.push(c.lik);
      }
    }
    this.prior = liks.length >= this.ranking.priorTrials ? learnedPrior(liks) : undefined;
    return this.prior;
  }

  /** The trial's score at `epoch`, or undefined when it did not get there. */
  score(trial: Readonly<Trial>, epoch: number): Score | undefined {
    const v = valueAt(trial, epoch);
    if (v === undefined) return undefined;
    const horizon = maxEpochsOf(trial, this.maxResource);
    if (this.ranking.rankBy === 'value' || epoch < this.ranking.minPoints || epoch >= horizon || !Number.isFinite(v)) return { mean: toScore(v, this.direction), sd: 0 };
    const st = this.stats(trial, epoch);
    const p = st ? predict(st, horizon, this.noise(), this.shapePrior()) : undefined;
    return p ? { mean: p.mean, sd: p.sd } : { mean: toScore(v, this.direction), sd: 0 };
  }

  /**
   * The best complete trial's final score, denoised by its fitted curve (the
   * observed best is biased upwards by its own noise). Undefined without one.
   */
  incumbent(): number | undefined {
    if (this.incumbentValue !== null) return this.incumbentValue;
    let best: number | undefined;
    for (const t of this.trials) {
      if (t.state !== 'complete' || t.intermediate.length === 0) continue;
      const n = t.intermediate.length;
      const horizon = maxEpochsOf(t, this.maxResource);
      const st = this.stats(t, n);
      const p = st ? predict(st, Math.max(horizon, n), this.noise(), this.shapePrior()) : undefined;
      const v = p && Number.isFinite(p.sd) ? p.mean : toScore(t.intermediate[n - 1]!.value, this.direction);
      if (Number.isFinite(v) && (best === undefined || v > best)) best = v;
    }
    this.incumbentValue = best;
    return best;
  }

  /** Whether the trial's score at a decision point clears the incumbent test (always, unless `beat-best`). */
  canBeatBest(s: Score): boolean {
    if (this.ranking.rankBy !== 'extrapolated' || this.ranking.beatBest === false) return true;
    const inc = this.incumbent();
    return inc === undefined || margin(s, this.ranking.beatBest) >= inc;
  }

  /** The optimistic end of a score: where a trial must still be below the cut to be stopped. */
  upper(s: Score): number {
    return margin(s, this.ranking.confidence);
  }
}
