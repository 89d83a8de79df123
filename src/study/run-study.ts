import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { HybridTuneError, ERROR_CODES, reasonOf } from '../errors.js';
import type { DataRef, ExecutionBackend, TrialHooks, TrialOutcome } from '../execution/backend.js';
import { deriveSeed, Rng } from '../math/rng.js';
import { completePoint, type Sampler } from '../samplers/base.js';
import type { Decision, Scheduler } from '../schedulers/base.js';
import type { SearchSpace } from '../space/types.js';
import type { StudyStore } from '../store/base.js';
import { findStaleTrials, HEARTBEAT_MS, recoverStaleTrials, type StalePolicy } from './recovery.js';
import { bestTrial, countByState } from './summary.js';
import type { Direction, EpochRecord, Trial } from './types.js';

export type StudyEvent =
  | { type: 'start'; resumed: boolean; requeued: number[]; staleFailed: number[]; nTrials: number; slots: number }
  | { type: 'trial-start'; trial: Trial }
  | { type: 'epoch'; trial: number; record: EpochRecord; decision: Decision }
  | { type: 'trial-end'; trial: Trial; best?: Trial }
  /** A running trial was cancelled by a stop-now and put back in the queue. */
  | { type: 'trial-requeued'; trial: number; reason: string }
  | { type: 'stopping'; reason: string }
  | { type: 'end'; reason: string };

export interface RunStudyOptions {
  store: StudyStore;
  space: SearchSpace;
  sampler: Sampler;
  scheduler: Scheduler;
  backend: ExecutionBackend;
  data: DataRef;
  metric: 'macro-f1' | 'accuracy';
  direction: Direction;
  seed: number;
  nTrials: number;
  /** Stop starting trials after this many milliseconds (running ones finish). */
  timeoutMs?: number;
  /**
   * Stop the sweep once this many epochs were trained, all trials together (resumed runs count
   * what the store holds). A trial still running then is stopped (pruned) at its next report, so
   * with N slots up to N-1 epochs may run past the budget; with one slot it is exact.
   */
  epochBudget?: number;
  /** Aborting stops starting trials; running ones finish and are saved. */
  signal?: AbortSignal;
  /** Aborting stops now: running trials are cancelled and go back to the queue (same params and seed). */
  stopNow?: AbortSignal;
  /**
   * A trial training longer than this is stopped (its worker restarted) and marked failed.
   * Counted from when its worker is ready to train; getting ready may take up to
   * max(this, STARTUP_TIMEOUT_MS).
   */
  trialTimeoutMs?: number;
  /** Stop starting trials once this many trials of the study (stored ones included) have failed. */
  maxFailures?: number;
  /** Trials a previous, dead sweep left running: run again with the same params and seed (default), or mark failed. */
  staleTrials?: StalePolicy;
  /** How often the heartbeat of running trials is written (ms); default 10 s. */
  heartbeatMs?: number;
  onEvent?: (e: StudyEvent) => void;
  /** Milliseconds, monotonic; injectable for tests. */
  clock?: () => number;
  /** Keep the best trial's model here (relative folders inside the study); no models when absent. */
  artifactsDir?: string;
}

/** The seed a trial trains with: a function of the study seed and its number only. */
export function trialSeed(studySeed: number, trialNumber: number): number {
  return deriveSeed(studySeed, 'trial', trialNumber);
}

/** With --trial-timeout: the longest a worker may take to get ready (load its backend and data) before a trial counts. */
export const STARTUP_TIMEOUT_MS = 300_000;

/** What ended a run of the study. */
export type EndKind = 'n-trials' | 'timeout' | 'max-epochs-total' | 'max-failures' | 'interrupted' | 'stopped-now' | 'space-exhausted' | 'no-more-trials';

/**
 * The one place that ties sampler, scheduler, backend and store together: ask, run, report, tell.
 *
 * Write order, so that a kill at any moment loses nothing finished and duplicates nothing:
 * a trial is added (`waiting`, its number, params and seed fixed) before it starts; it is
 * `running` before the backend sees it; its end is one write. A resumed run finds the
 * trials a dead run left `running` and queues them again with the same params and seed
 * (or fails them); `waiting` ones run first, in number order; new numbers continue from
 * the stored count, so the study never holds more than n-trials trials.
 */
export async function runStudy(o: RunStudyOptions): Promise<{ reason: string; endedBy: EndKind }> {
  const clock = o.clock ?? (() => performance.now());
  const t0 = clock();
  const emit = (e: StudyEvent) => o.onEvent?.(e);
  const store = o.store;

  // Trials a previous run left running: this run holds the study, so nobody runs them any more.
  const stale = findStaleTrials(store.trials(), { alive: false, now: Date.now() }).map((t) => ({ ...t, reason: 'the sweep that ran it stopped before it finished' }));
  const recovered = await recoverStaleTrials(store, stale, o.staleTrials ?? 'retry');
  if (o.artifactsDir) await reconcileArtifacts(store, o.artifactsDir, o.direction);
  emit({ type: 'start', resumed: store.trials().length > 0, requeued: recovered.requeued, staleFailed: recovered.failed, nTrials: o.nTrials, slots: o.backend.slots });
  let epochsUsed = store.trials().reduce((n, t) => n + t.intermediate.length, 0);

  const running = new Map<number, Promise<void>>();
  let stopReason: string | undefined;
  let endedBy: EndKind | undefined;
  const stop = (reason: string, kind: EndKind) => {
    if (!stopReason) {
      stopReason = reason;
      endedBy = kind;
      emit({ type: 'stopping', reason });
    }
  };
  const onAbort = () => stop('interrupted', 'interrupted');
  o.signal?.addEventListener('abort', onAbort);
  if (o.signal?.aborted) stop('interrupted', 'interrupted');
  // Per running trial: how to cancel it, and why it was cancelled.
  const cancels = new Map<number, { controller: AbortController; why?: 'timeout' | 'stop-now' }>();
  const onStopNow = () => {
    // stop-now wins over a soft interrupt that came first: the trials are cancelled, not finished
    stopReason = undefined;
    stop('stopped now: running trials were cancelled and queued again', 'stopped-now');
    for (const c of cancels.values()) {
      c.why ??= 'stop-now';
      c.controller.abort('stopped now (Ctrl-C twice): the trial goes back to the queue');
    }
  };
  o.stopNow?.addEventListener('abort', onStopNow);
  if (o.stopNow?.aborted) onStopNow();
  const failures = () => store.trials().filter((t) => t.state === 'failed').length;
  const checkFailures = () => {
    if (o.maxFailures === undefined || failures() < o.maxFailures) return;
    const last = [...store.trials()].reverse().find((t) => t.state === 'failed');
    stop(`max-failures reached: ${failures()} trials failed (--max-failures ${o.maxFailures}); last: trial ${last?.number}: ${(last?.error ?? '').split('\n')[0]!.slice(0, 240)}`, 'max-failures');
  };
  checkFailures();
  // Heartbeats of running trials, so that `status` can tell a live sweep's trials from a dead one's.
  const heartbeat = setInterval(() => {
    const at = new Date().toISOString();
    for (const t of store.trials()) if (t.state === 'running' && cancels.has(t.number)) void store.updateTrial(t.number, { heartbeatAt: at }).catch(() => {});
  }, o.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  const budgetSpent = () => o.epochBudget !== undefined && epochsUsed >= o.epochBudget;
  if (budgetSpent()) stop(`epoch budget reached (${o.epochBudget} epochs)`, 'max-epochs-total');

  const nextTrial = async (): Promise<Trial | undefined> => {
    const waiting = store.trials().find((t) => t.state === 'waiting' && !running.has(t.number));
    if (waiting) return waiting;
    const total = store.trials().length;
    if (total >= o.nTrials) return undefined;
    const number = total;
    let proposal;
    try {
      proposal = o.sampler.sample({
        space: o.space,
        trials: store.trials(),
        rng: new Rng(deriveSeed(o.seed, 'sampler', number)),
        trialNumber: number,
        studySeed: o.seed,
        direction: o.direction,
      });
    } catch (e) {
      if (e instanceof HybridTuneError && e.code === ERROR_CODES.SPACE_EXHAUSTED) {
        stop(`space exhausted: ${e.message}`, 'space-exhausted');
        return undefined;
      }
      throw e;
    }
    const trial: Trial = {
      number,
      state: 'waiting',
      params: completePoint(o.space, proposal),
      seed: trialSeed(o.seed, number),
      intermediate: [],
      createdAt: new Date().toISOString(),
    };
    await store.addTrial(trial);
    return trial;
  };

  const finish = async (trial: Trial, outcome: TrialOutcome) => {
    const finishedAt = new Date().toISOString();
    const place = {
      worker: outcome.worker,
      backend: outcome.backend,
      ...(outcome.device !== undefined ? { device: outcome.device } : {}),
      ...(outcome.visibleDevices !== undefined ? { visibleDevices: outcome.visibleDevices } : {}),
      heartbeatAt: undefined,
    };
    let saved: Trial;
    if (outcome.ok) {
      saved = await store.updateTrial(trial.number, {
        state: outcome.ended === 'pruned' ? 'pruned' : 'complete',
        metrics: outcome.metrics,
        intermediate: outcome.epochs,
        finishedAt,
        duration: outcome.duration,
        ...place,
      });
    } else {
      saved = await store.updateTrial(trial.number, {
        state: 'failed',
        error: outcome.error,
        finishedAt,
        ...place,
        ...(outcome.epochs ? { intermediate: outcome.epochs } : {}),
      });
      checkFailures();
    }
    if (o.artifactsDir) await keepBestArtifact(store, o.artifactsDir, saved, o.direction);
    emit({ type: 'trial-end', trial: store.trials().find((t) => t.number === saved.number)!, best: bestTrial(store.trials(), o.direction) });
  };

  /** A trial cancelled by stop-now goes back to the queue as if it had never started. */
  const requeue = async (trial: Trial, reason: string) => {
    await store.updateTrial(trial.number, { state: 'waiting', intermediate: [], startedAt: undefined, heartbeatAt: undefined, worker: undefined, device: undefined, visibleDevices: undefined });
    if (o.artifactsDir) rmSync(path.join(store.location, o.artifactsDir, `trial-${trial.number}`), { recursive: true, force: true });
    emit({ type: 'trial-requeued', trial: trial.number, reason });
  };

  const launch = async (trial: Trial) => {
    const cancel: { controller: AbortController; why?: 'timeout' | 'stop-now' } = { controller: new AbortController() };
    cancels.set(trial.number, cancel);
    const now = new Date().toISOString();
    const started = await store.updateTrial(trial.number, { state: 'running', startedAt: now, heartbeatAt: now, intermediate: [] });
    emit({ type: 'trial-start', trial: started });
    const saveDir = o.artifactsDir ? path.join(store.location, o.artifactsDir, `trial-${trial.number}`) : undefined;
    // The trial's clock starts when its worker begins training (onStart), so a worker's
    // start-up (loading TensorFlow.js and the data, again after every restart) does not
    // count; until then a longer limit guards against a worker that never gets ready.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const armTimer = (ms: number, what: string) => {
      if (o.trialTimeoutMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        cancel.why ??= 'timeout';
        cancel.controller.abort(`${what} (--trial-timeout); its worker was stopped and restarted`);
      }, ms);
    };
    if (o.trialTimeoutMs !== undefined) {
      const startup = Math.max(o.trialTimeoutMs, STARTUP_TIMEOUT_MS);
      armTimer(startup, `its worker did not get ready in ${fmtSeconds(startup / 1000)}`);
    }
    const hooks: TrialHooks = {
      signal: cancel.controller.signal,
      onStart: (place) => {
        if (cancel.controller.signal.aborted) return;
        armTimer(o.trialTimeoutMs ?? 0, `timed out after ${fmtSeconds((o.trialTimeoutMs ?? 0) / 1000)}`);
        const where = { worker: place.worker, ...(place.device !== undefined ? { device: place.device } : {}), ...(place.visibleDevices !== undefined ? { visibleDevices: place.visibleDevices } : {}) };
        void store.updateTrial(trial.number, where).catch(() => {});
      },
      onEpoch: async (record) => {
        // a cancelled trial's late reports change nothing: its record is decided by the cancel
        if (cancel.controller.signal.aborted) return 'stop';
        const current = store.trials().find((t) => t.number === trial.number)!;
        const updated = await store.updateTrial(trial.number, { intermediate: [...current.intermediate, record], heartbeatAt: new Date().toISOString() });
        let decision: Decision = 'continue';
        try {
          decision = o.scheduler.onEpoch({ trial: updated, epoch: record.epoch, value: record.value, trials: store.trials(), direction: o.direction });
        } catch (e) {
          // a scheduler fault must not kill the trial: keep training, record why
          await store.updateTrial(trial.number, { error: `scheduler: ${reasonOf(e)}` });
        }
        epochsUsed++;
        if (budgetSpent()) {
          stop(`epoch budget reached (${o.epochBudget} epochs)`, 'max-epochs-total');
          decision = 'stop';
        }
        emit({ type: 'epoch', trial: trial.number, record, decision });
        return decision;
      },
    };
    const task = { trialNumber: trial.number, params: trial.params, seed: trial.seed, data: o.data, metric: o.metric, saveDir };
    let outcome: TrialOutcome;
    try {
      outcome = cancel.controller.signal.aborted ? { ok: false, error: String(cancel.controller.signal.reason), worker: '-', backend: 'unknown' } : await o.backend.run(task, hooks);
    } finally {
      clearTimeout(timer);
      cancels.delete(trial.number);
    }
    if (cancel.why === 'stop-now') return requeue(trial, String(cancel.controller.signal.reason));
    if (cancel.why === 'timeout') {
      // whatever the worker managed before it was stopped, the trial failed by its time limit
      const epochs = outcome.epochs;
      outcome = { ok: false, error: String(cancel.controller.signal.reason), worker: outcome.worker, backend: outcome.backend, ...(outcome.device ? { device: outcome.device } : {}), ...(epochs ? { epochs } : {}) };
    }
    await finish(trial, outcome);
  };

  try {
    while (true) {
      if (!stopReason && o.timeoutMs !== undefined && clock() - t0 >= o.timeoutMs) stop('timeout reached', 'timeout');
      while (!stopReason && running.size < o.backend.slots) {
        const trial = await nextTrial();
        if (!trial) break;
        const p = launch(trial).finally(() => running.delete(trial.number));
        running.set(trial.number, p);
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    o.stopNow?.removeEventListener('abort', onStopNow);
    clearInterval(heartbeat);
  }
  const counts = countByState(store.trials());
  const complete = counts.waiting === 0 && store.trials().length >= o.nTrials;
  const reason = stopReason ?? (complete ? `n-trials reached (${o.nTrials})` : 'no more trials');
  emit({ type: 'end', reason });
  return { reason, endedBy: endedBy ?? (complete ? 'n-trials' : 'no-more-trials') };
}

function fmtSeconds(s: number): string {
  return s >= 3600 ? `${+(s / 3600).toFixed(2)} h` : s >= 60 ? `${+(s / 60).toFixed(2)} min` : `${+s.toFixed(3)} s`;
}

/**
 * After a kill: the best complete trial references its model if the model is on disk, no
 * other trial references one, and folders nobody references (a killed trial's partial
 * save, a replaced best's model not yet deleted) are removed.
 */
async function reconcileArtifacts(store: StudyStore, artifactsDir: string, direction: Direction): Promise<void> {
  const root = path.join(store.location, artifactsDir);
  if (!existsSync(root)) return;
  const best = bestTrial(store.trials(), direction);
  const bestRel = best ? path.join(artifactsDir, `trial-${best.number}`) : undefined;
  if (best && !best.artifact && existsSync(path.join(store.location, bestRel!, 'model.json'))) await store.updateTrial(best.number, { artifact: bestRel });
  for (const t of store.trials()) if (t.artifact && t.number !== best?.number) await store.updateTrial(t.number, { artifact: undefined });
  const keep = new Set(store.trials().flatMap((t) => (t.artifact ? [path.basename(t.artifact)] : [])));
  for (const name of readdirSync(root)) if (!keep.has(name)) rmSync(path.join(root, name), { recursive: true, force: true });
}

/** Keeps the model of the best complete trial only, so a long sweep does not fill the disk. */
async function keepBestArtifact(store: StudyStore, artifactsDir: string, finished: Trial, direction: Direction): Promise<void> {
  const dir = path.join(store.location, artifactsDir, `trial-${finished.number}`);
  const best = bestTrial(store.trials(), direction);
  if (best && best.number === finished.number) {
    // record first, delete after: a kill in between leaves an unreferenced folder, never a reference to a deleted one
    await store.updateTrial(finished.number, { artifact: path.join(artifactsDir, `trial-${finished.number}`) });
    for (const t of store.trials()) {
      if (t.artifact && t.number !== finished.number) {
        const old = t.artifact;
        await store.updateTrial(t.number, { artifact: undefined });
        rmSync(path.join(store.location, old), { recursive: true, force: true });
      }
    }
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
}
