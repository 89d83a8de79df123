import { reasonOf } from '../errors.js';
import { deriveSeed, Rng } from '../math/rng.js';
import type { Decision } from '../schedulers/base.js';
import type { EpochRecord, Params, TrialMetrics } from '../study/types.js';
import type { ExecutionBackend, TrialHooks, TrialOutcome, TrialTask } from './backend.js';

/** A learning curve as a function of the settings and the epoch; the backend adds the noise. */
export interface CurveModel {
  readonly name: string;
  /** Noise-free validation value after `epoch` (1-based). */
  mean(params: Params, epoch: number): number;
  /** Standard deviation of the Gaussian noise added to every epoch's value. */
  readonly noiseSd: number;
  /** Epochs a trial trains when no scheduler stops it. */
  maxEpochs(params: Params): number;
}

export interface SimulatedBackendOptions {
  curve: CurveModel;
  /** Simulated workers: at most this many trials run at once, in virtual time. Default 1. */
  workers?: number;
  /** Virtual seconds one epoch costs (a number, or a function of the settings). Default 1. */
  epochSeconds?: number | ((params: Params) => number);
  /**
   * The trial's value: `final` = the last epoch's value (what the Optuna anchor scores),
   * `best` = the best epoch's (what the real trainer keeps). Default `final`.
   */
  value?: 'final' | 'best';
  /**
   * Event-loop turns to wait, when a worker is free, for the study to start its next
   * trial before virtual time moves on. Enough for the in-memory store; raise it for
   * stores that write files (a late start is still correct, only later in virtual time).
   */
  settleTurns?: number;
}

/** One trial as it ran on the virtual clock. */
export interface SimulatedRun {
  trial: number;
  worker: number;
  /** Virtual seconds. */
  start: number;
  end: number;
  epochs: number;
  ended: 'completed' | 'pruned';
}

/** The noise of one epoch: a function of the trial's seed (itself of the study seed and trial number) and the epoch. */
export function curveNoise(trialSeed: number, epoch: number, sd: number): number {
  return sd === 0 ? 0 : new Rng(deriveSeed('curve-noise', trialSeed, epoch)).normal(0, sd);
}

/** The value a trial reports after `epoch`: the curve plus its seeded noise. */
export function simulatedValue(curve: CurveModel, params: Params, trialSeed: number, epoch: number): number {
  return curve.mean(params, epoch) + curveNoise(trialSeed, epoch, curve.noiseSd);
}

interface Running {
  task: TrialTask;
  hooks: TrialHooks;
  worker: number;
  start: number;
  epoch: number;
  maxEpochs: number;
  cost: number;
  nextAt: number;
  records: EpochRecord[];
  resolve: (o: TrialOutcome) => void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replays learning curves on a virtual clock with N simulated workers. Epochs of
 * all running trials are reported in virtual-time order (ties: lower trial number
 * first), and each report waits for the study's decision before time moves on, so
 * an asynchronous scheduler sees exactly what a real parallel sweep would show it.
 * A 1,000-trial sweep takes well under a second of wall time per thousand epochs.
 */
export class SimulatedBackend implements ExecutionBackend {
  readonly name = 'simulated';
  readonly slots: number;
  private readonly curve: CurveModel;
  private readonly epochSeconds: number | ((params: Params) => number);
  private readonly valueMode: 'final' | 'best';
  private readonly settleTurns: number;
  private readonly running = new Map<number, Running>();
  private readonly freeAt: number[];
  private readonly busy: boolean[];
  private readonly runs: SimulatedRun[] = [];
  private clock = 0;
  private epochsTrained = 0;
  private started = 0;
  private pumping = false;

  constructor(o: SimulatedBackendOptions) {
    this.curve = o.curve;
    this.slots = Math.max(1, Math.floor(o.workers ?? 1));
    this.epochSeconds = o.epochSeconds ?? 1;
    this.valueMode = o.value ?? 'final';
    this.settleTurns = Math.max(1, o.settleTurns ?? 2);
    this.freeAt = new Array<number>(this.slots).fill(0);
    this.busy = new Array<boolean>(this.slots).fill(false);
  }

  /** Virtual seconds since the first trial started (e.g. `clock: () => backend.now() * 1000` for runStudy's timeout). */
  now(): number {
    return this.clock;
  }

  /** Epochs trained so far, all trials together. */
  epochs(): number {
    return this.epochsTrained;
  }

  /** Every finished trial with its virtual start and end, in finishing order. */
  timeline(): readonly SimulatedRun[] {
    return this.runs;
  }

  run(task: TrialTask, hooks: TrialHooks): Promise<TrialOutcome> {
    let worker = -1;
    for (let w = 0; w < this.slots; w++) {
      if (!this.busy[w] && (worker < 0 || this.freeAt[w]! < this.freeAt[worker]!)) worker = w;
    }
    if (worker < 0) {
      return Promise.resolve({ ok: false, error: `simulated backend: all ${this.slots} workers are busy`, worker: 'sim-?', backend: this.name });
    }
    let maxEpochs: number;
    let cost: number;
    try {
      maxEpochs = Math.floor(this.curve.maxEpochs(task.params));
      cost = typeof this.epochSeconds === 'number' ? this.epochSeconds : this.epochSeconds(task.params);
      if (!(maxEpochs >= 1)) throw new Error(`the curve gives ${maxEpochs} epochs for this trial`);
      if (!(cost > 0)) throw new Error(`an epoch must cost a positive virtual time, got ${cost}`);
    } catch (e) {
      return Promise.resolve({ ok: false, error: reasonOf(e), worker: `sim-${worker}`, backend: this.name });
    }
    this.busy[worker] = true;
    this.started++;
    const start = Math.max(this.freeAt[worker]!, this.clock);
    hooks.onStart?.({ worker: `sim-${worker}`, backend: this.name, device: 'virtual' });
    return new Promise<TrialOutcome>((resolve) => {
      this.running.set(task.trialNumber, { task, hooks, worker, start, epoch: 0, maxEpochs, cost, nextAt: start + cost, records: [], resolve });
      if (!this.pumping) {
        this.pumping = true;
        void this.pump();
      }
    });
  }

  async close(): Promise<void> {}

  /** Advances virtual time one epoch report at a time until no trial runs. */
  private async pump(): Promise<void> {
    try {
      await this.pumpLoop();
    } catch (e) {
      this.pumping = false;
      throw e;
    }
  }

  private async pumpLoop(): Promise<void> {
    while (this.running.size > 0) {
      // a cancelled trial ends now, in virtual time too, as a failure with the abort reason
      for (const r of [...this.running.values()]) {
        const signal = r.hooks.signal;
        if (signal?.aborted) this.end(r, { ok: false, error: String(signal.reason ?? 'cancelled'), worker: `sim-${r.worker}`, backend: this.name, epochs: [...r.records] }, 'pruned');
      }
      if (this.running.size === 0) break;
      if (this.running.size < this.slots) {
        // a worker is free: let the study start its next trial at this virtual time
        const before = this.started;
        for (let i = 0; i < this.settleTurns && this.started === before; i++) await nextTurn();
        if (this.started !== before) continue;
      }
      let next: Running | undefined;
      for (const r of this.running.values()) {
        if (!next || r.nextAt < next.nextAt || (r.nextAt === next.nextAt && r.task.trialNumber < next.task.trialNumber)) next = r;
      }
      await this.step(next!);
    }
    // no await between the last size check and this: a run() now starts a new loop
    this.pumping = false;
  }

  private async step(r: Running): Promise<void> {
    this.clock = r.nextAt;
    r.epoch++;
    this.epochsTrained++;
    let value: number;
    try {
      value = simulatedValue(this.curve, r.task.params, r.task.seed, r.epoch);
      if (!Number.isFinite(value)) throw new Error(`the curve gave ${value} at epoch ${r.epoch}`);
    } catch (e) {
      this.end(r, { ok: false, error: reasonOf(e), worker: `sim-${r.worker}`, backend: this.name, epochs: r.records }, 'pruned');
      return;
    }
    const record: EpochRecord = { epoch: r.epoch, value, loss: 1 - value, lr: 0, elapsed: this.clock - r.start };
    r.records.push(record);
    let decision: Decision;
    try {
      decision = await r.hooks.onEpoch(record);
    } catch {
      decision = 'continue';
    }
    // a stop at the last epoch saves nothing: the trial has trained fully and is complete
    if (r.epoch >= r.maxEpochs) this.end(r, this.outcome(r, 'completed'), 'completed');
    else if (decision === 'stop') this.end(r, this.outcome(r, 'pruned'), 'pruned');
    else r.nextAt += r.cost;
  }

  private outcome(r: Running, ended: 'completed' | 'pruned'): TrialOutcome {
    let kept = r.records[r.records.length - 1]!;
    if (this.valueMode === 'best') for (const rec of r.records) if (rec.value > kept.value) kept = rec;
    const split = { accuracy: kept.value, macroF1: kept.value, confusion: [], perClass: [] };
    const metrics: TrialMetrics = { value: kept.value, bestEpoch: kept.epoch, validation: split, trainExamples: 0, notes: [`simulated ${this.curve.name}`] };
    return { ok: true, metrics, epochs: [...r.records], ended, duration: this.clock - r.start, worker: `sim-${r.worker}`, backend: this.name, strategies: [] };
  }

  private end(r: Running, outcome: TrialOutcome, ended: 'completed' | 'pruned'): void {
    this.running.delete(r.task.trialNumber);
    this.busy[r.worker] = false;
    this.freeAt[r.worker] = this.clock;
    this.runs.push({ trial: r.task.trialNumber, worker: r.worker, start: r.start, end: this.clock, epochs: r.epoch, ended });
    r.resolve(outcome);
  }
}
