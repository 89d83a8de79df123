import { studyCacheCounts } from '../backbones/feature-cache.js';
import type { StaleTrial } from './recovery.js';
import { bestTrial, countByState } from './summary.js';
import type { StudyMeta, Trial, TrialState } from './types.js';

/** What a study's results promise: the whole study, or each trial given its params and seed. */
export interface Reproducibility {
  level: 'study' | 'trial';
  text: string;
}

export interface BudgetLine {
  limit: number;
  used: number;
  left: number;
}

export interface StudyStatus {
  name: string;
  location: string;
  state: 'running' | 'finished' | 'stopped';
  endReason?: string;
  /** Which budget or event ended the last run. */
  endedBy?: string;
  counts: Record<TrialState, number>;
  nTrials: number;
  sampler: string;
  scheduler: string;
  workers: number;
  backend: string;
  metric: string;
  dataFingerprint: string;
  /** Frozen-encoder feature cache use summed over the study's trials (a second sweep on the same data shows 0 misses). */
  featureCache: { hits: number; misses: number; diskHits: number; trials: number };
  /** Seconds from the first trial's start to the last event. */
  elapsed: number;
  /** Seconds still needed at the mean trial duration and this parallelism, when it can be estimated. */
  eta?: number;
  best?: { number: number; value: number; params: Trial['params']; validation: { accuracy: number; macroF1: number }; test?: { accuracy: number; macroF1: number } };
  /** Devices, their slots and the trials running on each now. */
  slots: { total: number; backend: string; devices: Array<{ device: string; slots: number; running: number[] }> };
  running: Array<{ number: number; worker?: string; device?: string; epochs: number; lastValue?: number; heartbeatAgo?: number }>;
  failures: Array<{ number: number; error: string; device?: string }>;
  /** Running trials nobody runs any more (a dead sweep's), or whose heartbeat stopped. */
  stale: StaleTrial[];
  /** Trials that were queued again after a dead sweep left them running. */
  requeued: Array<{ number: number; times: number; reason: string }>;
  budget: {
    trials: BudgetLine;
    epochs?: BudgetLine;
    failures?: BudgetLine;
    /** The last run's --timeout; `leftSec` while it runs. */
    time?: { limitSec: number; leftSec?: number };
    trialTimeoutSec?: number;
  };
  reproducibility: Reproducibility;
}

/** The guarantee a study's results carry, from how it ran. Pure. */
export function reproducibility(meta: StudyMeta, trials: readonly Trial[]): Reproducibility {
  const backends = [...new Set(trials.map((t) => t.backend).filter((b): b is string => !!b && b !== 'unknown'))].sort();
  const mixed = backends.length > 1 ? ` Trials ran on ${backends.join(' and ')}: each reproduces on its own backend.` : '';
  if (meta.workers <= 1) {
    return {
      level: 'study',
      text: `bit-for-bit: one trial at a time, so the same seed (${meta.seed}) on the same backend gives the same trials, params and metrics (timestamps aside).${mixed}`,
    };
  }
  return {
    level: 'trial',
    text: `per trial: each trial's metrics reproduce from its params and seed on the same backend; with ${meta.workers} trials at once, a sampler that learns from finished trials may propose differently when they finish in another order (use --workers 1 for a bit-for-bit study).${mixed}`,
  };
}

export interface StatusExtras {
  /** From findStaleTrials: the caller knows whether the sweep's process lives. */
  stale?: StaleTrial[];
}

/** The summary that `status`, the progress line and `status --json` share. Pure: `now` is passed in. */
export function studyStatus(meta: StudyMeta, trials: readonly Trial[], location: string, now: number, lockHeld: boolean, extras: StatusExtras = {}): StudyStatus {
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
  const ex = meta.execution;
  const deviceList = ex?.devices ?? [{ id: 'cpu', slots: meta.workers }];
  const runningTrials = trials.filter((t) => t.state === 'running');
  const epochsUsed = trials.reduce((n, t) => n + t.intermediate.length, 0);
  const lastRun = meta.runs.at(-1);
  const budgetDone = ['timeout', 'max-epochs-total', 'space-exhausted', 'n-trials'].includes(meta.endedBy ?? '');
  return {
    name: meta.name,
    location,
    state: lockHeld ? 'running' : finished.length >= meta.nTrials || budgetDone ? 'finished' : 'stopped',
    ...(meta.endReason ? { endReason: meta.endReason } : {}),
    ...(meta.endedBy ? { endedBy: meta.endedBy } : {}),
    counts,
    nTrials: meta.nTrials,
    sampler: meta.sampler,
    scheduler: meta.scheduler,
    workers: meta.workers,
    backend: meta.backend,
    metric: meta.metric,
    dataFingerprint: meta.data.fingerprint,
    featureCache: studyCacheCounts(trials),
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
    slots: {
      total: deviceList.reduce((n, d) => n + d.slots, 0),
      backend: ex?.backend ?? 'threads',
      devices: deviceList.map((d) => ({ device: d.id, slots: d.slots, running: runningTrials.filter((t) => t.device === d.id || deviceList.length === 1).map((t) => t.number) })),
    },
    running: runningTrials.map((t) => {
      const beat = Date.parse(t.heartbeatAt ?? '');
      return {
        number: t.number,
        worker: t.worker,
        ...(t.device ? { device: t.device } : {}),
        epochs: t.intermediate.length,
        lastValue: t.intermediate.at(-1)?.value,
        ...(Number.isFinite(beat) ? { heartbeatAgo: Math.max(0, (now - beat) / 1000) } : {}),
      };
    }),
    failures: trials.filter((t) => t.state === 'failed').map((t) => ({ number: t.number, error: t.error ?? 'unknown', ...(t.device ? { device: t.device } : {}) })),
    stale: extras.stale ?? [],
    requeued: trials.filter((t) => t.requeued?.length).map((t) => ({ number: t.number, times: t.requeued!.length, reason: t.requeued!.at(-1)!.reason })),
    budget: {
      trials: { limit: meta.nTrials, used: finished.length, left },
      ...(ex?.maxEpochsTotal !== undefined ? { epochs: { limit: ex.maxEpochsTotal, used: epochsUsed, left: Math.max(0, ex.maxEpochsTotal - epochsUsed) } } : {}),
      ...(ex?.maxFailures !== undefined ? { failures: { limit: ex.maxFailures, used: counts.failed, left: Math.max(0, ex.maxFailures - counts.failed) } } : {}),
      ...(lastRun?.timeoutSec !== undefined
        ? { time: { limitSec: lastRun.timeoutSec, ...(lockHeld ? { leftSec: Math.max(0, (Date.parse(lastRun.startedAt) + lastRun.timeoutSec * 1000 - now) / 1000) } : {}) } }
        : {}),
      ...(ex?.trialTimeoutSec !== undefined ? { trialTimeoutSec: ex.trialTimeoutSec } : {}),
    },
    reproducibility: reproducibility(meta, trials),
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
