import { bestTrial, countByState } from './summary.js';
import type { StudyMeta, Trial, TrialState } from './types.js';

export interface StudyStatus {
  name: string;
  location: string;
  state: 'running' | 'finished' | 'stopped';
  endReason?: string;
  counts: Record<TrialState, number>;
  nTrials: number;
  sampler: string;
  scheduler: string;
  workers: number;
  backend: string;
  metric: string;
  dataFingerprint: string;
  /** Seconds from the first trial's start to the last event. */
  elapsed: number;
  /** Seconds still needed at the mean trial duration and this parallelism, when it can be estimated. */
  eta?: number;
  best?: { number: number; value: number; params: Trial['params']; validation: { accuracy: number; macroF1: number }; test?: { accuracy: number; macroF1: number } };
  running: Array<{ number: number; worker?: string; epochs: number; lastValue?: number }>;
  failures: Array<{ number: number; error: string }>;
}

/** The summary that `status`, the progress line and `status --json` share. Pure: `now` is passed in. */
export function studyStatus(meta: StudyMeta, trials: readonly Trial[], location: string, now: number, lockHeld: boolean): StudyStatus {
  const counts = countByState(trials);
  const best = bestTrial(trials, meta.direction);
  const starts = trials.map((t) => (t.startedAt ? Date.parse(t.startedAt) : NaN)).filter(Number.isFinite);
  const ends = trials.map((t) => (t.finishedAt ? Date.parse(t.finishedAt) : NaN)).filter(Number.isFinite);
  const first = starts.length ? Math.min(...starts) : now;
  const last = lockHeld ? now : ends.length ? Math.max(...ends) : now;
  const finished = trials.filter((t) => t.state === 'complete' || t.state === 'pruned' || t.state === 'failed');
  const durations = finished.map((t) => t.duration).filter((d): d is number => typeof d === 'number');
  const left = Math.max(0, meta.nTrials - finished.length);
  const eta = durations.length > 0 && lockHeld ? (left * (durations.reduce((a, b) => a + b, 0) / durations.length)) / Math.max(1, meta.workers) : undefined;
  return {
    name: meta.name,
    location,
    state: lockHeld ? 'running' : finished.length >= meta.nTrials ? 'finished' : 'stopped',
    ...(meta.endReason ? { endReason: meta.endReason } : {}),
    counts,
    nTrials: meta.nTrials,
    sampler: meta.sampler,
    scheduler: meta.scheduler,
    workers: meta.workers,
    backend: meta.backend,
    metric: meta.metric,
    dataFingerprint: meta.data.fingerprint,
    elapsed: Math.max(0, (last - first) / 1000),
    ...(eta !== undefined ? { eta } : {}),
    ...(best && best.metrics
      ? {
          best: {
            number: best.number,
            value: best.metrics.value,
            params: best.params,
            validation: { accuracy: best.metrics.validation.accuracy, macroF1: best.metrics.validation.macroF1 },
            ...(best.metrics.test ? { test: { accuracy: best.metrics.test.accuracy, macroF1: best.metrics.test.macroF1 } } : {}),
          },
        }
      : {}),
    running: trials.filter((t) => t.state === 'running').map((t) => ({ number: t.number, worker: t.worker, epochs: t.intermediate.length, lastValue: t.intermediate.at(-1)?.value })),
    failures: trials.filter((t) => t.state === 'failed').map((t) => ({ number: t.number, error: t.error ?? 'unknown' })),
  };
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** Parses `8h`, `30m`, `90s`, `1h30m` or plain seconds. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (!m || t === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
