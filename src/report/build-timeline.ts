/**
 * The sweep on the clock: a bar per trial on its worker's row, how busy each
 * worker was, and the best value found over wall-clock time.
 */
import type { Direction, StudyMeta, Trial, TrialState } from '../study/types.js';
import { finite, isBetter, isRankable, lastEpoch, timeOf, workerOf } from './trial-utils.js';

export interface TimelineBar {
  trial: number;
  worker: string;
  state: TrialState;
  /** Seconds since the first trial started. */
  start: number;
  end: number;
  /** Still running when the study was read: `end` is the last time the study knows of. */
  open: boolean;
}

export interface WorkerLoad {
  worker: string;
  /** Devices its trials ran on (e.g. `cpu`, `gpu:0`). */
  devices: string[];
  trials: number;
  /** Seconds with at least one trial running on this worker. */
  busySeconds: number;
  /** busySeconds over the sweep's wall time. */
  busyShare: number;
}

export interface TimelineModel {
  /** ISO time of the first trial start; null when no trial has started. */
  t0: string | null;
  /** Seconds from the first start to the last known time. */
  wallSeconds: number;
  bars: TimelineBar[];
  workers: WorkerLoad[];
  /** Mean busy share over the workers: how much of the machine the sweep used. */
  busyShare: number;
  /** Seconds (since t0) at which a resumed run began, drawn as markers. */
  resumes: number[];
}

export interface HistoryTimePoint {
  trial: number;
  /** Seconds since the first trial started, at this trial's finish. */
  elapsed: number;
  value: number;
  bestSoFar: number;
  improved: boolean;
}

/** "thread-2" before "thread-10". */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Length of the union of intervals. */
function unionLength(intervals: Array<[number, number]>): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [a, b] of sorted) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else if (b > curEnd) curEnd = b;
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

export function buildTimeline(meta: StudyMeta, trials: readonly Trial[]): TimelineModel {
  let t0: number | null = null;
  let last: number | null = null;
  for (const t of trials) {
    const s = timeOf(t.startedAt);
    const f = timeOf(t.finishedAt);
    if (s !== null) {
      if (t0 === null || s < t0) t0 = s;
      // A running trial has been going at least as long as its last epoch, or its last heartbeat, says.
      const reported = lastEpoch(t)?.elapsed;
      const seen = Math.max(s + (finite(reported) ? reported * 1000 : 0), timeOf(t.heartbeatAt) ?? s);
      if (last === null || seen > last) last = seen;
    }
    if (f !== null && (last === null || f > last)) last = f;
  }
  if (t0 === null || last === null) return { t0: null, wallSeconds: 0, bars: [], workers: [], busyShare: 0, resumes: [] };

  const bars: TimelineBar[] = [];
  for (const t of trials) {
    const s = timeOf(t.startedAt);
    if (s === null) continue;
    const f = timeOf(t.finishedAt);
    const open = f === null;
    const end = open ? last : Math.max(f, s);
    bars.push({ trial: t.number, worker: workerOf(t), state: t.state, start: (s - t0) / 1000, end: (end - t0) / 1000, open });
  }
  bars.sort((a, b) => a.start - b.start || a.trial - b.trial);

  const wallSeconds = (last - t0) / 1000;
  const byWorker = new Map<string, { intervals: Array<[number, number]>; devices: Set<string>; trials: number }>();
  for (const t of trials) {
    if (timeOf(t.startedAt) === null) continue;
    const w = workerOf(t);
    if (!byWorker.has(w)) byWorker.set(w, { intervals: [], devices: new Set(), trials: 0 });
    const entry = byWorker.get(w)!;
    entry.trials++;
    if (t.device) entry.devices.add(t.device);
  }
  for (const b of bars) byWorker.get(b.worker)!.intervals.push([b.start, b.end]);
  const workers: WorkerLoad[] = [...byWorker.entries()]
    .sort((a, b) => collator.compare(a[0], b[0]))
    .map(([worker, e]) => {
      const busySeconds = unionLength(e.intervals);
      return {
        worker,
        devices: [...e.devices].sort(collator.compare),
        trials: e.trials,
        busySeconds,
        busyShare: wallSeconds > 0 ? Math.min(1, busySeconds / wallSeconds) : 0,
      };
    });
  const busyShare = workers.length ? workers.reduce((a, w) => a + w.busyShare, 0) / workers.length : 0;
  const resumes = meta.runs
    .filter((r) => r.resumed)
    .map((r) => timeOf(r.startedAt))
    .filter((ms): ms is number => ms !== null && ms >= t0 && ms <= last)
    .map((ms) => (ms - t0) / 1000);
  return { t0: new Date(t0).toISOString(), wallSeconds, bars, workers, busyShare, resumes };
}

/** Best so far in the order trials finished, on the clock of the timeline. */
export function buildHistoryOverTime(trials: readonly Trial[], direction: Direction, t0Iso: string | null): HistoryTimePoint[] {
  const t0 = timeOf(t0Iso ?? undefined);
  if (t0 === null) return [];
  const done = trials
    .filter(isRankable)
    .map((t) => ({ t, f: timeOf(t.finishedAt) }))
    .filter((x): x is { t: (typeof x)['t']; f: number } => x.f !== null)
    .sort((a, b) => a.f - b.f || a.t.number - b.t.number);
  const out: HistoryTimePoint[] = [];
  let best: number | null = null;
  for (const { t, f } of done) {
    const v = t.metrics.value;
    const improved = best === null || isBetter(v, best, direction);
    if (improved) best = v;
    out.push({ trial: t.number, elapsed: Math.max(0, (f - t0) / 1000), value: v, bestSoFar: best!, improved });
  }
  return out;
}
