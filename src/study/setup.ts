import { availableParallelism } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadTask } from '../data/load-task.js';
import type { PreparedData } from '../data/types.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { DataRef } from '../execution/backend.js';
import type { Sampler } from '../samplers/base.js';
import { SAMPLERS } from '../samplers/registry.js';
import type { Scheduler } from '../schedulers/base.js';
import { SCHEDULERS } from '../schedulers/registry.js';
import { loadSpace, parseSpace } from '../space/load-space.js';
import type { SpaceConfig } from '../space/types.js';
import { LowdbStore } from '../store/lowdb-store.js';
import { STORE_FORMAT_VERSION } from '../store/base.js';
import { VERSION } from '../version.js';
import type { StudyMeta } from './types.js';

export interface SweepOverrides {
  name?: string;
  nTrials?: number;
  sampler?: string;
  scheduler?: string;
  workers?: number;
  seed?: number;
}

export interface PreparedSweep {
  store: LowdbStore;
  config: SpaceConfig;
  meta: StudyMeta;
  data: PreparedData;
  dataRef: DataRef;
  sampler: Sampler;
  scheduler: Scheduler;
  workers: number;
  resumed: boolean;
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

/**
 * Validates everything (space, data) before writing anything, then creates the
 * study folder. Bad input throws a HybridTuneError and leaves no folder behind.
 */
export async function prepareNewSweep(spaceFile: string, overrides: SweepOverrides, trialsRoot: string, tfBackend: string): Promise<PreparedSweep> {
  const config = applyOverrides(loadSpace(spaceFile), overrides);
  const baseDir = path.dirname(config.file);
  const data = await loadTask(config.task, { baseDir, seed: config.seed, specFile: config.file });
  const dir = path.resolve(trialsRoot, config.name);
  const workers = resolveWorkers(config.sweep.workers);
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
    data: {
      fingerprint: data.fingerprint,
      labels: data.labels,
      sizes: { train: data.train.texts.length, validation: data.validation.texts.length, ...(data.test ? { test: data.test.texts.length } : {}) },
      sources: { ...data.sources },
    },
    runs: [],
  };
  const store = await LowdbStore.create(dir, meta);
  return finishPrepare(store, config, data, workers, false);
}

/** Re-opens a study: its stored space (not the file, which may have changed), sampler, scheduler and seed. */
export async function prepareResume(studyDir: string, overrides: SweepOverrides): Promise<PreparedSweep> {
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
  const workers = resolveWorkers(config.sweep.workers);
  const updated: StudyMeta = { ...meta, sampler: config.sweep.sampler, scheduler: config.sweep.scheduler, nTrials: config.sweep.nTrials, workers };
  await store.saveMeta(updated);
  return finishPrepare(store, config, data, workers, true);
}

function finishPrepare(store: LowdbStore, config: SpaceConfig, data: PreparedData, workers: number, resumed: boolean): PreparedSweep {
  const sampler = checkName('sampler', config.sweep.sampler, SAMPLERS).create(config.sweep.samplerOptions);
  const scheduler = checkName('scheduler', config.sweep.scheduler, SCHEDULERS).create(config.sweep.schedulerOptions);
  const dataRef: DataRef = { task: config.task, baseDir: path.dirname(config.file), seed: config.seed, fingerprint: data.fingerprint };
  return { store, config, meta: store.meta(), data, dataRef, sampler, scheduler, workers, resumed };
}
