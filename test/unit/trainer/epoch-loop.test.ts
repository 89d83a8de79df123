/** The end-of-epoch rules both trainers share: best weights, the scheduler's stop, patience, the last epoch. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../../src/schedulers/base.js';
import type { SplitMetrics } from '../../../src/study/types.js';
import { EpochLoop } from '../../../src/trainer/epoch-loop.js';

const metrics = (accuracy: number): SplitMetrics => ({ accuracy, macroF1: accuracy, confusion: [], perClass: [] }) as unknown as SplitMetrics;

/** Runs a loop of `epochs` over the given accuracies; returns the loop and the epochs it asked the scheduler about. */
async function run(values: number[], epochs: number, patience: number, decide: (epoch: number) => Decision = () => 'continue') {
  const asked: number[] = [];
  const loop = new EpochLoop<string>({ metric: 'accuracy', onEpoch: (r) => (asked.push(r.epoch), decide(r.epoch)) }, epochs, patience, () => 0);
  for (let e = 1; e <= epochs; e++) if (!(await loop.end(e, metrics(values[e - 1]!), 1 / e, 0.1, () => `weights@${e}`))) break;
  return { loop, asked };
}

describe('EpochLoop', () => {
  it('keeps the best epoch and completes after the last one', async () => {
    const { loop, asked } = await run([0.5, 0.7, 0.6], 3, 0);
    assert.deepEqual(asked, [1, 2, 3]);
    assert.equal(loop.ended, 'completed');
    assert.deepEqual([loop.best.epoch, loop.best.value, loop.best.weights], [2, 0.7, 'weights@2']);
    assert.deepEqual(loop.records.map((r) => [r.epoch, r.value, r.loss]), [
      [1, 0.5, 1],
      [2, 0.7, 0.5],
      [3, 0.6, 1 / 3],
    ]);
  });

  it("a scheduler's stop before the last epoch prunes; at the last epoch the trial is complete", async () => {
    const early = await run([0.5, 0.6, 0.7], 3, 0, (e) => (e === 2 ? 'stop' : 'continue'));
    assert.deepEqual([early.asked, early.loop.ended, early.loop.best.epoch], [[1, 2], 'pruned', 2]);
    const last = await run([0.5, 0.6, 0.7], 3, 0, (e) => (e === 3 ? 'stop' : 'continue'));
    assert.deepEqual([last.asked, last.loop.ended], [[1, 2, 3], 'completed']);
  });

  it('patience stops after that many epochs without a new best, never at the last epoch', async () => {
    const { loop, asked } = await run([0.8, 0.7, 0.6, 0.9], 4, 2);
    assert.deepEqual([asked, loop.ended, loop.best.epoch], [[1, 2, 3], 'early-stopping', 1]);
    const full = await run([0.8, 0.7, 0.6], 3, 2);
    assert.equal(full.loop.ended, 'completed', 'the patience ran out at the last epoch: nothing was cut short');
  });
});
