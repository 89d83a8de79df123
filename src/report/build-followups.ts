/**
 * The two follow-ups of a sweep, as the report shows them: `hybridtune ablate`
 * (ablation.json: what the winner owes to each strategy) and `hybridtune confirm`
 * (confirm.json: the top trials re-run on several seeds). Pure: the parsed JSON
 * and the study in, the numbers, verdicts and staleness notes out.
 */
import type { AblationReport, AblationRow } from '../ablation/ablate.js';
import type { ConfirmReport } from '../ablation/confirm.js';
import type { MeanInterval } from '../ablation/stats.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { Direction, Params, ParamValue, StudyMeta, Trial } from '../study/types.js';
import { rankTrials } from './trial-utils.js';

export const ABLATION_FILE_NAME = 'ablation.json';
export const CONFIRM_FILE_NAME = 'confirm.json';

/** A follow-up file as read from the study folder: its parsed JSON, or why it could not be read. */
export type FollowUpFile = { file: string; raw: unknown } | { file: string; error: string };

export interface FollowUpInput {
  ablation?: FollowUpFile;
  confirm?: FollowUpFile;
  /** How the study folder is written in the commands the page suggests (default `trials/<name>`). */
  studyPath?: string;
}

// ---------------------------------------------------------------- validation

function bad(file: string, key: string, message: string, expected: string): HybridTuneError {
  return new HybridTuneError(ERROR_CODES.FILE_FORMAT, message, { file, key, expected });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function num(o: Record<string, unknown>, key: string, file: string, at: string): number {
  if (!isNum(o[key])) throw bad(file, `${at}${key}`, `'${at}${key}' is ${o[key] === undefined ? 'missing' : 'not a finite number'}`, 'a number');
  return o[key] as number;
}

function interval(v: unknown, file: string, at: string, nullable: boolean): MeanInterval | null {
  if (v === null || v === undefined) {
    if (nullable) return null;
    throw bad(file, at, `'${at}' is missing`, 'an interval { n, mean, sd, low, high, level }');
  }
  if (!isObj(v)) throw bad(file, at, `'${at}' is not an object`, 'an interval { n, mean, sd, low, high, level }');
  for (const k of ['n', 'mean', 'low', 'high']) num(v, k, file, `${at}.`);
  return v as unknown as MeanInterval;
}

function valueList(v: unknown, file: string, at: string): Array<number | null> {
  if (!Array.isArray(v) || !v.every((x) => x === null || isNum(x))) throw bad(file, at, `'${at}' is not a list of values`, 'an array of numbers (null for a failed retraining)');
  return v as Array<number | null>;
}

function seedRunsOf(v: unknown, file: string, at: string): void {
  if (!isObj(v)) throw bad(file, at, `'${at}' is not an object`, '{ values, summary }');
  valueList(v['values'], file, `${at}.values`);
  interval(v['summary'], file, `${at}.summary`, true);
  if (v['test'] !== undefined) {
    if (!isObj(v['test'])) throw bad(file, `${at}.test`, `'${at}.test' is not an object`, '{ values, summary }');
    valueList(v['test']['values'], file, `${at}.test.values`);
    interval(v['test']['summary'], file, `${at}.test.summary`, true);
  }
}

function header(raw: unknown, file: string, format: string): Record<string, unknown> {
  if (!isObj(raw)) throw bad(file, '(top level)', 'the file does not hold a JSON object', `a ${format} report`);
  if (raw['format'] !== format) throw bad(file, 'format', `'format' is ${JSON.stringify(raw['format'])}`, `"${format}"`);
  if (raw['formatVersion'] !== 1) throw bad(file, 'formatVersion', `'formatVersion' ${JSON.stringify(raw['formatVersion'])} is not supported`, '1 (written by this hybridtune)');
  if (typeof raw['study'] !== 'string') throw bad(file, 'study', "'study' is missing", 'the study name');
  if (!Array.isArray(raw['seeds']) || !raw['seeds'].every(isNum)) throw bad(file, 'seeds', "'seeds' is not a list of numbers", 'the seeds of the retrainings');
  num(raw, 'level', file, '');
  return raw;
}

/** Checks what the report reads of an ablation.json; throws an error naming the file and key. */
export function parseAblationJson(raw: unknown, file: string): AblationReport {
  const o = header(raw, file, 'hybridtune-ablation');
  num(o, 'trial', file, '');
  num(o, 'trialValue', file, '');
  if (!isObj(o['params'])) throw bad(file, 'params', "'params' is missing", 'the ablated recipe');
  seedRunsOf(o['full'], file, 'full');
  if (!Array.isArray(o['rows'])) throw bad(file, 'rows', "'rows' is not a list", 'one row per strategy removed');
  const rows = [...(o['rows'] as unknown[]), o['baseline']];
  rows.forEach((r, i) => {
    const at = i === rows.length - 1 ? 'baseline' : `rows[${i}]`;
    if (!isObj(r)) throw bad(file, at, `'${at}' is not an object`, 'an ablation row');
    if (typeof r['strategy'] !== 'string' || typeof r['key'] !== 'string') throw bad(file, `${at}.strategy`, `'${at}' names no strategy and key`, 'strings strategy and key');
    seedRunsOf(r, file, at);
    interval(r['change'], file, `${at}.change`, true);
    if (r['testChange'] !== undefined) interval(r['testChange'], file, `${at}.testChange`, true);
  });
  return o as unknown as AblationReport;
}

/** Checks what the report reads of a confirm.json; throws an error naming the file and key. */
export function parseConfirmJson(raw: unknown, file: string): ConfirmReport {
  const o = header(raw, file, 'hybridtune-confirm');
  num(o, 'completeTrials', file, '');
  if (!Array.isArray(o['original']) || o['original'].length === 0) throw bad(file, 'original', "'original' is not a non-empty list", 'the top trials by the sweep');
  (o['original'] as unknown[]).forEach((e, i) => {
    if (!isObj(e)) throw bad(file, `original[${i}]`, `'original[${i}]' is not an object`, '{ rank, trial, value }');
    for (const k of ['rank', 'trial', 'value']) num(e, k, file, `original[${i}].`);
  });
  if (!Array.isArray(o['confirmed']) || o['confirmed'].length === 0) throw bad(file, 'confirmed', "'confirmed' is not a non-empty list", 'the top trials by their mean over seeds');
  (o['confirmed'] as unknown[]).forEach((e, i) => {
    const at = `confirmed[${i}]`;
    if (!isObj(e)) throw bad(file, at, `'${at}' is not an object`, 'a confirmed entry');
    for (const k of ['rank', 'trial', 'originalRank', 'value']) num(e, k, file, `${at}.`);
    if (!isObj(e['params'])) throw bad(file, `${at}.params`, `'${at}.params' is missing`, 'the trial recipe');
    seedRunsOf(e, file, at);
  });
  const w = o['winner'];
  if (!isObj(w)) throw bad(file, 'winner', "'winner' is missing", '{ trial, changed, model, modelValue, reproduced }');
  num(w, 'trial', file, 'winner.');
  if (typeof w['changed'] !== 'boolean') throw bad(file, 'winner.changed', "'winner.changed' is not true or false", 'a boolean');
  return o as unknown as ConfirmReport;
}

// ---------------------------------------------------------------- views

export type AblationVerdict = 'helps' | 'hurts' | 'not-distinguishable' | 'no-interval' | 'failed';

export interface AblationViewRow {
  /** What was removed, in words (`balance: smote`, `augment.mixup`, `regularize.dropout = 0.2`). */
  label: string;
  strategy: string;
  kind: AblationRow['kind'];
  /** What it was replaced by (`none`, `off`, `0`, `defaults`). */
  to: string;
  /** The metric without it: mean over the seeds with its interval. */
  without: MeanInterval | null;
  /** Paired change, without − with (validation). */
  change: MeanInterval | null;
  testChange: MeanInterval | null;
  verdict: AblationVerdict;
  /** The verdict in words, e.g. "matters: removing it costs 0.0120". */
  verdictText: string;
  /** Retrainings that failed, with the first reason. */
  failed: number;
  firstError: string | null;
}

interface FollowUpBase {
  /** absent: the command has not run; invalid: the file could not be read; present: shown. */
  state: 'absent' | 'invalid' | 'present';
  file: string;
  /** The command that writes (or refreshes) the file. */
  command: string;
  error: string | null;
  /** Why the file may not describe the study as it is now; empty when it does. */
  stale: string[];
  createdAt: string | null;
}

export interface AblationView extends FollowUpBase {
  metric: string;
  direction: Direction;
  trial: number | null;
  pickedBy: 'confirmed' | 'best' | null;
  trialValue: number | null;
  seeds: number;
  level: number;
  full: MeanInterval | null;
  fullTest: MeanInterval | null;
  hasTest: boolean;
  rows: AblationViewRow[];
  baseline: AblationViewRow | null;
  durationSec: number | null;
}

export interface ConfirmViewRow {
  rank: number;
  trial: number;
  originalRank: number;
  /** Its single run in the sweep. */
  value: number;
  summary: MeanInterval | null;
  test: MeanInterval | null;
  failed: number;
  firstError: string | null;
  isWinner: boolean;
  /** The best single run of the sweep (when confirm ran). */
  isSearchBest: boolean;
}

export interface ConfirmView extends FollowUpBase {
  metric: string;
  direction: Direction;
  top: number;
  seeds: number;
  level: number;
  hasTest: boolean;
  rows: ConfirmViewRow[];
  winner: {
    trial: number;
    /** The best single run of the sweep when confirm ran. */
    searchBest: number;
    changed: boolean;
    mean: number | null;
    low: number | null;
    high: number | null;
    /** Whether the winner's interval lies clear of the runner-up's (null with one trial or no intervals). */
    clearOfRunnerUp: boolean | null;
    runnerUp: number | null;
    model: string | null;
    modelValue: number | null;
    reproduced: boolean | null;
  } | null;
  durationSec: number | null;
}

export interface FollowUps {
  ablation: AblationView;
  confirm: ConfirmView;
}

function failures(r: { values: ReadonlyArray<number | null>; errors?: string[] }): { failed: number; firstError: string | null } {
  return { failed: r.values.filter((v) => v === null).length, firstError: r.errors?.[0] ?? null };
}

function shortValue(v: ParamValue | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return String(Number(v.toPrecision(3)));
  return String(v);
}

/**
 * Whether removing a strategy changes the metric: when the paired interval
 * excludes 0, removing it moves the metric one way (the strategy helps when
 * removing it makes the metric worse), else the difference is not
 * distinguishable from 0 at these seeds.
 */
export function ablationVerdict(change: MeanInterval | null | undefined, direction: Direction, failed = 0): { verdict: AblationVerdict; text: string } {
  if (!change) return failed > 0 ? { verdict: 'failed', text: 'no value: its retrainings failed' } : { verdict: 'no-interval', text: 'no paired runs' };
  if (change.n < 2) return { verdict: 'no-interval', text: 'one seed: no interval (use --seeds 2 or more)' };
  const worse = (x: number) => (direction === 'maximize' ? x < 0 : x > 0);
  const mag = Math.abs(change.mean).toFixed(4);
  // a zero-width interval: the seeds agree exactly (deterministic retraining), worth saying
  const same = change.sd === 0 ? ' (every seed gave the same change)' : '';
  if (change.low > 0 || change.high < 0) {
    return worse(change.mean)
      ? { verdict: 'helps', text: `matters: removing it costs ${mag}${same}` }
      : { verdict: 'hurts', text: `matters: removing it gains ${mag}${same}` };
  }
  return { verdict: 'not-distinguishable', text: 'not distinguishable from 0' };
}

function rowLabel(r: AblationRow): { label: string; to: string } {
  if (r.kind === 'all') return { label: 'every strategy (the default recipe)', to: 'defaults' };
  if (r.kind === 'choice') return { label: `${r.key}: ${shortValue(r.from)}`, to: shortValue(r.to) };
  if (r.kind === 'toggle') return { label: r.key, to: r.to === false ? 'off' : shortValue(r.to) };
  return { label: `${r.key} = ${shortValue(r.from)}`, to: shortValue(r.to) };
}

function viewRow(r: AblationRow, direction: Direction): AblationViewRow {
  const f = failures(r);
  const v = ablationVerdict(r.change, direction, f.failed);
  return {
    ...rowLabel(r),
    strategy: r.strategy,
    kind: r.kind,
    without: r.summary ?? null,
    change: r.change ?? null,
    testChange: r.testChange ?? null,
    verdict: v.verdict,
    verdictText: v.text,
    ...f,
  };
}

function sameParams(a: Params, b: Readonly<Record<string, unknown>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

const completeCount = (trials: readonly Trial[]) => trials.filter((t) => t.state === 'complete').length;

/** A confirm.json that still describes the study: written for it, and no complete trial added since (the rule export follows). */
function confirmIsCurrent(c: ConfirmReport | null, meta: StudyMeta, trials: readonly Trial[]): boolean {
  return c !== null && c.study === meta.name && c.completeTrials === completeCount(trials) && trials.some((t) => t.number === c.winner.trial && t.state === 'complete');
}

function fileState<T>(f: FollowUpFile | undefined, name: string, parse: (raw: unknown, file: string) => T): { value: T | null; file: string; error: string | null } {
  if (!f) return { value: null, file: name, error: null };
  if ('error' in f) return { value: null, file: f.file, error: f.error };
  try {
    return { value: parse(f.raw, f.file), file: f.file, error: null };
  } catch (e) {
    return { value: null, file: f.file, error: e instanceof HybridTuneError ? e.describe() : String(e) };
  }
}

export function buildConfirmView(meta: StudyMeta, trials: readonly Trial[], input: FollowUpInput = {}): ConfirmView {
  const studyPath = input.studyPath ?? `trials/${meta.name}`;
  const { value: c, file, error } = fileState(input.confirm, CONFIRM_FILE_NAME, parseConfirmJson);
  const base: ConfirmView = {
    state: error ? 'invalid' : c ? 'present' : 'absent',
    file,
    command: `hybridtune confirm ${studyPath} --top 5 --seeds 5`,
    error,
    stale: [],
    createdAt: null,
    metric: meta.metric,
    direction: meta.direction,
    top: 0,
    seeds: 0,
    level: 0.95,
    hasTest: false,
    rows: [],
    winner: null,
    durationSec: null,
  };
  if (!c) return base;
  const direction: Direction = c.direction === 'minimize' ? 'minimize' : meta.direction;
  const searchBest = c.original[0]!.trial;
  const rows: ConfirmViewRow[] = c.confirmed.map((e) => ({
    rank: e.rank,
    trial: e.trial,
    originalRank: e.originalRank,
    value: e.value,
    summary: e.summary ?? null,
    test: e.test?.summary ?? null,
    ...failures(e),
    isWinner: e.trial === c.winner.trial,
    isSearchBest: e.trial === searchBest,
  }));
  const w = rows.find((r) => r.isWinner) ?? null;
  const runnerUp = rows.find((r) => !r.isWinner) ?? null;
  let clear: boolean | null = null;
  if (w?.summary && runnerUp?.summary && w.summary.n >= 2 && runnerUp.summary.n >= 2) {
    clear = direction === 'maximize' ? w.summary.low > runnerUp.summary.high : w.summary.high < runnerUp.summary.low;
  }

  const stale: string[] = [];
  if (c.study !== meta.name) stale.push(`${file} was written for study '${c.study}', not '${meta.name}'.`);
  const complete = completeCount(trials);
  if (c.completeTrials !== complete) {
    stale.push(`It was computed when the study had ${c.completeTrials} complete trials; it has ${complete} now (a resumed sweep ran more), so export ignores it until confirm runs again.`);
  }
  const best = rankTrials(trials, meta.direction)[0];
  if (best && best.number !== searchBest) stale.push(`The search's best single run is now trial #${best.number}, not #${searchBest} as when confirm ran.`);
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const changed = c.confirmed.filter((e) => {
    const t = byNumber.get(e.trial);
    return !t || t.state !== 'complete' || !sameParams(t.params, e.params);
  });
  if (changed.length > 0) stale.push(`${changed.length === 1 ? 'Trial' : 'Trials'} ${changed.map((e) => `#${e.trial}`).join(', ')} of ${file} ${changed.length === 1 ? 'is' : 'are'} not in the study with the same recipe.`);

  return {
    ...base,
    // to refresh it: the same top and seeds
    command: `hybridtune confirm ${studyPath} --top ${c.top ?? rows.length} --seeds ${c.seeds.length}`,
    direction,
    stale,
    createdAt: c.createdAt ?? null,
    metric: c.metric ?? meta.metric,
    top: c.top ?? rows.length,
    seeds: c.seeds.length,
    level: c.level,
    hasTest: rows.some((r) => r.test !== null),
    rows,
    winner: {
      trial: c.winner.trial,
      searchBest,
      changed: c.winner.changed,
      mean: w?.summary?.mean ?? null,
      low: w?.summary?.low ?? null,
      high: w?.summary?.high ?? null,
      clearOfRunnerUp: clear,
      runnerUp: runnerUp?.trial ?? null,
      model: typeof c.winner.model === 'string' ? c.winner.model : null,
      modelValue: isNum(c.winner.modelValue) ? c.winner.modelValue : null,
      reproduced: typeof c.winner.reproduced === 'boolean' ? c.winner.reproduced : null,
    },
    durationSec: isNum(c.durationSec) ? c.durationSec : null,
  };
}

export function buildAblationView(meta: StudyMeta, trials: readonly Trial[], input: FollowUpInput = {}): AblationView {
  const studyPath = input.studyPath ?? `trials/${meta.name}`;
  const { value: a, file, error } = fileState(input.ablation, ABLATION_FILE_NAME, parseAblationJson);
  const base: AblationView = {
    state: error ? 'invalid' : a ? 'present' : 'absent',
    file,
    command: `hybridtune ablate ${studyPath} --seeds 5`,
    error,
    stale: [],
    createdAt: null,
    metric: meta.metric,
    direction: meta.direction,
    trial: null,
    pickedBy: null,
    trialValue: null,
    seeds: 0,
    level: 0.95,
    full: null,
    fullTest: null,
    hasTest: false,
    rows: [],
    baseline: null,
    durationSec: null,
  };
  if (!a) return base;
  const direction: Direction = a.direction === 'minimize' ? 'minimize' : meta.direction;

  // Which trial stands for the study now: the current confirmed winner, else the best trial.
  const confirmed = fileState(input.confirm, CONFIRM_FILE_NAME, parseConfirmJson).value;
  const current = confirmIsCurrent(confirmed, meta, trials) ? { trial: confirmed!.winner.trial, by: 'the confirmed winner' } : undefined;
  const best = rankTrials(trials, meta.direction)[0];
  const picked = current ?? (best ? { trial: best.number, by: 'the best trial' } : undefined);

  const stale: string[] = [];
  if (a.study !== meta.name) stale.push(`${file} was written for study '${a.study}', not '${meta.name}'.`);
  const t = trials.find((x) => x.number === a.trial);
  if (!t || t.state !== 'complete') stale.push(`The ablated trial #${a.trial} is not a complete trial of this study.`);
  else if (!sameParams(t.params, a.params)) stale.push(`Trial #${a.trial} of the study has another recipe than the one ablated.`);
  if (picked && picked.trial !== a.trial) {
    stale.push(`It ablates trial #${a.trial} (${a.pickedBy === 'confirmed' ? 'the confirmed winner' : 'the best trial'} when it ran); the study's winner is now trial #${picked.trial} (${picked.by}).`);
  }

  const rows = a.rows.map((r) => viewRow(r, direction));
  return {
    ...base,
    command: `hybridtune ablate ${studyPath} --seeds ${a.seeds.length}`,
    direction,
    stale,
    createdAt: a.createdAt ?? null,
    metric: a.metric ?? meta.metric,
    trial: a.trial,
    pickedBy: a.pickedBy === 'confirmed' ? 'confirmed' : 'best',
    trialValue: a.trialValue,
    seeds: a.seeds.length,
    level: a.level,
    full: a.full.summary ?? null,
    fullTest: a.full.test?.summary ?? null,
    hasTest: a.full.test !== undefined,
    rows,
    baseline: viewRow(a.baseline, direction),
    durationSec: isNum(a.durationSec) ? a.durationSec : null,
  };
}

/** Both follow-ups of a study for the report. */
export function buildFollowUps(meta: StudyMeta, trials: readonly Trial[], input: FollowUpInput = {}): FollowUps {
  return { ablation: buildAblationView(meta, trials, input), confirm: buildConfirmView(meta, trials, input) };
}
