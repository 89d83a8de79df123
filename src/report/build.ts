/**
 * Pure report builders: a study's meta and trials in, the numbers the report
 * shows out. No I/O and no clock, so a report is a function of the store.
 */
import { accuracyInterval, type ProportionInterval } from '../analysis/interval.js';
import { mainEffectImportance, strategyImportance, type ImportanceObservation, type ParamImportance } from '../analysis/importance.js';
import { reproducibility, type Reproducibility } from '../study/status.js';
import type { Direction, EpochRecord, Params, ParamValue, SplitMetrics, StudyMeta, Trial, TrialState } from '../study/types.js';
import { buildFollowUps, type FollowUpInput, type FollowUps } from './build-followups.js';
import { buildCurves, schedulerRungs, type CurvesModel } from './build-curves.js';
import { buildGap, type GapModel } from './build-gap.js';
import { buildParallel, type ParallelModel } from './build-parallel.js';
import { buildHistoryOverTime, buildTimeline, type HistoryTimePoint, type TimelineModel } from './build-timeline.js';
import { searchedParams, type SearchedParam } from './searched-params.js';
import { finite, isBetter, isRankable, lastEpoch, rankTrials, timeOf } from './trial-utils.js';

export { isBetter } from './trial-utils.js';

export const TRIAL_STATES: readonly TrialState[] = ['complete', 'pruned', 'failed', 'running', 'waiting'];

/** How many settings the leaderboard shows as columns. */
export const MAX_KEY_PARAMS = 6;

export interface ReportSummary {
  studyName: string;
  metric: string;
  direction: Direction;
  createdAt: string;
  hybridtuneVersion: string;
  seed: number;
  spaceFile: string;
  sources: Array<{ name: string; path: string }>;
  sizes: { train: number; validation: number; test?: number };
  labels: string[];
  fingerprint: string;
  sampler: string;
  scheduler: string;
  backend: string;
  workers: number;
  /** Trials the sweep was asked for. */
  plannedTrials: number;
  totalTrials: number;
  byState: Record<TrialState, number>;
  bestValue: number | null;
  bestTrial: number | null;
  /** Earliest trial start and latest trial finish (ISO), when known. */
  firstStart: string | null;
  lastFinish: string | null;
  /** Seconds from the first trial start to the last trial finish. */
  wallTimeSeconds: number | null;
  /** Sum of per-trial training seconds. */
  computeSeconds: number;
  endReason: string | null;
  runs: number;
  /**
   * 95% Wilson interval of the best trial's validation accuracy, from its
   * confusion matrix: the uncertainty of one measurement on a finite
   * validation set (not of the selection among trials).
   */
  bestInterval: ProportionInterval | null;
  /** Epochs reported, summed over every trial: the compute the sweep spent. */
  epochsTrained: number;
  /** Workers (threads, processes, device slots) that ran trials, natural order. */
  workerNames: string[];
  /** Devices trials ran on, and backends recorded with them. */
  devices: string[];
  backendsUsed: string[];
  /** Which budget or event ended the last run (`n-trials`, `timeout`, ...), when recorded. */
  endedBy: string | null;
  /** How trials were executed (`threads`, `processes`, `inline`) and on which device slots, when recorded. */
  executionBackend: string | null;
  deviceSlots: Array<{ id: string; slots: number }>;
  /** Budgets beyond n-trials, when set: total epochs, and the last run's --timeout in seconds. */
  epochBudget: number | null;
  timeoutSeconds: number | null;
  /** Trials a dead sweep left running that were queued again. */
  requeuedTrials: number;
  /** What the study's results promise (the same text `hybridtune status` prints). */
  reproducibility: Reproducibility;
}

export interface LeaderboardRow {
  /** 1-based rank among complete trials; null for pruned and failed. */
  rank: number | null;
  trial: number;
  state: TrialState;
  /** Final metric for complete trials; the last reported value for pruned ones. */
  value: number | null;
  accuracy: number | null;
  macroF1: number | null;
  bestEpoch: number | null;
  /** Epochs reported before the trial ended. */
  epochs: number;
  duration: number | null;
  keyParams: Array<{ key: string; value: ParamValue }>;
  /** Why a pruned or failed trial stopped; strategy notes for complete ones. */
  reason: string | null;
  /** True when `reason` holds strategy notes (a complete trial flagged, e.g. for double counting). */
  flagged: boolean;
  worker: string | null;
  /** Every setting, for the page's full JSON list. */
  params: Params;
}

export interface HistoryPoint {
  trial: number;
  value: number;
  bestSoFar: number;
  /** True where this trial improved the best so far. */
  improved: boolean;
}

export interface BestRecipe {
  trial: number;
  seed: number;
  value: number;
  bestEpoch: number;
  duration: number | null;
  device: string | null;
  backend: string | null;
  artifact: string | null;
  trainExamples: number;
  notes: string[];
  /** Every setting, sorted by key. */
  params: Array<{ key: string; value: ParamValue }>;
}

export interface ConfusionView {
  split: 'validation' | 'test';
  labels: string[];
  matrix: number[][];
  accuracy: number;
  macroF1: number;
  perClass: SplitMetrics['perClass'];
}

export interface FailureRow {
  trial: number;
  state: 'failed' | 'pruned';
  reason: string;
  epochs: number;
  params: Array<{ key: string; value: ParamValue }>;
}

export interface NoteGroup {
  note: string;
  /** Trials that carry the note, by number. */
  trials: number[];
  includesBest: boolean;
}

export interface ImportanceModel {
  /** Every searched setting (strategy choices included). */
  params: ParamImportance[];
  /** The strategy choices alone, normalised among themselves. */
  strategies: ParamImportance[];
  /** Complete trials the analysis used. */
  trials: number;
}

export interface ReportModel {
  summary: ReportSummary;
  leaderboard: LeaderboardRow[];
  /** The params shown as leaderboard columns: most important first, then those that vary most. */
  keyParamNames: string[];
  best: BestRecipe | null;
  history: HistoryPoint[];
  bestCurve: EpochRecord[];
  confusion: ConfusionView[];
  failures: FailureRow[];
  /** What the study searched, and on which scale. */
  searched: SearchedParam[];
  historyOverTime: HistoryTimePoint[];
  parallel: ParallelModel;
  importance: ImportanceModel;
  curves: CurvesModel;
  timeline: TimelineModel;
  gap: GapModel | null;
  notes: NoteGroup[];
  /** `hybridtune ablate` and `hybridtune confirm`, when they ran (else how to run them). */
  followUps: FollowUps;
}

function sortedParams(params: Readonly<Record<string, ParamValue>>): Array<{ key: string; value: ParamValue }> {
  return Object.keys(params)
    .sort()
    .map((key) => ({ key, value: params[key]! }));
}

/** Params whose value differs between trials: the ones worth a column. */
export function varyingParamNames(trials: readonly Trial[], max = MAX_KEY_PARAMS): string[] {
  return varyingByDistinctValues(trials).slice(0, max).sort();
}

/** Params whose value differs between trials, most distinct values first. */
function varyingByDistinctValues(trials: readonly Trial[]): string[] {
  const seen = new Map<string, Set<string>>();
  const present = new Map<string, number>();
  for (const t of trials) {
    for (const [k, v] of Object.entries(t.params)) {
      let s = seen.get(k);
      if (!s) seen.set(k, (s = new Set()));
      s.add(`${typeof v}:${String(v)}`);
      present.set(k, (present.get(k) ?? 0) + 1);
    }
  }
  const n = trials.length;
  // A key missing from some trials (a conditional setting) varies too.
  const varying = [...seen.entries()].filter(([k, s]) => s.size > 1 || (present.get(k) ?? 0) < n).map(([k]) => k);
  // Most distinct values first: they say most about what the search explored.
  varying.sort((a, b) => seen.get(b)!.size - seen.get(a)!.size || a.localeCompare(b));
  return varying;
}

function stopReason(t: Trial): string {
  if (t.error) return t.error;
  if (t.state === 'pruned') {
    const last = lastEpoch(t);
    return last ? `pruned by the scheduler after epoch ${last.epoch}` : 'pruned by the scheduler';
  }
  if (t.state === 'failed') return 'failed without a recorded reason';
  return 'complete but without a finite metric';
}

function confusionView(split: 'validation' | 'test', m: SplitMetrics, metaLabels: readonly string[]): ConfusionView {
  const k = m.confusion.length;
  const labels =
    m.perClass.length === k
      ? m.perClass.map((c) => c.label)
      : metaLabels.length === k
        ? [...metaLabels]
        : Array.from({ length: k }, (_, i) => String(i));
  return {
    split,
    labels,
    matrix: m.confusion.map((row) => [...row]),
    accuracy: m.accuracy,
    macroF1: m.macroF1,
    perClass: m.perClass.map((c) => ({ ...c })),
  };
}

/**
 * `followUps` carries ablation.json and confirm.json as read from the study
 * folder (see readFollowUps); without it the page says how to produce them.
 */
export function buildReportModel(meta: StudyMeta, trials: readonly Trial[], followUps: FollowUpInput = {}): ReportModel {
  const direction = meta.direction;
  const byNumber = [...trials].sort((a, b) => a.number - b.number);

  const byState = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
  let firstStart: number | null = null;
  let lastFinish: number | null = null;
  let computeSeconds = 0;
  for (const t of byNumber) {
    byState[t.state] = (byState[t.state] ?? 0) + 1;
    const s = timeOf(t.startedAt);
    const f = timeOf(t.finishedAt);
    if (s !== null && (firstStart === null || s < firstStart)) firstStart = s;
    if (f !== null && (lastFinish === null || f > lastFinish)) lastFinish = f;
    if (finite(t.duration)) computeSeconds += t.duration;
  }

  // Best first; ties go to the earlier trial, as in the history.
  const ranked = rankTrials(byNumber, direction);
  const bestTrial = ranked[0];

  const searched = searchedParams(meta.space, byNumber);
  const observations: ImportanceObservation[] = ranked.map((t) => ({ params: t.params, value: t.metrics.value }));
  const importanceParams = searched.map((p) => ({ key: p.key, kind: p.kind, ...(p.choices ? { choices: p.choices } : {}) }));
  const importance: ImportanceModel = {
    params: mainEffectImportance(observations, importanceParams, { direction }),
    strategies: strategyImportance(observations, importanceParams, { direction }),
    trials: observations.length,
  };
  // Leaderboard columns: the settings that matter most, then those that vary most.
  const keyParamNames = [
    ...new Set([...importance.params.filter((p) => p.explained > 0).map((p) => p.key), ...varyingByDistinctValues(byNumber)]),
  ].slice(0, MAX_KEY_PARAMS);
  const keyParams = (t: Trial) =>
    keyParamNames.filter((k) => k in t.params).map((key) => ({ key, value: t.params[key]! }));

  const leaderboard: LeaderboardRow[] = ranked.map((t, i) => ({
    rank: i + 1,
    trial: t.number,
    state: t.state,
    value: t.metrics.value,
    accuracy: finite(t.metrics.validation?.accuracy) ? t.metrics.validation.accuracy : null,
    macroF1: finite(t.metrics.validation?.macroF1) ? t.metrics.validation.macroF1 : null,
    bestEpoch: finite(t.metrics.bestEpoch) ? t.metrics.bestEpoch : null,
    epochs: t.intermediate.length,
    duration: finite(t.duration) ? t.duration : null,
    keyParams: keyParams(t),
    reason: t.metrics.notes.length > 0 ? t.metrics.notes.join('; ') : null,
    flagged: t.metrics.notes.length > 0,
    worker: t.worker ?? null,
    params: { ...t.params },
  }));
  const stopped = byNumber.filter((t) => t.state === 'pruned' || t.state === 'failed' || (t.state === 'complete' && !isRankable(t)));
  for (const t of stopped) {
    const last = lastEpoch(t);
    leaderboard.push({
      rank: null,
      trial: t.number,
      state: t.state,
      value: last && finite(last.value) ? last.value : null,
      accuracy: null,
      macroF1: null,
      bestEpoch: null,
      epochs: t.intermediate.length,
      duration: finite(t.duration) ? t.duration : null,
      keyParams: keyParams(t),
      reason: stopReason(t),
      flagged: false,
      worker: t.worker ?? null,
      params: { ...t.params },
    });
  }

  const history: HistoryPoint[] = [];
  let best: number | null = null;
  for (const t of byNumber) {
    if (!isRankable(t)) continue;
    const v = t.metrics.value;
    const improved = best === null || isBetter(v, best, direction);
    if (improved) best = v;
    history.push({ trial: t.number, value: v, bestSoFar: best!, improved });
  }

  const failures: FailureRow[] = byNumber
    .filter((t): t is Trial & { state: 'failed' | 'pruned' } => t.state === 'failed' || t.state === 'pruned')
    .map((t) => ({ trial: t.number, state: t.state, reason: stopReason(t), epochs: t.intermediate.length, params: sortedParams(t.params) }));

  const confusion: ConfusionView[] = [];
  if (bestTrial?.metrics) {
    const m = bestTrial.metrics;
    if (m.validation?.confusion?.length) confusion.push(confusionView('validation', m.validation, meta.data.labels));
    if (m.test?.confusion?.length) confusion.push(confusionView('test', m.test, meta.data.labels));
  }

  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  const distinct = (xs: Array<string | undefined>) => [...new Set(xs.filter((x): x is string => typeof x === 'string' && x !== ''))].sort(collator.compare);
  const epochsTrained = byNumber.reduce((a, t) => a + t.intermediate.length, 0);
  const bestConfusion = bestTrial?.metrics.validation?.confusion;

  const noteMap = new Map<string, number[]>();
  for (const t of byNumber) {
    for (const note of t.metrics?.notes ?? []) {
      if (!noteMap.has(note)) noteMap.set(note, []);
      noteMap.get(note)!.push(t.number);
    }
  }
  const notes: NoteGroup[] = [...noteMap.entries()]
    .map(([note, ts]) => ({ note, trials: ts, includesBest: bestTrial !== undefined && ts.includes(bestTrial.number) }))
    .sort((a, b) => b.trials.length - a.trials.length || a.note.localeCompare(b.note));

  const timeline = buildTimeline(meta, byNumber);

  const summary: ReportSummary = {
    studyName: meta.name,
    metric: meta.metric,
    direction,
    createdAt: meta.createdAt,
    hybridtuneVersion: meta.hybridtuneVersion,
    seed: meta.seed,
    spaceFile: meta.spaceFile,
    sources: Object.keys(meta.data.sources)
      .sort()
      .map((name) => ({ name, path: meta.data.sources[name]! })),
    sizes: { ...meta.data.sizes },
    labels: [...meta.data.labels],
    fingerprint: meta.data.fingerprint,
    sampler: meta.sampler,
    scheduler: meta.scheduler,
    backend: meta.backend,
    workers: meta.workers,
    plannedTrials: meta.nTrials,
    totalTrials: byNumber.length,
    byState,
    bestValue: bestTrial ? bestTrial.metrics.value : null,
    bestTrial: bestTrial ? bestTrial.number : null,
    firstStart: firstStart === null ? null : new Date(firstStart).toISOString(),
    lastFinish: lastFinish === null ? null : new Date(lastFinish).toISOString(),
    wallTimeSeconds: firstStart !== null && lastFinish !== null && lastFinish >= firstStart ? (lastFinish - firstStart) / 1000 : null,
    computeSeconds,
    endReason: meta.endReason ?? null,
    runs: meta.runs.length,
    bestInterval: bestConfusion?.length ? accuracyInterval(bestConfusion) : null,
    epochsTrained,
    workerNames: timeline.workers.map((w) => w.worker),
    devices: distinct(byNumber.map((t) => t.device)),
    backendsUsed: distinct(byNumber.map((t) => t.backend)),
    endedBy: meta.endedBy ?? null,
    executionBackend: meta.execution?.backend ?? null,
    deviceSlots: (meta.execution?.devices ?? []).map((d) => ({ id: d.id, slots: d.slots })),
    epochBudget: finite(meta.execution?.maxEpochsTotal) ? meta.execution!.maxEpochsTotal! : null,
    timeoutSeconds: finite(meta.runs[meta.runs.length - 1]?.timeoutSec) ? meta.runs[meta.runs.length - 1]!.timeoutSec! : null,
    requeuedTrials: byNumber.filter((t) => (t.requeued?.length ?? 0) > 0).length,
    reproducibility: reproducibility(meta, byNumber),
  };

  return {
    summary,
    leaderboard,
    keyParamNames,
    best: bestTrial
      ? {
          trial: bestTrial.number,
          seed: bestTrial.seed,
          value: bestTrial.metrics.value,
          bestEpoch: bestTrial.metrics.bestEpoch,
          duration: finite(bestTrial.duration) ? bestTrial.duration : null,
          device: bestTrial.device ?? null,
          backend: bestTrial.backend ?? null,
          artifact: bestTrial.artifact ?? null,
          trainExamples: bestTrial.metrics.trainExamples,
          notes: [...bestTrial.metrics.notes],
          params: sortedParams(bestTrial.params),
        }
      : null,
    history,
    bestCurve: bestTrial ? [...bestTrial.intermediate].sort((a, b) => a.epoch - b.epoch).map((e) => ({ ...e })) : [],
    confusion,
    failures,
    searched,
    historyOverTime: buildHistoryOverTime(byNumber, direction, timeline.t0),
    parallel: buildParallel(searched, byNumber, direction, meta.metric, new Map(importance.params.map((p) => [p.key, p.explained]))),
    importance,
    curves: buildCurves(byNumber, direction, schedulerRungs(meta)),
    timeline,
    gap: buildGap(byNumber, direction, meta.metric),
    notes,
    followUps: buildFollowUps(meta, byNumber, followUps),
  };
}
