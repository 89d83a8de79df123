import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { curveStudyMeta, learningCurve, learningCurveSpace } from '../../../bench/learning-curves.js';
import { SimulatedBackend } from '../../../src/execution/simulated.js';
import { RandomSampler } from '../../../src/samplers/random.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import { runStudy } from '../../../src/study/run-study.js';
import type { Trial } from '../../../src/study/types.js';

async function sweep(store: MemoryStore, scheduler: string, options: Record<string, unknown>, nTrials: number): Promise<void> {
  const backend = new SimulatedBackend({ curve: learningCurve('crossing') });
  await runStudy({
    store,
    space: learningCurveSpace(),
    sampler: new RandomSampler(),
    scheduler: SCHEDULERS[scheduler as keyof typeof SCHEDULERS].create(options),
    backend,
    data: { task: { data: { train: 'none' }, text: 't', label: 'l', metric: 'accuracy' }, baseDir: '.', seed: 5, fingerprint: '' },
    metric: 'accuracy',
    direction: 'maximize',
    seed: 5,
    nTrials,
  });
}

const digest = (ts: readonly Trial[]) => ts.map((t) => `${t.number}:${t.state}:${t.intermediate.length}`);

describe('schedulers across a resume', () => {
  for (const [name, options] of [['successive-halving', {}], ['hyperband', {}], ['asha', { patience: 2 }], ['median', {}], ['asha', { 'rank-by': 'extrapolated' }]] as const) {
    it(`${name} ${JSON.stringify(options)}: a study stopped after 60 trials and resumed with a new scheduler makes the decisions of an uninterrupted one`, async () => {
      const whole = new MemoryStore(curveStudyMeta('whole', 5, 'random', name, 1));
      await sweep(whole, name, options, 120);
      const first = new MemoryStore(curveStudyMeta('part', 5, 'random', name, 1));
      await sweep(first, name, options, 60);
      const resumed = new MemoryStore(first.meta(), structuredClone([...first.trials()]));
      await sweep(resumed, name, options, 120);
      assert.deepEqual(digest(resumed.trials()), digest(whole.trials()));
      assert.ok(whole.trials().some((t) => t.state === 'pruned'), 'the scheduler stopped some trials');
    });
  }
});
