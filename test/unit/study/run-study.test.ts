/**
 * The study loop under faults, budgets and interruptions. Trials that must really fail
 * (throw, diverge, kill their worker, hang) run on the real thread backend with the
 * test-only HYBRIDTUNE_TEST_FAULT read by the worker entry; the loop's own logic (stale
 * trials, stop-now, budgets) runs on the simulated backend's virtual clock.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DevicePool } from '../../../src/execution/device-pool.js';
import { SimulatedBackend, type CurveModel } from '../../../src/execution/simulated.js';
import { SAMPLERS } from '../../../src/samplers/registry.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { parseSpace } from '../../../src/space/load-space.js';
import { STORE_FORMAT_VERSION, type StudyStore } from '../../../src/store/base.js';
import { LowdbStore } from '../../../src/store/lowdb-store.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { runStudy, trialSeed, type RunStudyOptions } from '../../../src/study/run-study.js';
import type { StudyMeta, Trial } from '../../../src/study/types.js';
import { smallTask, type SmallTask } from '../../helpers/small-task.js';

const META = { format: 'hybridtune-study', formatVersion: STORE_FORMAT_VERSION, name: 'loop', direction: 'maximize', runs: [] } as unknown as StudyMeta;

const SPACE = parseSpace(
  `task: { data: { train: x.csv }, text: text, label: label }
search:
  optimizer.lr: { float: [0.001, 0.1], log: true }
  optimizer.epochs: { int: [2, 4] }
`,
  'sim.yaml',
).space;

/** Curves from the params: deterministic up to seeded noise; `failAbove` lr makes a trial produce NaN. */
function curve(failAbove = Infinity): CurveModel {
  return {
    name: 'test',
    noiseSd: 0.01,
    mean: (p, epoch) => (Number(p['optimizer.lr']) > failAbove ? NaN : 0.5 + 0.4 * (1 - Math.exp(-epoch * Number(p['optimizer.lr']) * 20))),
    maxEpochs: (p) => Number(p['optimizer.epochs']),
  };
}

function simOptions(store: StudyStore, backend: SimulatedBackend, over: Partial<RunStudyOptions> = {}): RunStudyOptions {
  return {
    store,
    space: SPACE,
    sampler: SAMPLERS.random.create({}),
    scheduler: SCHEDULERS.fifo.create({}),
    backend,
    data: { task: {} as never, baseDir: '.', seed: 1, fingerprint: 'x' },
    metric: 'accuracy',
    direction: 'maximize',
    seed: 21,
    nTrials: 8,
    ...over,
  };
}

/** What a trial's result is, without timings: equal for equal params and seed. */
const result = (t: Trial) => ({ number: t.number, state: t.state, params: t.params, seed: t.seed, value: t.metrics?.value, epochs: t.intermediate.map((r) => r.value) });

describe('runStudy: faults on real workers', () => {
  let small: SmallTask;
  const old = process.env['HYBRIDTUNE_TEST_FAULT'];
  before(async () => {
    small = await smallTask();
    process.env['HYBRIDTUNE_TEST_FAULT'] = 'throw@trial=1;nan@trial=2,epoch=1;exit@trial=3;hang@trial=4';
  });
  after(() => {
    rmSync(small.dir, { recursive: true, force: true });
    if (old === undefined) delete process.env['HYBRIDTUNE_TEST_FAULT'];
    else process.env['HYBRIDTUNE_TEST_FAULT'] = old;
  });

  it('marks each faulty trial failed with its reason, restarts the worker, writes heartbeats, and the sweep goes on to n-trials', async () => {
    const store = new MemoryStore(META);
    const backend = new DevicePool({ devices: [{ id: 'cpu', slots: 2 }] });
    const beats = new Set<string>();
    const poll = setInterval(() => {
      const t = store.trials()[4];
      if (t?.state === 'running' && t.heartbeatAt) beats.add(t.heartbeatAt);
    }, 20);
    let r;
    try {
      r = await runStudy({
        store,
        space: small.space.space,
        sampler: SAMPLERS.random.create({}),
        scheduler: SCHEDULERS.fifo.create({}),
        backend,
        data: small.data,
        metric: 'accuracy',
        direction: 'maximize',
        seed: 5,
        nTrials: 7,
        trialTimeoutMs: 1500,
        heartbeatMs: 100,
      });
    } finally {
      clearInterval(poll);
      await backend.close();
    }
    assert.equal(r.endedBy, 'n-trials');
    const t = store.trials();
    assert.equal(t.length, 7);
    assert.deepEqual(
      t.map((x) => x.state),
      ['complete', 'failed', 'failed', 'failed', 'failed', 'complete', 'complete'],
    );
    assert.match(t[1]!.error!, /injected fault 'throw'/);
    assert.match(t[2]!.error!, /TrialDivergedError: training diverged: the loss became NaN/);
    assert.equal(t[2]!.intermediate.length, 1, "the diverged trial keeps the epoch it reported");
    assert.match(t[3]!.error!, /the worker thread died: worker exited with code: 3 \(its thread was replaced\)/);
    assert.match(t[4]!.error!, /timed out after 1\.5 s \(--trial-timeout\); its worker was stopped and restarted/);
    for (const x of t) {
      assert.equal(x.device, 'cpu');
      assert.equal(x.heartbeatAt, undefined, 'a finished trial keeps no heartbeat');
    }
    assert.ok(beats.size >= 4, `heartbeats of the hanging trial: ${beats.size}`);
  });
});

describe('runStudy: the loop (simulated backend)', () => {
  it('--max-failures stops a sweep whose trials keep failing, with the reason', async () => {
    const store = new MemoryStore(META);
    const backend = new SimulatedBackend({ curve: curve(0), workers: 2 });
    const r = await runStudy(simOptions(store, backend, { maxFailures: 3, nTrials: 20 }));
    assert.equal(r.endedBy, 'max-failures');
    assert.match(r.reason, /max-failures reached: \d+ trials failed \(--max-failures 3\); last: trial \d+: .*NaN/);
    const failed = store.trials().filter((t) => t.state === 'failed').length;
    assert.ok(failed >= 3 && failed <= 4, `${failed} failed: running ones finish, none start`);
    assert.ok(store.trials().length < 20);
  });

  it('a stored study that reached --max-failures does not start again', async () => {
    const store = new MemoryStore(META);
    await runStudy(simOptions(store, new SimulatedBackend({ curve: curve(0), workers: 1 }), { maxFailures: 2, nTrials: 10 }));
    const n = store.trials().length;
    const again = await runStudy(simOptions(store, new SimulatedBackend({ curve: curve(0), workers: 1 }), { maxFailures: 2, nTrials: 10 }));
    assert.equal(again.endedBy, 'max-failures');
    assert.equal(store.trials().length, n);
  });

  it('stale trials (left running by a dead sweep) are run again with the same params and seed, or failed', async () => {
    const reference = new MemoryStore(META);
    await runStudy(simOptions(reference, new SimulatedBackend({ curve: curve(), workers: 1 }), { nTrials: 4 }));
    const crashed = (): Trial[] => {
      const t = structuredClone(reference.trials()) as Trial[];
      t[2] = { ...t[2]!, state: 'running', metrics: undefined, finishedAt: undefined, intermediate: t[2]!.intermediate.slice(0, 1), heartbeatAt: '2020-01-01T00:00:00.000Z' };
      t[3] = { ...t[3]!, state: 'waiting', metrics: undefined, intermediate: [] };
      return t;
    };
    const retry = new MemoryStore(META, crashed());
    const events: string[] = [];
    await runStudy(simOptions(retry, new SimulatedBackend({ curve: curve(), workers: 1 }), { nTrials: 4, onEvent: (e) => e.type === 'start' && events.push(`requeued ${e.requeued}`) }));
    assert.deepEqual(events, ['requeued 2']);
    assert.deepEqual(retry.trials().map(result), reference.trials().map(result), 'the same trials as an uninterrupted sweep');
    assert.equal(retry.trials()[2]!.requeued?.length, 1);
    assert.match(retry.trials()[2]!.requeued![0]!.reason, /stopped before it finished/);

    const fail = new MemoryStore(META, crashed());
    await runStudy(simOptions(fail, new SimulatedBackend({ curve: curve(), workers: 1 }), { nTrials: 4, staleTrials: 'fail' }));
    assert.equal(fail.trials()[2]!.state, 'failed');
    assert.match(fail.trials()[2]!.error!, /^stale: .*\(--stale-trials fail\)$/);
    assert.deepEqual(result(fail.trials()[3]!), result(reference.trials()[3]!), 'the waiting trial still runs');
  });

  it('stop-now cancels running trials back to the queue; a resume then gives the uninterrupted result', async () => {
    const reference = new MemoryStore(META);
    await runStudy(simOptions(reference, new SimulatedBackend({ curve: curve(), workers: 2 }), { nTrials: 8 }));

    const store = new MemoryStore(META);
    const hard = new AbortController();
    const r = await runStudy(
      simOptions(store, new SimulatedBackend({ curve: curve(), workers: 2 }), {
        nTrials: 8,
        stopNow: hard.signal,
        onEvent: (e) => {
          if (e.type === 'epoch' && e.trial === 3 && e.record.epoch === 1) hard.abort();
        },
      }),
    );
    assert.equal(r.endedBy, 'stopped-now');
    const states = store.trials().map((t) => t.state);
    assert.ok(states.includes('waiting'), states.join());
    assert.ok(!states.includes('running'));
    for (const t of store.trials()) {
      if (t.state === 'waiting') assert.deepEqual(t.intermediate, [], 'a cancelled trial starts over');
      else assert.deepEqual(result(t), result(reference.trials()[t.number]!), 'finished trials are kept as they were');
    }
    await runStudy(simOptions(store, new SimulatedBackend({ curve: curve(), workers: 2 }), { nTrials: 8 }));
    assert.deepEqual(
      store.trials().map((t) => [t.number, t.params, t.seed, t.state]),
      reference.trials().map((t) => [t.number, t.params, t.seed, t.state]),
    );
    for (const t of store.trials()) assert.equal(t.seed, trialSeed(21, t.number));
  });

  it('--timeout and --max-epochs-total end the sweep cleanly and say which', async () => {
    const b1 = new SimulatedBackend({ curve: curve(), workers: 1 });
    const s1 = new MemoryStore(META);
    const t = await runStudy(simOptions(s1, b1, { nTrials: 50, timeoutMs: 10_000, clock: () => b1.now() * 1000 }));
    assert.equal(t.endedBy, 'timeout');
    assert.ok(s1.trials().length < 50 && s1.trials().every((x) => x.state === 'complete'));

    const s2 = new MemoryStore(META);
    const e = await runStudy(simOptions(s2, new SimulatedBackend({ curve: curve(), workers: 1 }), { nTrials: 50, epochBudget: 7 }));
    assert.equal(e.endedBy, 'max-epochs-total');
    assert.equal(
      s2.trials().reduce((n, x) => n + x.intermediate.length, 0),
      7,
      'with one slot the epoch budget is exact',
    );

    const s3 = new MemoryStore(META);
    const n = await runStudy(simOptions(s3, new SimulatedBackend({ curve: curve(), workers: 2 }), { nTrials: 5 }));
    assert.equal(n.endedBy, 'n-trials');
    assert.equal(s3.trials().length, 5);
  });
});

describe('runStudy: models left by a kill', () => {
  it('the best trial gets its model back, others none, unreferenced folders go', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'ht-art-'));
    try {
      const dir = path.join(root, 'study');
      const store = await LowdbStore.create(dir, META);
      const metrics = (value: number) => ({ value, bestEpoch: 1, validation: { accuracy: value, macroF1: value, confusion: [], perClass: [] }, trainExamples: 1, notes: [] });
      const base = { params: {}, intermediate: [], createdAt: '2024-01-01T00:00:00.000Z' };
      // killed between "trial 1 complete (the new best)" and "its model recorded, trial 0's removed"
      await store.addTrial({ ...base, number: 0, seed: 1, state: 'complete', metrics: metrics(0.7), artifact: 'artifacts/trial-0' });
      await store.addTrial({ ...base, number: 1, seed: 2, state: 'complete', metrics: metrics(0.9) });
      await store.addTrial({ ...base, number: 2, seed: 3, state: 'running' });
      for (const n of [0, 1, 2]) {
        mkdirSync(path.join(dir, 'artifacts', `trial-${n}`), { recursive: true });
        writeFileSync(path.join(dir, 'artifacts', `trial-${n}`, 'model.json'), '{}');
      }
      await runStudy(simOptions(store, new SimulatedBackend({ curve: curve(), workers: 1 }), { nTrials: 3, artifactsDir: 'artifacts', staleTrials: 'fail' }));
      assert.equal(store.trials()[1]!.artifact, path.join('artifacts', 'trial-1'));
      assert.equal(store.trials()[0]!.artifact, undefined);
      assert.deepEqual(readdirSync(path.join(dir, 'artifacts')), ['trial-1']);
      assert.ok(existsSync(path.join(dir, 'artifacts', 'trial-1', 'model.json')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
