import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUDGET_EPOCHS, learningCurve, learningCurveSpace, runCurveStudy, T_MAX } from '../../../bench/learning-curves.js';
import { curveNoise, SimulatedBackend, type SimulatedRun } from '../../../src/execution/simulated.js';
import { RandomSampler } from '../../../src/samplers/random.js';
import type { Scheduler } from '../../../src/schedulers/base.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import type { TrialTask } from '../../../src/execution/backend.js';

const fifo = () => SCHEDULERS.fifo.create({});

/** The most trials running at one virtual instant. */
function maxConcurrent(runs: readonly SimulatedRun[]): number {
  const events = runs.flatMap((r) => [[r.start, 1] as const, [r.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

describe('SimulatedBackend', () => {
  it('reports exactly the curve plus noise seeded by (trial seed, epoch), the same on every run', async () => {
    const a = await runCurveStudy({ family: 'crossing', seed: 7, sampler: new RandomSampler(), scheduler: fifo(), nTrials: 3, budget: Infinity });
    const b = await runCurveStudy({ family: 'crossing', seed: 7, sampler: new RandomSampler(), scheduler: fifo(), nTrials: 3, budget: Infinity });
    const curve = learningCurve('crossing');
    assert.equal(a.trials.length, 3);
    for (const t of a.trials) {
      assert.equal(t.intermediate.length, T_MAX);
      for (const r of t.intermediate) assert.equal(r.value, curve.mean(t.params, r.epoch) + curveNoise(t.seed, r.epoch, 0.01));
      assert.equal(t.metrics!.value, t.intermediate[T_MAX - 1]!.value, 'the trial value is its last epoch');
    }
    assert.deepEqual(b.trials.map((t) => t.intermediate.map((r) => r.value)), a.trials.map((t) => t.intermediate.map((r) => r.value)));
    const other = await runCurveStudy({ family: 'crossing', seed: 8, sampler: new RandomSampler(), scheduler: fifo(), nTrials: 1, budget: Infinity });
    assert.notEqual(other.trials[0]!.intermediate[0]!.value, a.trials[0]!.intermediate[0]!.value);
  });

  it('draws noise N(0, 0.01²), independent across trials and epochs', () => {
    const xs: number[] = [];
    for (let s = 0; s < 100; s++) for (let e = 1; e <= 81; e++) xs.push(curveNoise(1000 + s, e, 0.01));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(mean) < 0.0005, `mean ${mean}`);
    assert.ok(Math.abs(sd - 0.01) < 0.0005, `sd ${sd}`);
    assert.equal(new Set(xs).size, xs.length);
  });

  it('never runs more trials at once than it has workers, in virtual time, and keeps them busy', async () => {
    for (const workers of [1, 3]) {
      const r = await runCurveStudy({ family: 'consistent', seed: 1, sampler: new RandomSampler(), scheduler: fifo(), nTrials: 7, budget: Infinity, workers });
      const runs = r.backend.timeline();
      assert.equal(runs.length, 7);
      assert.equal(maxConcurrent(runs), workers);
      assert.equal(Math.max(...runs.map((x) => x.end)), Math.ceil(7 / workers) * T_MAX, 'makespan');
      assert.equal(new Set(runs.map((x) => x.worker)).size, workers);
    }
  });

  it('interleaves the epochs of parallel trials in virtual-time order', async () => {
    // trial 0 costs 2 s an epoch, trial 1 costs 1 s: trial 1 reports twice for each report of trial 0
    const backend = new SimulatedBackend({ curve: { ...learningCurve('consistent'), maxEpochs: () => 4 }, workers: 2, epochSeconds: (p) => (p['slow'] ? 2 : 1) });
    const order: string[] = [];
    const task = (n: number, slow: boolean): TrialTask => ({
      trialNumber: n,
      params: { lr: 0.01, width: 64, dropout: 0.2, slow },
      seed: n,
      data: { task: { data: { train: 'x' }, text: 't', label: 'l', metric: 'accuracy' }, baseDir: '.', seed: 1, fingerprint: '' },
      metric: 'accuracy',
    });
    const hooks = (n: number) => ({ onEpoch: async (r: { epoch: number }) => (order.push(`${n}:${r.epoch}@${backend.now()}`), 'continue' as const) });
    await Promise.all([backend.run(task(0, true), hooks(0)), backend.run(task(1, false), hooks(1))]);
    assert.deepEqual(order, ['1:1@1', '0:1@2', '1:2@2', '1:3@3', '0:2@4', '1:4@4', '0:3@6', '0:4@8']);
  });

  it('stops the study at the epoch budget: exactly with one worker, within workers-1 with more', async () => {
    const one = await runCurveStudy({ family: 'crossing', seed: 3, sampler: new RandomSampler(), scheduler: fifo(), budget: 500 });
    assert.equal(one.epochs, 500);
    assert.equal(one.trials.reduce((n, t) => n + t.intermediate.length, 0), 500);
    assert.deepEqual(one.trials.map((t) => t.state), ['complete', 'complete', 'complete', 'complete', 'complete', 'complete', 'pruned']);
    assert.match(one.reason, /epoch budget/);
    // the budget running out at a trial's last epoch leaves it complete
    const exact = await runCurveStudy({ family: 'crossing', seed: 3, sampler: new RandomSampler(), scheduler: fifo(), budget: 2 * T_MAX });
    assert.deepEqual(exact.trials.map((t) => t.state), ['complete', 'complete']);
    const four = await runCurveStudy({ family: 'crossing', seed: 3, sampler: new RandomSampler(), scheduler: SCHEDULERS.asha.create({}), budget: BUDGET_EPOCHS, workers: 4 });
    assert.ok(four.epochs >= BUDGET_EPOCHS && four.epochs <= BUDGET_EPOCHS + 3, `${four.epochs} epochs`);
    assert.equal(maxConcurrent(four.backend.timeline()), 4);
  });

  it('completes a trial told to stop at its last epoch, and fails one whose run is aborted', async () => {
    const stopAtEnd: Scheduler = { name: 'stop-at-end', onEpoch: (c) => (c.epoch === T_MAX ? 'stop' : 'continue') };
    const r = await runCurveStudy({ family: 'consistent', seed: 1, sampler: new RandomSampler(), scheduler: stopAtEnd, nTrials: 1, budget: Infinity });
    assert.equal(r.trials[0]!.state, 'complete');

    const backend = new SimulatedBackend({ curve: learningCurve('consistent') });
    const ac = new AbortController();
    const out = await backend.run(
      { trialNumber: 0, params: { lr: 0.01, width: 64, dropout: 0.2 }, seed: 1, data: { task: { data: { train: 'x' }, text: 't', label: 'l', metric: 'accuracy' }, baseDir: '.', seed: 1, fingerprint: '' }, metric: 'accuracy' },
      { signal: ac.signal, onEpoch: async (rec) => (rec.epoch === 3 && ac.abort('cancelled by the test'), 'continue') },
    );
    assert.equal(out.ok, false);
    assert.equal(!out.ok && out.error, 'cancelled by the test');
    assert.equal(out.epochs?.length, 3);
  });

  it('runs a 1,000-trial ASHA sweep on 4 workers through runStudy and a MemoryStore', async () => {
    const r = await runCurveStudy({ family: 'crossing', seed: 11, sampler: new RandomSampler(), scheduler: SCHEDULERS.asha.create({}), nTrials: 1000, budget: Infinity, workers: 4 });
    assert.equal(r.trials.length, 1000);
    assert.match(r.reason, /n-trials reached/);
    const byState = (s: string) => r.trials.filter((t) => t.state === s);
    assert.equal(byState('complete').length + byState('pruned').length, 1000);
    assert.ok(byState('pruned').length > 800, `${byState('pruned').length} pruned`);
    assert.ok(byState('complete').every((t) => t.intermediate.length === T_MAX));
    // pruned trials stop at rungs 1, 3, 9, 27 only
    assert.deepEqual([...new Set(byState('pruned').map((t) => t.intermediate.length))].sort((a, b) => a - b), [1, 3, 9, 27]);
    assert.equal(r.epochs, r.trials.reduce((n, t) => n + t.intermediate.length, 0));
    assert.equal(r.backend.timeline().length, 1000);
    assert.equal(maxConcurrent(r.backend.timeline()), 4);
    assert.deepEqual(learningCurveSpace().fixed, { 'optimizer.epochs': T_MAX });
  });
});
