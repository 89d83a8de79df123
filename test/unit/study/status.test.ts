import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findStaleTrials, recoverStaleTrials, STALE_AFTER_MS } from '../../../src/study/recovery.js';
import { reproducibility, studyStatus } from '../../../src/study/status.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import type { StudyMeta, Trial } from '../../../src/study/types.js';

const NOW = Date.parse('2024-05-01T12:00:00.000Z');
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();

function trial(number: number, over: Partial<Trial> = {}): Trial {
  return { number, state: 'waiting', params: { 'optimizer.lr': 0.01 * (number + 1) }, seed: 100 + number, intermediate: [], createdAt: iso(3_600_000), ...over };
}

const epoch = (e: number) => ({ epoch: e, value: 0.5 + e / 100, loss: 0.5, lr: 0.01, elapsed: e });

function meta(over: Partial<StudyMeta> = {}): StudyMeta {
  return {
    format: 'hybridtune-study',
    formatVersion: 1,
    name: 's',
    createdAt: iso(3_600_000),
    hybridtuneVersion: '0.1.0',
    spaceFile: '/x.yaml',
    space: {},
    seed: 7,
    sampler: 'random',
    scheduler: 'fifo',
    nTrials: 10,
    workers: 4,
    backend: 'wasm',
    direction: 'maximize',
    metric: 'accuracy',
    data: { fingerprint: 'f'.repeat(64), labels: ['a', 'b'], sizes: { train: 1, validation: 1 }, sources: {} },
    runs: [{ startedAt: iso(1_800_000), pid: 4242, resumed: false, timeoutSec: 3600 }],
    execution: {
      backend: 'threads',
      devices: [
        { id: 'gpu:0', slots: 2 },
        { id: 'gpu:1', slots: 2 },
      ],
      staleTrials: 'retry',
      maxEpochsTotal: 40,
      maxFailures: 5,
      trialTimeoutSec: 600,
    },
    ...over,
  };
}

describe('stale trials', () => {
  const trials = [
    trial(0, { state: 'complete' }),
    trial(1, { state: 'running', heartbeatAt: iso(5_000), startedAt: iso(60_000) }),
    trial(2, { state: 'running', heartbeatAt: iso(STALE_AFTER_MS + 10_000), startedAt: iso(600_000) }),
    trial(3, { state: 'waiting' }),
  ];

  it('a dead sweep: every running trial is stale and may be recovered', () => {
    const s = findStaleTrials(trials, { pid: 4242, alive: false, now: NOW });
    assert.deepEqual(
      s.map((x) => [x.number, x.recoverable]),
      [
        [1, true],
        [2, true],
      ],
    );
    assert.match(s[0]!.reason, /process 4242\) is no longer running/);
  });

  it('a live sweep: only a silent trial is reported, and never recovered (the live sweep is the single writer)', () => {
    const s = findStaleTrials(trials, { pid: 4242, alive: true, now: NOW });
    assert.deepEqual(
      s.map((x) => [x.number, x.recoverable]),
      [[2, false]],
    );
    assert.match(s[0]!.reason, /no heartbeat for 130 s while its sweep \(process 4242\) is alive/);
  });

  it('retry re-queues with the same params and seed and notes why; fail marks failed; unrecoverable ones stay', async () => {
    const store = new MemoryStore(meta(), trials);
    const stale = findStaleTrials(store.trials(), { pid: 4242, alive: false, now: NOW });
    const r = await recoverStaleTrials(store, stale, 'retry', new Date(NOW));
    assert.deepEqual(r, { requeued: [1, 2], failed: [] });
    const t1 = store.trials()[1]!;
    assert.equal(t1.state, 'waiting');
    assert.deepEqual([t1.params, t1.seed, t1.intermediate], [trials[1]!.params, trials[1]!.seed, []]);
    assert.equal(t1.startedAt, undefined);
    assert.deepEqual(t1.requeued, [{ at: new Date(NOW).toISOString(), reason: stale[0]!.reason }]);

    const store2 = new MemoryStore(meta(), trials);
    const r2 = await recoverStaleTrials(store2, findStaleTrials(store2.trials(), { alive: false, now: NOW }), 'fail', new Date(NOW));
    assert.deepEqual(r2, { requeued: [], failed: [1, 2] });
    assert.match(store2.trials()[2]!.error!, /^stale: no sweep holds the study \(--stale-trials fail\)$/);

    const store3 = new MemoryStore(meta(), trials);
    const r3 = await recoverStaleTrials(store3, findStaleTrials(store3.trials(), { alive: true, now: NOW }), 'retry');
    assert.deepEqual(r3, { requeued: [], failed: [] });
    assert.equal(store3.trials()[2]!.state, 'running');
  });
});

describe('studyStatus: slots, budgets, failures, guarantees', () => {
  const trials = [
    trial(0, { state: 'complete', device: 'gpu:0', intermediate: [epoch(1), epoch(2)], startedAt: iso(1_700_000), finishedAt: iso(1_600_000), duration: 100, backend: 'tensorflow' }),
    trial(1, { state: 'failed', device: 'gpu:1', error: 'the worker process 9 on gpu:1 was killed by SIGKILL during the trial\nmore', intermediate: [epoch(1)], backend: 'tensorflow' }),
    trial(2, { state: 'running', device: 'gpu:0', worker: 'proc-77', intermediate: [epoch(1), epoch(2), epoch(3)], heartbeatAt: iso(4_000), startedAt: iso(60_000) }),
    trial(3, { state: 'running', device: 'gpu:1', worker: 'proc-78', intermediate: [], heartbeatAt: iso(1_000), startedAt: iso(1_000), requeued: [{ at: iso(2_000), reason: 'its sweep (process 1) is no longer running' }] }),
    trial(4, { state: 'waiting' }),
  ];

  it('reports slots per device with the trials running on each, and budget left while running', () => {
    const s = studyStatus(meta(), trials, '/t/s', NOW, true);
    assert.equal(s.state, 'running');
    assert.deepEqual(s.slots, {
      total: 4,
      backend: 'threads',
      devices: [
        { device: 'gpu:0', slots: 2, running: [2] },
        { device: 'gpu:1', slots: 2, running: [3] },
      ],
    });
    assert.deepEqual(s.budget.trials, { limit: 10, used: 2, left: 8 });
    assert.deepEqual(s.budget.epochs, { limit: 40, used: 6, left: 34 });
    assert.deepEqual(s.budget.failures, { limit: 5, used: 1, left: 4 });
    assert.deepEqual(s.budget.time, { limitSec: 3600, leftSec: 1800 });
    assert.equal(s.budget.trialTimeoutSec, 600);
    assert.deepEqual(s.failures, [{ number: 1, error: trials[1]!.error, device: 'gpu:1' }]);
    assert.deepEqual(
      s.running.map((r) => [r.number, r.device, r.worker, r.epochs, r.heartbeatAgo]),
      [
        [2, 'gpu:0', 'proc-77', 3, 4],
        [3, 'gpu:1', 'proc-78', 0, 1],
      ],
    );
    assert.deepEqual(s.requeued, [{ number: 3, times: 1, reason: 'its sweep (process 1) is no longer running' }]);
  });

  it('says which budget ended a finished sweep; no time left is claimed when nothing runs', () => {
    const s = studyStatus(meta({ endedBy: 'max-epochs-total', endReason: 'epoch budget reached (40 epochs)' }), trials, '/t/s', NOW, false);
    assert.equal(s.state, 'finished');
    assert.equal(s.endedBy, 'max-epochs-total');
    assert.deepEqual(s.budget.time, { limitSec: 3600 });
    assert.equal(studyStatus(meta({ endedBy: 'interrupted' }), trials, '/t/s', NOW, false).state, 'stopped');
    assert.equal(studyStatus(meta({ endedBy: 'max-failures' }), trials, '/t/s', NOW, false).state, 'stopped');
  });

  it('a study from before devices existed shows its CPU workers as slots', () => {
    const old = meta({ workers: 3 });
    delete old.execution;
    const s = studyStatus(old, [trial(0, { state: 'running' })], '/t/s', NOW, true);
    assert.deepEqual(s.slots, { total: 3, backend: 'threads', devices: [{ device: 'cpu', slots: 3, running: [0] }] });
    assert.equal(s.budget.epochs, undefined);
  });

  it('states the reproducibility guarantee: bit-for-bit with one slot, per trial with several', () => {
    assert.equal(reproducibility(meta({ workers: 1 }), []).level, 'study');
    assert.match(reproducibility(meta({ workers: 1 }), []).text, /bit-for-bit/);
    assert.equal(reproducibility(meta({ workers: 4 }), []).level, 'trial');
    assert.match(reproducibility(meta({ workers: 4 }), []).text, /params and seed/);
    assert.match(reproducibility(meta(), [trial(0, { backend: 'wasm' }), trial(1, { backend: 'tensorflow' })]).text, /tensorflow and wasm/);
  });
});
