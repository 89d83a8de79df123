import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';
import { deriveSeed, Rng } from '../../../src/math/rng.js';
import { BohbSampler, chooseFidelity, historyAt, observationsPerEpoch, parseBohbOptions, valueAt } from '../../../src/samplers/bohb/index.js';
import type { SamplerContext } from '../../../src/samplers/base.js';
import { SAMPLERS } from '../../../src/samplers/registry.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import type { SearchSpace } from '../../../src/space/types.js';
import type { EpochRecord, Params, Trial } from '../../../src/study/types.js';
import { learningCurveSpace, runCurveStudy } from '../../../bench/learning-curves.js';

const SPACE: SearchSpace = { params: [{ key: 'x', dist: { kind: 'float', low: 0, high: 1, log: false }, conditions: [] }], fixed: {}, forbidden: [] };

/** A trial that reported `values[e-1]` at epochs 1..values.length; complete when it reached `maxEpochs`, else pruned. */
function curveTrial(number: number, params: Params, values: number[], maxEpochs: number): Trial {
  const intermediate: EpochRecord[] = values.map((value, i) => ({ epoch: i + 1, value, loss: 1 - value, lr: 0, elapsed: i + 1 }));
  const last = values[values.length - 1]!;
  const complete = values.length >= maxEpochs;
  return {
    number,
    state: complete ? 'complete' : 'pruned',
    params,
    seed: number,
    intermediate,
    metrics: { value: last, bestEpoch: values.length, validation: { accuracy: last, macroF1: last, confusion: [], perClass: [] }, trainExamples: 0, notes: [] },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

const ctx = (trials: Trial[], number: number, seed = 7): SamplerContext => ({
  space: SPACE,
  trials,
  rng: new Rng(deriveSeed(seed, 'sampler', number)),
  trialNumber: number,
  studySeed: seed,
  direction: 'maximize',
});

/**
 * A toy problem where early epochs rank wrongly: at epochs 1..3 the value rises with x, at epochs
 * 4..9 it falls with x (the best final value is at x = 0). `reach` trials of 40 train 9 epochs,
 * the rest are stopped at epoch 3.
 */
function crossingTrials(reach: number): Trial[] {
  const trials: Trial[] = [];
  for (let i = 0; i < 40; i++) {
    const x = (i * 0.6180339887) % 1;
    const early = [0.3 + 0.5 * x, 0.32 + 0.5 * x, 0.34 + 0.5 * x];
    const late = [4, 5, 6, 7, 8, 9].map((e) => 0.5 + 0.04 * e - 0.4 * x);
    trials.push(curveTrial(i, { x }, i < reach ? [...early, ...late] : early, 9));
  }
  return trials;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('bohb: fidelities', () => {
  it('counts observations per epoch (pruned trials included, failed ones not) and picks the largest epoch with enough', () => {
    const trials = crossingTrials(12);
    const counts = observationsPerEpoch(trials);
    assert.equal(counts.get(1), 40);
    assert.equal(counts.get(3), 40);
    assert.equal(counts.get(4), 12);
    assert.equal(counts.get(9), 12);
    assert.equal(chooseFidelity(trials, 12), 9);
    assert.equal(chooseFidelity(trials, 13), 3);
    assert.equal(chooseFidelity(trials, 41), undefined);
    const failed = trials.map((t) => (t.number < 5 ? { ...t, state: 'failed' as const } : t));
    assert.equal(chooseFidelity(failed, 12), 3, 'failed trials do not count');
  });

  it('the history at an epoch holds each trial that reported it with that value, and running trials as lies', () => {
    const trials = crossingTrials(12);
    const running: Trial = { ...curveTrial(40, { x: 0.5 }, [0.5], 9), state: 'running' };
    const h = historyAt([...trials, running], 'maximize', 9, true);
    assert.equal(h.finished, 12);
    assert.equal(h.trials.length, 13);
    assert.equal(h.trials[12], running);
    assert.equal(h.tier[12], 1);
    assert.equal(h.loss[12], Infinity);
    for (let i = 0; i < 12; i++) assert.equal(h.loss[i], -valueAt(trials[i]!, 9)!);
    const at3 = historyAt(trials, 'maximize', 3, false);
    assert.equal(at3.finished, 40);
    assert.equal(at3.trials.filter((t) => t.state === 'pruned').length, 28, 'pruned trials are observations at the epochs they reached');
    assert.equal(historyAt(trials, 'minimize', 3, false).loss[0], valueAt(trials[0]!, 3));
  });

  it('fits the model at the highest epoch with enough points, and then follows it where low epochs rank wrongly', () => {
    const sampler = new BohbSampler(parseBohbOptions({ 'random-fraction': 0 }));
    const trials = crossingTrials(12);
    const high: number[] = [];
    for (let n = 40; n < 60; n++) {
      const { params, source } = sampler.propose(ctx(trials, n));
      assert.deepEqual(source, { kind: 'model', epoch: 9, observations: 12 });
      high.push(params['x'] as number);
    }
    // epoch 9 says small x is best; epoch 3 says the opposite
    assert.ok(mean(high) < 0.3, `mean proposal ${mean(high)} at epoch 9`);
    // with too few points at epoch 9 the model falls back to epoch 3, and follows it
    const strict = new BohbSampler(parseBohbOptions({ 'random-fraction': 0, 'min-points': 13 }));
    const low: number[] = [];
    for (let n = 40; n < 60; n++) {
      const { params, source } = strict.propose(ctx(trials, n));
      assert.deepEqual(source, { kind: 'model', epoch: 3, observations: 40 });
      low.push(params['x'] as number);
    }
    assert.ok(mean(low) > 0.7, `mean proposal ${mean(low)} at epoch 3`);
  });

  it('learns from pruned trials: no trial complete, the model is fitted where the pruned ones stopped', () => {
    const trials = crossingTrials(0);
    assert.equal(trials.filter((t) => t.state === 'complete').length, 0);
    const { params, source } = new BohbSampler(parseBohbOptions({ 'random-fraction': 0 })).propose(ctx(trials, 40));
    assert.equal(source.kind, 'model');
    assert.equal(source.kind === 'model' && source.epoch, 3);
    assert.ok((params['x'] as number) >= 0 && (params['x'] as number) <= 1);
  });

  it('starts with the start-up sampler, and draws about random-fraction of its proposals from the prior', () => {
    const sampler = new BohbSampler(parseBohbOptions({}));
    assert.equal(sampler.propose(ctx([], 0)).source.kind, 'startup');
    assert.equal(sampler.propose(ctx(crossingTrials(12).slice(0, 5), 5)).source.kind, 'startup', '5 observations < max(d + 2, 10)');
    const trials = crossingTrials(12);
    let prior = 0;
    for (let n = 40; n < 340; n++) if (sampler.propose(ctx(trials, n)).source.kind === 'prior') prior++;
    assert.ok(prior > 70 && prior < 130, `${prior} of 300 from the prior (expected about 100)`);
  });

  it('without per-epoch values it is tpe on the final values', () => {
    const trials = crossingTrials(40).map((t) => ({ ...t, intermediate: [] }));
    const bohb = new BohbSampler(parseBohbOptions({}));
    const tpe = SAMPLERS.tpe.create({});
    const c = ctx(trials, 40);
    assert.equal(bohb.propose(c).source.kind, 'final-values');
    // same generator state after bohb's first draw: compare with tpe asked on a generator advanced once
    const rng = new Rng(deriveSeed(7, 'sampler', 40));
    rng.next();
    assert.deepEqual(bohb.sample(ctx(trials, 40)), tpe.sample({ ...c, rng }));
  });
});

describe('bohb: options and pairing', () => {
  it('rejects bad options with the key, and accepts every tpe option', () => {
    for (const [key, value] of [['random-fraction', 1.5], ['random-fraction', 'a third'], ['min-points', 1], ['min-points', 2.5], ['gamma', 2]] as const) {
      assert.throws(
        () => SAMPLERS.bohb.create({ [key]: value }),
        (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.BAD_VALUE && e.details.key === `sweep.sampler-options.${key}`,
      );
    }
    const o = parseBohbOptions({ 'random-fraction': 0.2, 'min-points': 8, gamma: 0.15, 'n-startup-trials': 5, 'float-points': 3 });
    assert.equal(o.randomFraction, 0.2);
    assert.equal(o.minPoints, 8);
    assert.equal(o.tpe.gamma, 0.15);
    assert.equal(new BohbSampler(parseBohbOptions({ 'n-startup-trials': 5 })).minPoints({ space: SPACE }), 5);
    assert.equal(new BohbSampler(parseBohbOptions({ 'n-startup-trials': 2 })).minPoints({ space: SPACE }), 3, 'd + 2 with d = 1');
  });

  it('advises hyperband: silent with it, a note with another scheduler, a stronger one without stopping', () => {
    const advice = SAMPLERS.bohb.schedulerAdvice!;
    assert.equal(advice('hyperband'), undefined);
    for (const name of Object.keys(SCHEDULERS)) if (name !== 'hyperband') assert.match(advice(name)!, /hyperband/);
    assert.match(advice('fifo')!, /every trial trains all its epochs/);
  });
});

describe('bohb + hyperband on the learning-curve benchmark', () => {
  const study = (seed: number) =>
    runCurveStudy({ family: 'crossing', seed, sampler: SAMPLERS.bohb.create({}), scheduler: SCHEDULERS.hyperband.create({}) });

  it('same seed, same sequence; another seed, another one', async () => {
    const a = await study(3);
    const b = await study(3);
    const c = await study(4);
    assert.ok(a.trials.length > 50, `${a.trials.length} trials`);
    assert.deepEqual(a.trials.map((t) => t.params), b.trials.map((t) => t.params));
    assert.notDeepEqual(a.trials.map((t) => t.params), c.trials.map((t) => t.params));
  });

  it('works after resume: a fresh sampler on the stored trials (read back from JSON) proposes what the study proposed', async () => {
    const { trials } = await study(5);
    const stored = JSON.parse(JSON.stringify(trials)) as Trial[];
    let modelled = 0;
    for (let n = 1; n < stored.length; n++) {
      const fresh = new BohbSampler(parseBohbOptions({}));
      // one simulated worker: when trial n was asked, trials 0..n-1 had finished as stored
      const { params, source } = fresh.propose({ ...ctx(stored.slice(0, n), n, 5), space: learningCurveSpace() });
      if (source.kind === 'model') modelled++;
      for (const [k, v] of Object.entries(params)) assert.equal(stored[n]!.params[k], v, `trial ${n} ${k}`);
    }
    assert.ok(modelled > 30, `${modelled} proposals from the model`);
  });
});
