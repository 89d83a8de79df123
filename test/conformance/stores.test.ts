/**
 * Every store passes the same lifecycle suite; the lowdb store also survives a
 * reopen, refuses what it must (existing, missing, corrupt, wrong version) and
 * guards a study with a pid lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError, type ErrorCode } from '../../src/errors.js';
import { LOCK_FILE, LowdbStore, MemoryStore, META_FILE, STORE_FORMAT_VERSION, TRIALS_FILE, type StudyStore } from '../../src/store/index.js';
import type { StudyMeta, Trial } from '../../src/study/types.js';

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});
function tmpDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'hybridtune-store-'));
  tmpDirs.push(d);
  return d;
}

function meta(name = 'conformance'): StudyMeta {
  return {
    format: 'hybridtune-study',
    formatVersion: STORE_FORMAT_VERSION,
    name,
    createdAt: '2024-01-01T00:00:00.000Z',
    hybridtuneVersion: '0.1.0',
    spaceFile: '/spaces/x.yaml',
    space: { task: { text: 'text', label: 'label' }, search: { 'optimizer.lr': { float: [0.001, 0.1], log: true } } },
    seed: 7,
    sampler: 'random',
    scheduler: 'fifo',
    nTrials: 10,
    workers: 2,
    backend: 'cpu',
    direction: 'maximize',
    metric: 'macro-f1',
    data: { fingerprint: 'abc123', labels: ['ham', 'spam'], sizes: { train: 80, validation: 10, test: 10 }, sources: { train: 'builtin:x' } },
    runs: [{ startedAt: '2024-01-01T00:00:00.000Z', pid: 1234, resumed: false }],
  };
}

function trial(number: number, over: Partial<Trial> = {}): Trial {
  return {
    number,
    state: 'waiting',
    params: { optimizer: 'adam', 'optimizer.lr': 0.001 * (number + 1), 'augment.eda': number % 2 === 0 },
    seed: 1000 + number,
    intermediate: [],
    createdAt: `2024-01-01T00:00:0${number % 10}.000Z`,
    ...over,
  };
}

function expectCode(code: ErrorCode, check?: (e: HybridTuneError) => void): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof HybridTuneError, `expected ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.describe());
    check?.(e);
    return true;
  };
}

interface StoreKind {
  name: string;
  create(meta: StudyMeta): Promise<StudyStore>;
}

const KINDS: StoreKind[] = [
  { name: 'MemoryStore', create: async (m) => new MemoryStore(m) },
  { name: 'LowdbStore', create: (m) => LowdbStore.create(path.join(tmpDir(), 'study'), m) },
];

for (const kind of KINDS) {
  describe(`store conformance: ${kind.name}`, () => {
    it('creates a study with its meta and no trials', async () => {
      const store = await kind.create(meta());
      assert.deepEqual(store.meta(), meta());
      assert.deepEqual(store.trials(), []);
      assert.equal(typeof store.location, 'string');
      await store.close();
    });

    it('adds trials and reads them back in number order', async () => {
      const store = await kind.create(meta());
      for (const n of [2, 0, 3, 1]) await store.addTrial(trial(n));
      assert.deepEqual(
        store.trials().map((t) => t.number),
        [0, 1, 2, 3],
      );
      assert.deepEqual(store.trials()[2], trial(2));
      await store.close();
    });

    it('updates a trial with a patch and returns the merged record', async () => {
      const store = await kind.create(meta());
      await store.addTrial(trial(0));
      await store.addTrial(trial(1));
      const epochs = [{ epoch: 1, value: 0.7, loss: 0.5, lr: 0.01, elapsed: 1.5 }];
      await store.updateTrial(1, { state: 'running', startedAt: '2024-01-01T00:01:00.000Z', worker: 'w1' });
      const saved = await store.updateTrial(1, { state: 'complete', intermediate: epochs, finishedAt: '2024-01-01T00:02:00.000Z', duration: 60 });
      const expected: Trial = {
        ...trial(1),
        state: 'complete',
        startedAt: '2024-01-01T00:01:00.000Z',
        worker: 'w1',
        intermediate: epochs,
        finishedAt: '2024-01-01T00:02:00.000Z',
        duration: 60,
      };
      assert.deepEqual(saved, expected);
      assert.deepEqual(store.trials()[1], expected);
      assert.deepEqual(store.trials()[0], trial(0), 'the other trial is unchanged');
      await store.close();
    });

    it('rejects a duplicate trial number and an update of a missing one, leaving the trials as they were', async () => {
      const store = await kind.create(meta());
      await store.addTrial(trial(0));
      await assert.rejects(store.addTrial(trial(0, { state: 'running' })), /exists/);
      await assert.rejects(store.updateTrial(5, { state: 'failed' }), /no trial 5/);
      assert.deepEqual(store.trials(), [trial(0)]);
      await store.close();
    });

    it('saves the meta', async () => {
      const store = await kind.create(meta());
      const changed = { ...meta(), endReason: 'n-trials reached (10)', runs: [...meta().runs, { startedAt: '2024-01-02T00:00:00.000Z', pid: 99, resumed: true }] };
      await store.saveMeta(changed);
      assert.deepEqual(store.meta(), changed);
      await store.close();
    });
  });
}

describe('LowdbStore on disk', () => {
  async function filledStudy(): Promise<{ dir: string; store: LowdbStore }> {
    const dir = path.join(tmpDir(), 'study');
    const store = await LowdbStore.create(dir, meta());
    for (const n of [1, 0, 2]) await store.addTrial(trial(n));
    await store.updateTrial(0, {
      state: 'complete',
      intermediate: [{ epoch: 1, value: 0.8125, loss: 0.25, lr: 1e-3, elapsed: 0.5 }],
      metrics: {
        value: 0.8125,
        bestEpoch: 1,
        validation: { accuracy: 0.9, macroF1: 0.8125, confusion: [[8, 1], [0, 1]], perClass: [{ label: 'ham', precision: 1, recall: 0.89, f1: 0.94, support: 9 }] },
        trainExamples: 80,
        notes: ['a note'],
      },
    });
    await store.updateTrial(2, { state: 'failed', error: 'E_TRIAL_FAILED: NaN loss' });
    return { dir, store };
  }

  it('writes study.json and trials.json, and a reopen gives identical data', async () => {
    const { dir, store } = await filledStudy();
    assert.ok(existsSync(path.join(dir, META_FILE)));
    assert.ok(existsSync(path.join(dir, TRIALS_FILE)));
    const onDisk = JSON.parse(readFileSync(path.join(dir, TRIALS_FILE), 'utf8')) as { formatVersion: number; trials: Trial[] };
    assert.equal(onDisk.formatVersion, STORE_FORMAT_VERSION);
    assert.deepEqual(onDisk.trials, store.trials(), 'every change is on disk when the call resolves');
    const reopened = await LowdbStore.open(dir);
    assert.deepEqual(reopened.meta(), store.meta());
    assert.deepEqual(reopened.trials(), store.trials());
    assert.deepEqual(
      reopened.trials().map((t) => [t.number, t.state]),
      [
        [0, 'complete'],
        [1, 'waiting'],
        [2, 'failed'],
      ],
    );
    // and it carries on: a trial added after the reopen lands in order
    await reopened.addTrial(trial(3));
    assert.deepEqual(
      (await LowdbStore.open(dir)).trials().map((t) => t.number),
      [0, 1, 2, 3],
    );
    assert.equal(LowdbStore.exists(dir), true);
    assert.equal(LowdbStore.exists(path.join(dir, 'nope')), false);
  });

  it('create on an existing study → E_STUDY_EXISTS, and the study is untouched', async () => {
    const { dir, store } = await filledStudy();
    await assert.rejects(LowdbStore.create(dir, meta('other')), expectCode(ERROR_CODES.STUDY_EXISTS, (e) => assert.equal(e.details.file, path.join(dir, META_FILE))));
    const reopened = await LowdbStore.open(dir);
    assert.equal(reopened.meta().name, 'conformance');
    assert.deepEqual(reopened.trials(), store.trials());
  });

  it('open of a missing folder → E_STUDY_NOT_FOUND', async () => {
    const dir = path.join(tmpDir(), 'never-made');
    await assert.rejects(LowdbStore.open(dir), expectCode(ERROR_CODES.STUDY_NOT_FOUND, (e) => assert.match(e.message, /never-made/)));
  });

  it('a corrupt trials.json → E_STORE_CORRUPT whose hint names a backup that exists', async () => {
    const { dir } = await filledStudy();
    const garbage = '{"formatVersion": 1, "trials": [{"number": 0, "sta';
    writeFileSync(path.join(dir, TRIALS_FILE), garbage);
    let backup = '';
    await assert.rejects(
      LowdbStore.open(dir),
      expectCode(ERROR_CODES.STORE_CORRUPT, (e) => {
        assert.equal(e.details.file, path.join(dir, TRIALS_FILE));
        const m = /kept at (\S+?);/.exec(e.details.hint ?? '');
        assert.ok(m, `hint names no backup: ${e.details.hint}`);
        backup = m[1]!;
      }),
    );
    assert.ok(existsSync(backup), `backup ${backup} does not exist`);
    assert.equal(readFileSync(backup, 'utf8'), garbage, 'the backup keeps the corrupt content');
    assert.equal(path.dirname(backup), dir);
  });

  it('a corrupt study.json → E_STORE_CORRUPT too', async () => {
    const { dir } = await filledStudy();
    writeFileSync(path.join(dir, META_FILE), 'not json at all');
    await assert.rejects(LowdbStore.open(dir), expectCode(ERROR_CODES.STORE_CORRUPT, (e) => assert.match(e.details.hint ?? '', /study\.json\.corrupt-/)));
  });

  it('a JSON file that is not a study → E_STORE_CORRUPT', async () => {
    const { dir } = await filledStudy();
    writeFileSync(path.join(dir, META_FILE), JSON.stringify({ hello: 'world' }));
    await assert.rejects(LowdbStore.open(dir), expectCode(ERROR_CODES.STORE_CORRUPT));
  });

  it('a wrong formatVersion → E_STORE_VERSION', async () => {
    const { dir } = await filledStudy();
    const file = path.join(dir, META_FILE);
    const m = JSON.parse(readFileSync(file, 'utf8')) as StudyMeta;
    writeFileSync(file, JSON.stringify({ ...m, formatVersion: STORE_FORMAT_VERSION + 1 }));
    await assert.rejects(
      LowdbStore.open(dir),
      expectCode(ERROR_CODES.STORE_VERSION, (e) => {
        assert.equal(e.details.file, file);
        assert.match(e.message, new RegExp(`${STORE_FORMAT_VERSION + 1}`));
      }),
    );
  });

  describe('the sweep lock', () => {
    const children: Array<ReturnType<typeof spawn>> = [];
    after(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
    });

    it('is taken when free, written with our pid, and released on close', async () => {
      const { dir, store } = await filledStudy();
      assert.deepEqual(store.acquireLock(), {});
      assert.equal(readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
      assert.deepEqual(store.acquireLock(), {}, 'taking our own lock again is not a take-over');
      await store.close();
      assert.equal(existsSync(path.join(dir, LOCK_FILE)), false);
    });

    it('refuses with E_STUDY_LOCKED naming the pid while a live process holds it', async () => {
      const { dir, store } = await filledStudy();
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
      const pid = child.pid!;
      const lock = path.join(dir, LOCK_FILE);
      writeFileSync(lock, String(pid));
      try {
        assert.throws(
          () => store.acquireLock(),
          expectCode(ERROR_CODES.STUDY_LOCKED, (e) => {
            assert.match(e.message, new RegExp(`\\b${pid}\\b`));
            assert.equal(e.details.file, lock);
          }),
        );
        assert.equal(readFileSync(lock, 'utf8'), String(pid), 'the holder keeps its lock');
        // close must not remove somebody else's lock
        store.releaseLock();
        assert.equal(readFileSync(lock, 'utf8'), String(pid));
      } finally {
        child.kill();
      }
    });

    it("takes over a dead process's lock and says whose it was", async () => {
      const { dir, store } = await filledStudy();
      const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      const pid = child.pid!;
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const lock = path.join(dir, LOCK_FILE);
      writeFileSync(lock, String(pid));
      assert.deepEqual(store.acquireLock(), { tookOverFrom: pid });
      assert.equal(readFileSync(lock, 'utf8').trim(), String(process.pid));
      await store.close();
      assert.equal(existsSync(lock), false);
    });
  });
});
