/**
 * GPU slots with fake device ids: every trial runs in a child process started with its
 * slot's CUDA_VISIBLE_DEVICES (the child reports the value it sees), processes are reused
 * across trials, and no device ever runs more trials at once than its slots.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DevicePool } from '../../../src/execution/device-pool.js';
import { SAMPLERS } from '../../../src/samplers/registry.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { STORE_FORMAT_VERSION } from '../../../src/store/base.js';
import { runStudy } from '../../../src/study/run-study.js';
import type { StudyMeta } from '../../../src/study/types.js';
import { slotProcesses, smallTask, type SmallTask } from '../../helpers/small-task.js';

let small: SmallTask;
before(async () => {
  small = await smallTask();
});
after(() => rmSync(small.dir, { recursive: true, force: true }));

const meta = { format: 'hybridtune-study', formatVersion: STORE_FORMAT_VERSION, name: 'pool', direction: 'maximize' } as StudyMeta;

describe('DevicePool with fake GPUs', () => {
  it('pins every trial to its slot’s GPU, reuses the processes, and never oversubscribes a device', async () => {
    const pool = new DevicePool({
      devices: [
        { id: 'gpu:0', slots: 2 },
        { id: 'gpu:1', slots: 1 },
      ],
    });
    assert.equal(pool.slots, 3);
    const store = new MemoryStore(meta);
    // Observed from the controller: trials running per device at every start and epoch.
    const live = new Map<number, string>();
    let worst: Record<string, number> = {};
    const observe = () => {
      const per: Record<string, number> = {};
      for (const d of live.values()) per[d] = (per[d] ?? 0) + 1;
      for (const [d, n] of Object.entries(per)) worst[d] = Math.max(worst[d] ?? 0, n);
      for (const [d, n] of Object.entries(pool.running())) assert.ok(n <= (d === 'gpu:0' ? 2 : 1), `${d} runs ${n}`);
    };
    try {
      const result = await runStudy({
        store,
        space: small.space.space,
        sampler: SAMPLERS.random.create({}),
        scheduler: SCHEDULERS.fifo.create({}),
        backend: pool,
        data: small.data,
        metric: 'accuracy',
        direction: 'maximize',
        seed: 5,
        nTrials: 9,
        onEvent: (e) => {
          if (e.type === 'epoch') {
            const t = store.trials().find((x) => x.number === e.trial)!;
            if (t.device) live.set(e.trial, t.device);
            observe();
          }
          if (e.type === 'trial-end') live.delete(e.trial.number);
        },
      });
      assert.equal(result.endedBy, 'n-trials');
    } finally {
      await pool.close();
    }
    const trials = store.trials();
    assert.equal(trials.length, 9);
    for (const t of trials) {
      assert.equal(t.state, 'complete', t.error);
      assert.match(t.device ?? '', /^gpu:[01]$/);
      assert.equal(t.visibleDevices, t.device!.slice(4), `trial ${t.number} ran with CUDA_VISIBLE_DEVICES=${t.visibleDevices} on ${t.device}`);
      assert.match(t.worker ?? '', /^proc-\d+$/);
    }
    assert.ok(worst['gpu:0']! <= 2 && (worst['gpu:1'] ?? 0) <= 1, JSON.stringify(worst));
    assert.ok(trials.some((t) => t.device === 'gpu:0') && trials.some((t) => t.device === 'gpu:1'), 'both devices used');
    // one process per slot, reused: 9 trials on at most 3 processes
    const pids = new Set(trials.map((t) => t.worker));
    assert.ok(pids.size <= 3, `${pids.size} processes for 3 slots`);
    assert.deepEqual(slotProcesses(process.pid), [], 'close ends the slot processes');
  });

  it('restarts a GPU slot whose process was SIGKILLed (a native crash), on the same GPU', async () => {
    const old = process.env['HYBRIDTUNE_TEST_FAULT'];
    process.env['HYBRIDTUNE_TEST_FAULT'] = 'kill@trial=1,epoch=1';
    const pool = new DevicePool({ devices: [{ id: 'gpu:3', slots: 1 }] });
    try {
      const hooks = { onEpoch: async () => 'continue' as const };
      const a = await pool.run(small.task(0), hooks);
      const b = await pool.run(small.task(1), hooks);
      const c = await pool.run(small.task(2), hooks);
      assert.ok(a.ok && c.ok);
      assert.equal(b.ok, false);
      if (!b.ok) {
        assert.match(b.error, /worker process \d+ on gpu:3 was killed by SIGKILL/);
        assert.equal(b.epochs?.length, 1, 'the epoch reported before the crash is kept');
      }
      assert.equal(a.visibleDevices, '3');
      assert.equal(c.visibleDevices, '3');
      assert.notEqual(a.worker, c.worker, 'a new process after the crash');
    } finally {
      await pool.close();
      if (old === undefined) delete process.env['HYBRIDTUNE_TEST_FAULT'];
      else process.env['HYBRIDTUNE_TEST_FAULT'] = old;
    }
  });
});
