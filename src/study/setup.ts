import { availableParallelism } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadTask } from '../data/load-task.js';
import type { PreparedData } from '../data/types.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { DataRef } from '../execution/backend.js';
import { isGpu, parseDevices, planSlots, type DeviceSlots } from '../execution/devices.js';
import { BACKENDS } from '../execution/registry.js';
import type { Sampler } from '../samplers/base.js';
import { SAMPLERS } from '../samplers/registry.js';
import type { Scheduler } from '../schedulers/base.js';
import { SCHEDULERS } from '../schedulers/registry.js';
import { loadSpace, parseSpace } from '../space/load-space.js';
import type { SpaceConfig } from '../space/types.js';
import { acquireStudyLock, LowdbStore, releaseStudyLock } from '../store/lowdb-store.js';
import { STORE_FORMAT_VERSION } from '../store/base.js';
import { VERSION } from '../version.js';
import { STALE_POLICIES, type StalePolicy } from './recovery.js';
import type { RunStudyOptions } from './run-study.js';
import type { ExecutionSettings, StudyMeta } from './types.js';

export interface SweepOverrides {
  name?: string;
  nTrials?: number;
  sampler?: string;
  scheduler?: string;
  /** CPU trials at once (`--workers`). */
  workers?: number;
  seed?: number;
  /** `--devices`: cpu, gpu:0,1, cpu,gpu:0, auto. */
  devices?: string;
  trialsPerDevice?: number;
  /** Execution backend name (`--backend`). */
  backend?: string;
  maxEpochsTotal?: number;
  maxFailures?: number;
  trialTimeoutSec?: number;
  staleTrials?: string;
  /** How `auto` finds GPUs (default: `nvidia-smi -L`). */
  detectGpus?: () => string[];
}

export interface PreparedSweep {
  store: LowdbStore;
  config: SpaceConfig;
  meta: StudyMeta;
  data: PreparedData;
  dataRef: DataRef;
  sampler: Sampler;
  scheduler: Scheduler;
  /** Slots in all (devices × trials per device). */
  workers: number;
  execution: ExecutionSettings;
  resumed: boolean;
  /** The sweep lock is held from before the study is read; a dead holder's lock was taken over. */
  lock: { tookOverFrom?: number };
}

function checkName<T>(kind: 'sampler' | 'scheduler', name: string, registry: Record<string, T>): T {
  const entry = registry[name];
  if (!entry) {
    throw new HybridTuneError(ERROR_CODES.BAD_FLAG, `unknown ${kind} '${name}'`, { key: `--${kind}`, expected: `one of ${Object.keys(registry).join(', ')}` });
  }
  return entry;
}

/** Applies command-line overrides over the space file's sweep section. */
function applyOverrides(config: SpaceConfig, o: SweepOverrides): SpaceConfig {
  if (o.sampler) checkName('sampler', o.sampler, SAMPLERS);
  if (o.scheduler) checkName('scheduler', o.scheduler, SCHEDULERS);
  if (o.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.name)) {
    throw new HybridTuneError(ERROR_CODES.BAD_FLAG, `'${o.name}' is not a valid study name`, { key: '--name', expected: 'letters, digits, dot, dash and underscore' });
  }
  return {
    ...config,
    name: o.name ?? config.name,
    seed: o.seed ?? config.seed,
    sweep: {
      ...config.sweep,
      sampler: o.sampler ?? config.sweep.sampler,
      scheduler: o.scheduler ?? config.sweep.scheduler,
      nTrials: o.nTrials ?? config.sweep.nTrials,
      workers: o.workers ?? config.sweep.workers,
    },
  };
}

function resolveWorkers(n: number): number {
  return n > 0 ? n : availableParallelism();
}

const flagError = (key: string, message: string, expected: string) => new HybridTuneError(ERROR_CODES.BAD_FLAG, message, { key, expected });

/**
 * Devices, slots, backend and fault settings: the flags over what the study stored (on
 * resume) over the defaults. Slots = devices × trials per device; the CPU's default is
 * `--workers` (one per core), a GPU's is 1.
 */
export function resolveExecution(o: SweepOverrides, stored: ExecutionSettings | undefined, configWorkers: number): ExecutionSettings {
  const backend = o.backend ?? stored?.backend ?? 'threads';
  if (!(backend in BACKENDS)) throw flagError('--backend', `unknown execution backend '${backend}'`, `one of ${Object.keys(BACKENDS).join(', ')}`);
  const ids = o.devices !== undefined ? parseDevices(o.devices, o.detectGpus) : stored ? stored.devices.map((d) => d.id) : ['cpu'];
  const hasCpu = ids.includes('cpu');
  if (o.workers !== undefined && !hasCpu) throw flagError('--workers', `--workers sets the CPU's trials at once, and the devices (${ids.join(', ')}) have no CPU`, '--trials-per-device N for GPUs');
  if (o.workers !== undefined && o.trialsPerDevice !== undefined && o.workers !== o.trialsPerDevice) {
    throw flagError('--trials-per-device', `--workers ${o.workers} and --trials-per-device ${o.trialsPerDevice} disagree about the CPU`, 'one of the two');
  }
  let devices: DeviceSlots[];
  if (o.trialsPerDevice === undefined && o.devices === undefined && stored) {
    devices = stored.devices.map((d) => (d.id === 'cpu' && o.workers !== undefined ? { id: d.id, slots: o.workers } : { ...d }));
  } else {
    devices = planSlots({ devices: ids, cpuSlots: resolveWorkers(o.workers ?? configWorkers), ...(o.trialsPerDevice !== undefined ? { trialsPerDevice: o.trialsPerDevice } : {}) });
  }
  const kind = BACKENDS[backend as keyof typeof BACKENDS];
  if (!kind.gpus) {
    if (devices.some((d) => isGpu(d.id))) throw flagError('--backend', `the ${backend} backend cannot run GPU slots`, '--backend threads or processes');
    devices = [{ id: 'cpu', slots: 1 }];
  }
  const staleTrials = (o.staleTrials ?? stored?.staleTrials ?? 'retry') as StalePolicy;
  if (!STALE_POLICIES.includes(staleTrials)) throw flagError('--stale-trials', `'${staleTrials}' is not a policy`, STALE_POLICIES.join(' or '));
  const maxEpochsTotal = o.maxEpochsTotal ?? stored?.maxEpochsTotal;
  const maxFailures = o.maxFailures ?? stored?.maxFailures;
  const trialTimeoutSec = o.trialTimeoutSec ?? stored?.trialTimeoutSec;
  return {
    backend,
    devices,
    staleTrials,
    ...(maxEpochsTotal !== undefined ? { maxEpochsTotal } : {}),
    ...(maxFailures !== undefined ? { maxFailures } : {}),
    ...(trialTimeoutSec !== undefined ? { trialTimeoutSec } : {}),
  };
}

const totalSlots = (e: ExecutionSettings) => e.devices.reduce((n, d) => n + d.slots, 0);

/**
 * Validates everything (space, data) before writing anything, then creates the
 * study folder. Bad input throws a HybridTuneError and leaves no folder behind.
 */
export async function prepareNewSweep(spaceFile: string, overrides: SweepOverrides, trialsRoot: string, tfBackend: string): Promise<PreparedSweep> {
  const config = applyOverrides(loadSpace(spaceFile), overrides);
  const baseDir = path.dirname(config.file);
  const data = await loadTask(config.task, { baseDir, seed: config.seed, specFile: config.file });
  const dir = path.resolve(trialsRoot, config.name);
  const execution = resolveExecution(overrides, undefined, config.sweep.workers);
  const workers = totalSlots(execution);
  const meta: StudyMeta = {
    format: 'hybridtune-study',
    formatVersion: STORE_FORMAT_VERSION,
    name: config.name,
    createdAt: new Date().toISOString(),
    hybridtuneVersion: VERSION,
    spaceFile: config.file,
    space: config.raw,
    seed: config.seed,
    sampler: config.sweep.sampler,
    scheduler: config.sweep.scheduler,
    nTrials: config.sweep.nTrials,
    workers,
    backend: tfBackend,
    direction: 'maximize',
    metric: config.task.metric,
    execution,
    data: {
      fingerprint: data.fingerprint,
      labels: data.labels,
      sizes: { train: data.train.texts.length, validation: data.validation.texts.length, ...(data.test ? { test: data.test.texts.length } : {}) },
      sources: { ...data.sources },
    },
    runs: [],
  };
  const store = await LowdbStore.create(dir, meta);
  const lock = store.acquireLock();
  return finishPrepare(store, config, data, execution, false, lock);
}

/** Re-opens a study: its stored space (not the file, which may have changed), sampler, scheduler and seed. */
export async function prepareResume(studyDir: string, overrides: SweepOverrides): Promise<PreparedSweep> {
  // Lock first, read after: what another process wrote before we held the study is seen,
  // and nothing is written while a live sweep holds it.
  await LowdbStore.open(studyDir); // a clear error for a missing or corrupt study, before locking
  const lock = acquireStudyLock(studyDir);
  try {
    return await resumeLocked(studyDir, overrides, lock);
  } catch (e) {
    releaseStudyLock(studyDir);
    throw e;
  }
}

async function resumeLocked(studyDir: string, overrides: SweepOverrides, lock: { tookOverFrom?: number }): Promise<PreparedSweep> {
  const store = await LowdbStore.open(studyDir);
  const meta = store.meta();
  const stored = parseSpace(stringify(meta.space), meta.spaceFile);
  if (overrides.seed !== undefined && overrides.seed !== meta.seed) {
    throw new HybridTuneError(ERROR_CODES.BAD_FLAG, `a resumed study keeps its seed (${meta.seed})`, { key: '--seed', expected: `no --seed, or --seed ${meta.seed}` });
  }
  const config = applyOverrides(
    { ...stored, name: meta.name, seed: meta.seed, sweep: { ...stored.sweep, sampler: meta.sampler, scheduler: meta.scheduler, nTrials: meta.nTrials, workers: meta.workers } },
    { ...overrides, name: undefined },
  );
  const data = await loadTask(config.task, { baseDir: path.dirname(meta.spaceFile), seed: meta.seed, specFile: meta.spaceFile });
  if (data.fingerprint !== meta.data.fingerprint) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `the data changed since the study started`, {
      file: data.sources.train,
      value: data.fingerprint,
      expected: `data with fingerprint ${meta.data.fingerprint}`,
      hint: 'start a new study (--name) to sweep the new data',
    });
  }
  // studies made before devices existed ran `workers` CPU slots
  const storedExecution = meta.execution ?? { backend: 'threads', devices: [{ id: 'cpu', slots: meta.workers }], staleTrials: 'retry' as const };
  const execution = resolveExecution(overrides, storedExecution, config.sweep.workers);
  const workers = totalSlots(execution);
  const updated: StudyMeta = { ...meta, sampler: config.sweep.sampler, scheduler: config.sweep.scheduler, nTrials: config.sweep.nTrials, workers, execution };
  await store.saveMeta(updated);
  return finishPrepare(store, config, data, execution, true, lock);
}

function finishPrepare(store: LowdbStore, config: SpaceConfig, data: PreparedData, execution: ExecutionSettings, resumed: boolean, lock: { tookOverFrom?: number }): PreparedSweep {
  const workers = totalSlots(execution);
  const sampler = checkName('sampler', config.sweep.sampler, SAMPLERS).create(config.sweep.samplerOptions);
  const scheduler = checkName('scheduler', config.sweep.scheduler, SCHEDULERS).create(config.sweep.schedulerOptions);
  const dataRef: DataRef = { task: config.task, baseDir: path.dirname(config.file), seed: config.seed, fingerprint: data.fingerprint };
  return { store, config, meta: store.meta(), data, dataRef, sampler, scheduler, workers, execution, resumed, lock };
}

/**
 * What `runStudy` needs from a prepared sweep, as `hybridtune sweep` runs it: the store, space,
 * sampler, scheduler, data and the stored execution budgets. The caller adds the backend and
 * what belongs to its own run (timeout, signals, events).
 */
export function studyRunOptions(prepared: PreparedSweep): Omit<RunStudyOptions, 'backend'> {
  const { store, config, meta, execution } = prepared;
  return {
    store,
    space: config.space,
    sampler: prepared.sampler,
    scheduler: prepared.scheduler,
    data: prepared.dataRef,
    metric: config.task.metric,
    direction: meta.direction,
    seed: meta.seed,
    nTrials: config.sweep.nTrials,
    ...(execution.maxEpochsTotal !== undefined ? { epochBudget: execution.maxEpochsTotal } : {}),
    ...(execution.trialTimeoutSec !== undefined ? { trialTimeoutMs: execution.trialTimeoutSec * 1000 } : {}),
    ...(execution.maxFailures !== undefined ? { maxFailures: execution.maxFailures } : {}),
    staleTrials: execution.staleTrials,
  };
}
