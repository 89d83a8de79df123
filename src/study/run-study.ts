import { rmSync } from 'node:fs';
import path from 'node:path';
import { HybridTuneError, ERROR_CODES, reasonOf } from '../errors.js';
import type { DataRef, ExecutionBackend, TrialOutcome } from '../execution/backend.js';
import { deriveSeed, Rng } from '../math/rng.js';
import { completePoint, type Sampler } from '../samplers/base.js';
import type { Decision, Scheduler } from '../schedulers/base.js';
import type { SearchSpace } from '../space/types.js';
import type { StudyStore } from '../store/base.js';
import { bestTrial, countByState } from './summary.js';
import type { Direction, EpochRecord, Trial } from './types.js';

export type StudyEvent =
  | { type: 'start'; resumed: boolean; requeued: number[]; nTrials: number; slots: number }
  | { type: 'trial-start'; trial: Trial }
  | { type: 'epoch'; trial: number; record: EpochRecord; decision: Decision }
  | { type: 'trial-end'; trial: Trial; best?: Trial }
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
  /** Aborting stops starting trials; running ones finish and are saved. */
  signal?: AbortSignal;
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

/** The one place that ties sampler, scheduler, backend and store together: ask, run, report, tell. */
export async function runStudy(o: RunStudyOptions): Promise<{ reason: string }> {
  const clock = o.clock ?? (() => performance.now());
  const t0 = clock();
  const emit = (e: StudyEvent) => o.onEvent?.(e);
  const store = o.store;

  // Trials a previous run left running are run again with the same params and seed.
  const requeued: number[] = [];
  for (const t of store.trials()) {
    if (t.state === 'running') {
      await store.updateTrial(t.number, { state: 'waiting', intermediate: [], startedAt: undefined, worker: undefined });
      requeued.push(t.number);
    }
  }
  emit({ type: 'start', resumed: store.trials().length > 0, requeued, nTrials: o.nTrials, slots: o.backend.slots });

  const running = new Map<number, Promise<void>>();
  let stopReason: string | undefined;
  const stop = (reason: string) => {
    if (!stopReason) {
      stopReason = reason;
      emit({ type: 'stopping', reason });
    }
  };
  const onAbort = () => stop('interrupted');
  o.signal?.addEventListener('abort', onAbort);
  if (o.signal?.aborted) stop('interrupted');

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
        stop(`space exhausted: ${e.message}`);
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
    let saved: Trial;
    if (outcome.ok) {
      saved = await store.updateTrial(trial.number, {
        state: outcome.ended === 'pruned' ? 'pruned' : 'complete',
        metrics: outcome.metrics,
        intermediate: outcome.epochs,
        finishedAt,
        duration: outcome.duration,
        worker: outcome.worker,
        backend: outcome.backend,
      });
    } else {
      saved = await store.updateTrial(trial.number, {
        state: 'failed',
        error: outcome.error,
        finishedAt,
        worker: outcome.worker,
        backend: outcome.backend,
        ...(outcome.epochs ? { intermediate: outcome.epochs } : {}),
      });
    }
    if (o.artifactsDir) await keepBestArtifact(store, o.artifactsDir, saved, o.direction);
    emit({ type: 'trial-end', trial: store.trials().find((t) => t.number === saved.number)!, best: bestTrial(store.trials(), o.direction) });
  };

  const launch = async (trial: Trial) => {
    const started = await store.updateTrial(trial.number, { state: 'running', startedAt: new Date().toISOString(), intermediate: [] });
    emit({ type: 'trial-start', trial: started });
    const saveDir = o.artifactsDir ? path.join(store.location, o.artifactsDir, `trial-${trial.number}`) : undefined;
    const outcome = await o.backend.run(
      { trialNumber: trial.number, params: trial.params, seed: trial.seed, data: o.data, metric: o.metric, saveDir },
      {
        onEpoch: async (record) => {
          const current = store.trials().find((t) => t.number === trial.number)!;
          const updated = await store.updateTrial(trial.number, { intermediate: [...current.intermediate, record] });
          let decision: Decision = 'continue';
          try {
            decision = o.scheduler.onEpoch({ trial: updated, epoch: record.epoch, value: record.value, trials: store.trials(), direction: o.direction });
          } catch (e) {
            // a scheduler fault must not kill the trial: keep training, record why
            await store.updateTrial(trial.number, { error: `scheduler: ${reasonOf(e)}` });
          }
          emit({ type: 'epoch', trial: trial.number, record, decision });
          return decision;
        },
      },
    );
    await finish(trial, outcome);
  };

  while (true) {
    if (!stopReason && o.timeoutMs !== undefined && clock() - t0 >= o.timeoutMs) stop('timeout reached');
    while (!stopReason && running.size < o.backend.slots) {
      const trial = await nextTrial();
      if (!trial) break;
      const p = launch(trial).finally(() => running.delete(trial.number));
      running.set(trial.number, p);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  o.signal?.removeEventListener('abort', onAbort);
  const counts = countByState(store.trials());
  const reason = stopReason ?? (counts.waiting === 0 && store.trials().length >= o.nTrials ? `n-trials reached (${o.nTrials})` : 'no more trials');
  emit({ type: 'end', reason });
  return { reason };
}

/** Keeps the model of the best complete trial only, so a long sweep does not fill the disk. */
async function keepBestArtifact(store: StudyStore, artifactsDir: string, finished: Trial, direction: Direction): Promise<void> {
  const dir = path.join(store.location, artifactsDir, `trial-${finished.number}`);
  const best = bestTrial(store.trials(), direction);
  if (best && best.number === finished.number) {
    for (const t of store.trials()) {
      if (t.artifact && t.number !== finished.number) {
        rmSync(path.join(store.location, t.artifact), { recursive: true, force: true });
        await store.updateTrial(t.number, { artifact: undefined });
      }
    }
    await store.updateTrial(finished.number, { artifact: path.join(artifactsDir, `trial-${finished.number}`) });
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
}
