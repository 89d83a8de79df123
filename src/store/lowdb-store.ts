import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Low } from 'lowdb';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { StudyMeta, Trial } from '../study/types.js';
import { STORE_FORMAT_VERSION, type StudyStore } from './base.js';
import { DurableJsonFile } from './durable-file.js';

interface TrialsFile {
  formatVersion: number;
  trials: Trial[];
}

export const META_FILE = 'study.json';
export const TRIALS_FILE = 'trials.json';
export const LOCK_FILE = 'sweep.lock';

/** Whether a process with this pid exists (EPERM: it does, but is somebody else's). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads one of the store's JSON files, keeping a copy of a corrupt one and naming it in the error. */
async function readJson<T>(db: Low<T>, file: string): Promise<void> {
  try {
    await db.read();
  } catch (e) {
    const backup = `${file}.corrupt-${Date.now()}`;
    copyFileSync(file, backup);
    throw new HybridTuneError(ERROR_CODES.STORE_CORRUPT, `the study file is not valid JSON (${(e as Error).message})`, {
      file,
      expected: 'a file written by hybridtune',
      hint: `a copy was kept at ${backup}; restore a backup or start a new study with --name`,
    });
  }
}

/** The pid written in a study's lock file, if there is a readable one. */
export function lockHolder(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the sweep lock; refuses while a live process holds it, takes over a dead one's.
 * The lock file is created exclusively, so of two sweeps starting at once one is refused.
 */
export function acquireStudyLock(dir: string): { tookOverFrom?: number } {
  const file = path.join(dir, LOCK_FILE);
  let tookOverFrom: number | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return tookOverFrom === undefined ? {} : { tookOverFrom };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = lockHolder(dir);
    if (pid === process.pid) return {};
    if (pid !== undefined && pidAlive(pid)) {
      throw new HybridTuneError(ERROR_CODES.STUDY_LOCKED, `the study is being swept by process ${pid}`, {
        file,
        expected: 'one sweep per study at a time; wait for it, or stop it first',
        hint: `if process ${pid} is not a hybridtune sweep, delete ${file}`,
      });
    }
    // a dead holder's (or an unreadable) lock: remove it and try to create ours again
    if (pid !== undefined) tookOverFrom = pid;
    rmSync(file, { force: true });
  }
  throw new HybridTuneError(ERROR_CODES.STUDY_LOCKED, 'another process keeps taking the study lock', { file, expected: 'one sweep per study at a time' });
}

/** Removes the lock if this process holds it. */
export function releaseStudyLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  try {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
  } catch {
    // a lock we cannot remove is taken over by the next sweep (its pid is dead)
  }
}

/**
 * The embedded store: two lowdb JSON files under `trials/<study>/` (the study's
 * record and its trials), each written atomically and durably (temp file, fsync,
 * rename) by the main thread, plus a lock file naming the pid of the sweep that holds it.
 */
export class LowdbStore implements StudyStore {
  readonly location: string;
  private constructor(
    dir: string,
    private readonly metaDb: Low<StudyMeta>,
    private readonly trialsDb: Low<TrialsFile>,
  ) {
    this.location = dir;
  }

  static exists(dir: string): boolean {
    return existsSync(path.join(dir, META_FILE));
  }

  static async create(dir: string, meta: StudyMeta): Promise<LowdbStore> {
    if (LowdbStore.exists(dir)) {
      throw new HybridTuneError(ERROR_CODES.STUDY_EXISTS, `a study already exists in ${dir}`, {
        file: path.join(dir, META_FILE),
        expected: 'a new --name, or --resume to continue it',
      });
    }
    mkdirSync(dir, { recursive: true });
    const metaDb = new Low<StudyMeta>(new DurableJsonFile(path.join(dir, META_FILE)), meta);
    const trialsDb = new Low<TrialsFile>(new DurableJsonFile(path.join(dir, TRIALS_FILE)), { formatVersion: STORE_FORMAT_VERSION, trials: [] });
    // trials first: a study.json always has its trials.json beside it
    await trialsDb.write();
    await metaDb.write();
    return new LowdbStore(dir, metaDb, trialsDb);
  }

  static async open(dir: string): Promise<LowdbStore> {
    const metaFile = path.join(dir, META_FILE);
    if (!existsSync(metaFile)) {
      throw new HybridTuneError(ERROR_CODES.STUDY_NOT_FOUND, `no study in ${path.resolve(dir)}`, {
        file: metaFile,
        expected: `a folder made by 'hybridtune sweep', e.g. trials/quickstart`,
      });
    }
    const metaDb = new Low<StudyMeta>(new DurableJsonFile(metaFile), {} as StudyMeta);
    await readJson(metaDb, metaFile);
    if (metaDb.data.format !== 'hybridtune-study') {
      throw new HybridTuneError(ERROR_CODES.STORE_CORRUPT, `not a hybridtune study file`, { file: metaFile, expected: `"format": "hybridtune-study"` });
    }
    if (metaDb.data.formatVersion !== STORE_FORMAT_VERSION) {
      throw new HybridTuneError(ERROR_CODES.STORE_VERSION, `study format version ${metaDb.data.formatVersion} is not supported`, {
        file: metaFile,
        expected: `format version ${STORE_FORMAT_VERSION} (written by this hybridtune)`,
      });
    }
    const trialsFile = path.join(dir, TRIALS_FILE);
    const trialsDb = new Low<TrialsFile>(new DurableJsonFile(trialsFile), { formatVersion: STORE_FORMAT_VERSION, trials: [] });
    if (existsSync(trialsFile)) await readJson(trialsDb, trialsFile);
    if (trialsDb.data.formatVersion !== STORE_FORMAT_VERSION) {
      throw new HybridTuneError(ERROR_CODES.STORE_VERSION, `trials format version ${String(trialsDb.data.formatVersion)} is not supported`, {
        file: trialsFile,
        expected: `format version ${STORE_FORMAT_VERSION} (written by this hybridtune)`,
      });
    }
    if (!Array.isArray(trialsDb.data.trials)) {
      throw new HybridTuneError(ERROR_CODES.STORE_CORRUPT, 'the trials file has no trial list', { file: trialsFile, expected: '{"formatVersion": 1, "trials": [...]}' });
    }
    return new LowdbStore(dir, metaDb, trialsDb);
  }

  meta(): StudyMeta {
    return this.metaDb.data;
  }

  trials(): readonly Trial[] {
    return this.trialsDb.data.trials;
  }

  async saveMeta(meta: StudyMeta): Promise<void> {
    this.metaDb.data = meta;
    await this.metaDb.write();
  }

  async addTrial(trial: Trial): Promise<void> {
    const list = this.trialsDb.data.trials;
    if (list.some((t) => t.number === trial.number)) throw new Error(`trial ${trial.number} exists already`);
    list.push(structuredClone(trial));
    list.sort((a, b) => a.number - b.number);
    await this.trialsDb.write();
  }

  async updateTrial(number: number, patch: Partial<Trial>): Promise<Trial> {
    const list = this.trialsDb.data.trials;
    const i = list.findIndex((t) => t.number === number);
    if (i < 0) throw new Error(`no trial ${number}`);
    list[i] = { ...list[i]!, ...patch };
    await this.trialsDb.write();
    return list[i]!;
  }

  /**
   * Takes the sweep lock; refuses while a live process holds it, takes over a dead one's.
   * The lock file is created exclusively, so of two sweeps starting at once one is refused.
   */
  acquireLock(): { tookOverFrom?: number } {
    return acquireStudyLock(this.location);
  }

  /** The pid holding the lock and whether it is alive; `undefined` pid when there is no lock. */
  lockState(): { pid?: number; alive: boolean } {
    const pid = lockHolder(this.location);
    return pid === undefined ? { alive: false } : { pid, alive: pid === process.pid || pidAlive(pid) };
  }

  releaseLock(): void {
    releaseStudyLock(this.location);
  }

  async close(): Promise<void> {
    this.releaseLock();
  }
}
