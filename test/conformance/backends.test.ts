/**
 * Every execution backend passes the same lifecycle suite: it runs a trial reporting
 * every epoch and waiting for the answer, stops at a `stop`, gives the same result for
 * the same task, runs its slots at once without the trials disturbing each other, turns
 * a throwing trial (and, where trials have workers, a dying worker) into a failed outcome
 * and goes on, ends an aborted trial promptly, and leaves no worker behind on close.
 *
 * Faults come from the test-only HYBRIDTUNE_TEST_FAULT variable, read by the real
 * worker entries: trial 901 throws, trial 902 kills its worker with process.exit.
 */
process.env['HYBRIDTUNE_TEST_FAULT'] = 'throw@trial=901;exit@trial=902';

import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { ExecutionBackend, TrialHooks, TrialOutcome, TrialTask } from '../../src/execution/backend.js';
import { DevicePool } from '../../src/execution/device-pool.js';
import { InlineBackend } from '../../src/execution/inline.js';
import type { Decision } from '../../src/schedulers/base.js';
import type { EpochRecord, Params } from '../../src/study/types.js';
import { slotProcesses, smallTask, type SmallTask } from '../helpers/small-task.js';

const SIMULATED = new URL('../../src/execution/simulated.js', import.meta.url);

interface Kind {
  name: string;
  /** Trials have workers that can die and be replaced. */
  workers: boolean;
  create(): Promise<ExecutionBackend>;
  task(n: number, epochs: number): TrialTask;
}

let small: SmallTask;
const params = (epochs: number): Params => ({ 'optimizer.epochs': epochs, 'optimizer.lr': 0.05, 'backbone.ngram-hash.dims': 4096 });
const realTask = (n: number, epochs: number) => small.task(n, params(epochs));

const KINDS: Kind[] = [
  { name: 'inline', workers: false, create: async () => new InlineBackend(), task: realTask },
  { name: 'threads (piscina, CPU)', workers: true, create: async () => new DevicePool({ devices: [{ id: 'cpu', slots: 2 }], cpu: 'threads' }), task: realTask },
  // a CPU process slot and a GPU slot (fake id: the process only gets CUDA_VISIBLE_DEVICES=0)
  {
    name: 'processes (a CPU slot and a fake gpu:0 slot)',
    workers: true,
    create: async () => new DevicePool({ devices: [{ id: 'cpu', slots: 1 }, { id: 'gpu:0', slots: 1 }], cpu: 'processes' }),
    task: realTask,
  },
];

// The simulated backend (a virtual clock replaying learning curves) joins the suite where it exists.
if (existsSync(SIMULATED)) {
  const { SimulatedBackend } = (await import(SIMULATED.href)) as typeof import('../../src/execution/simulated.js');
  KINDS.push({
    name: 'simulated',
    workers: false,
    create: async () =>
      new SimulatedBackend({
        workers: 2,
        curve: {
          name: 'test',
          noiseSd: 0.01,
          mean: (p, epoch) => (p['fail'] ? NaN : 0.6 + 0.1 * (1 - Math.exp(-epoch))),
          maxEpochs: (p) => Number(p['optimizer.epochs']),
        },
      }),
    task: (n, epochs) => ({ ...realTask(n, epochs), params: n === 901 ? { ...params(epochs), fail: true } : params(epochs) }),
  });
}

before(async () => {
  small = await smallTask();
});
after(() => rmSync(small.dir, { recursive: true, force: true }));

/** Runs a trial, answering each epoch with `answer` (default continue), and records what was reported. */
async function run(backend: ExecutionBackend, task: TrialTask, answer: (r: EpochRecord) => Decision = () => 'continue', signal?: AbortSignal): Promise<{ outcome: TrialOutcome; reported: EpochRecord[] }> {
  const reported: EpochRecord[] = [];
  const hooks: TrialHooks = {
    onEpoch: async (r) => {
      reported.push(r);
      return signal?.aborted ? 'stop' : answer(r);
    },
    ...(signal ? { signal } : {}),
  };
  const outcome = await backend.run(task, hooks);
  // let the backend settle before the next call (see the 'right after' test for why)
  await new Promise((resolve) => setImmediate(resolve));
  return { outcome, reported };
}

for (const kind of KINDS) {
  describe(`backend conformance: ${kind.name}`, () => {
    let backend: ExecutionBackend;
    before(async () => {
      backend = await kind.create();
    });
    after(async () => {
      await backend.close();
    });

    it('runs a trial: every epoch reported in order and answered, the outcome built from them', async () => {
      const { outcome, reported } = await run(backend, kind.task(0, 3));
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
      assert.deepEqual(
        reported.map((r) => r.epoch),
        [1, 2, 3],
      );
      assert.equal(outcome.ended, 'completed');
      assert.deepEqual(outcome.epochs, reported);
      assert.ok(
        reported.some((r) => r.value === outcome.metrics.value),
        'the metric is one of the reported values',
      );
      assert.ok(outcome.worker.length > 0 && outcome.backend.length > 0);
      assert.ok(backend.slots >= 1);
    });

    // The study loop may start a trial in the very continuation of another's end.
    const raceTodo = {};
    it('starts a trial in the same tick as the previous one ended', { ...raceTodo, timeout: 60_000 }, async () => {
      const first = await backend.run(kind.task(30, 1), { onEpoch: async () => 'continue' });
      const second = await Promise.race([
        backend.run(kind.task(31, 1), { onEpoch: async () => 'continue' }),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), kind.name === 'simulated' ? 2_000 : 15_000)),
      ]);
      assert.ok(first.ok);
      assert.notEqual(second, 'hung', 'the second trial never ran');
    });

    it("stops after the epoch answered 'stop' (pruned)", async () => {
      const { outcome, reported } = await run(backend, kind.task(1, 3), (r) => (r.epoch === 1 ? 'stop' : 'continue'));
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error);
      assert.equal(outcome.ended, 'pruned');
      assert.equal(reported.length, 1);
    });

    it('gives the same result for the same task, alone or with its slots full', async () => {
      const alone = await run(backend, kind.task(2, 2));
      const together = await Promise.all(Array.from({ length: backend.slots }, (_, i) => run(backend, i === 0 ? kind.task(2, 2) : kind.task(10 + i, 2))));
      for (const r of together) assert.ok(r.outcome.ok, r.outcome.ok ? '' : r.outcome.error);
      assert.deepEqual(
        together[0]!.reported.map((r) => r.value),
        alone.reported.map((r) => r.value),
      );
      assert.ok(alone.outcome.ok && together[0]!.outcome.ok && alone.outcome.metrics.value === together[0]!.outcome.metrics.value);
    });

    it('turns a trial that fails into a failed outcome with its reason, and goes on', async () => {
      const bad = await run(backend, kind.task(901, 2));
      assert.equal(bad.outcome.ok, false);
      if (!bad.outcome.ok) assert.match(bad.outcome.error, kind.name === 'simulated' ? /NaN/ : /injected fault 'throw'/);
      const next = await run(backend, kind.task(3, 1));
      assert.ok(next.outcome.ok, next.outcome.ok ? '' : next.outcome.error);
    });

    if (kind.workers) {
      it('fails only the trial whose worker dies (process.exit), and the slot comes back', async () => {
        const dead = await run(backend, kind.task(902, 2));
        assert.equal(dead.outcome.ok, false);
        if (!dead.outcome.ok) assert.match(dead.outcome.error, /exit(ed)? (with )?code:? 3/);
        const results = await Promise.all(Array.from({ length: backend.slots }, (_, i) => run(backend, kind.task(20 + i, 1))));
        for (const r of results) assert.ok(r.outcome.ok, r.outcome.ok ? '' : r.outcome.error);
      });
    }

    it('ends an aborted trial promptly, and runs the next one', async () => {
      const ac = new AbortController();
      const t0 = performance.now();
      const { outcome, reported } = await run(
        backend,
        kind.task(4, 50),
        (r) => {
          if (r.epoch === 1) ac.abort('test abort');
          return 'continue';
        },
        ac.signal,
      );
      assert.ok(reported.length <= 2, `${reported.length} epochs after the abort`);
      if (!outcome.ok) assert.match(outcome.error, /test abort/);
      else assert.equal(outcome.ended, 'pruned', 'a backend that cannot kill answers stop at the next epoch');
      assert.ok(performance.now() - t0 < 30_000);
      const next = await run(backend, kind.task(5, 1));
      assert.ok(next.outcome.ok, next.outcome.ok ? '' : next.outcome.error);
    });

    it('leaves no worker process behind when closed', async () => {
      await backend.close();
      assert.deepEqual(slotProcesses(process.pid), []);
      backend = await kind.create(); // for after()
    });
  });
}
