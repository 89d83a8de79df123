/**
 * Every sampler in the registry passes the same suite: proposals inside their
 * distributions, exactly the active keys, no forbidden combination, reproducible
 * by seed, and the same sequence after a resume (trials read back from JSON).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError } from '../../src/errors.js';
import { deriveSeed, Rng } from '../../src/math/rng.js';
import { completePoint, pointIsForbidden, type Sampler } from '../../src/samplers/base.js';
import { GridSampler } from '../../src/samplers/grid.js';
import { SAMPLERS } from '../../src/samplers/registry.js';
import { isActive } from '../../src/space/conditions.js';
import { contains, describeDistribution } from '../../src/space/distributions.js';
import { parseSpace } from '../../src/space/load-space.js';
import type { SearchSpace } from '../../src/space/types.js';
import type { Params, Trial } from '../../src/study/types.js';

const TASK = ['task:', '  data:', '    train: data.csv', '  text: text', '  label: label'];

/** Conditional (implicit and explicit), mixed types, log scales, fixed values and two forbidden combinations. */
const CONDITIONAL_SPACE = [
  ...TASK,
  'search:',
  '  backbone.ngram-hash.dims: 4096',
  '  optimizer: { choices: [adam, adamw, sgd] }',
  '  optimizer.lr: { float: [0.001, 0.3], log: true }',
  '  optimizer.epochs: { int: [1, 4] }',
  '  optimizer.sgd.momentum: { float: [0.5, 0.95] }',
  '  head: { choices: [linear, mlp] }',
  '  head.mlp.width: { int: [16, 128], log: true }',
  '  balance: { choices: [none, class-weight, focal] }',
  '  balance.focal.gamma: { float: [0.5, 3.0], when: { optimizer: [adam, adamw] } }',
  '  schedule: { choices: [constant, cosine] }',
  '  augment.eda: { choices: [false, true] }',
  'forbidden:',
  '  - { head: mlp, optimizer: sgd }',
  '  - { balance: focal, schedule: cosine }',
].join('\n');

const space = (): SearchSpace => parseSpace(CONDITIONAL_SPACE, '/spaces/conformance.yaml').space;

/** A deterministic fake metric: a smooth function of the params, so model-based samplers have a signal. */
function fakeValue(p: Params): number {
  const lr = p['optimizer.lr'] as number;
  let v = 0.8 - 0.05 * Math.pow(Math.log10(lr) + 1.5, 2);
  v += 0.02 * ((p['optimizer.epochs'] as number | undefined) ?? 1);
  if (p['head'] === 'mlp') v += 0.03 - 0.0001 * Math.abs(((p['head.mlp.width'] as number | undefined) ?? 64) - 64);
  if (p['balance'] === 'focal') v += 0.01 * ((p['balance.focal.gamma'] as number | undefined) ?? 0);
  if (p['optimizer'] === 'sgd') v -= 0.1 * Math.abs(((p['optimizer.sgd.momentum'] as number | undefined) ?? 0.9) - 0.9);
  if (p['augment.eda'] === true) v += 0.005;
  return v;
}

function completeTrial(s: SearchSpace, number: number, seed: number, proposal: Params): Trial {
  const params = completePoint(s, proposal);
  const value = fakeValue(params);
  return {
    number,
    state: 'complete',
    params,
    seed: deriveSeed(seed, 'trial', number),
    intermediate: [{ epoch: 1, value, loss: 1 - value, lr: params['optimizer.lr'] as number, elapsed: 1 }],
    metrics: {
      value,
      bestEpoch: 1,
      validation: { accuracy: value, macroF1: value, confusion: [[1, 0], [0, 1]], perClass: [] },
      trainExamples: 100,
      notes: [],
    },
    createdAt: '2024-01-01T00:00:00.000Z',
    startedAt: '2024-01-01T00:00:00.000Z',
    finishedAt: '2024-01-01T00:00:01.000Z',
    duration: 1,
  };
}

const jsonRoundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

interface RunOptions {
  /** Start a fresh sampler (and a freshly parsed space) at this trial number, as a resumed study does. */
  resumeAt?: number;
  /** Read the trials back from JSON before every ask, as a store does. */
  viaJson?: boolean;
}

/** Asks `n` proposals, feeding each back as a completed trial. */
function run(name: string, seed: number, n: number, o: RunOptions = {}): { proposals: Params[]; trials: Trial[]; space: SearchSpace } {
  const factory = (SAMPLERS as Record<string, { create(options: Record<string, unknown>): Sampler }>)[name]!;
  let sampler = factory.create({});
  let s = space();
  let trials: Trial[] = [];
  const proposals: Params[] = [];
  for (let number = 0; number < n; number++) {
    if (number === o.resumeAt) {
      sampler = factory.create({});
      s = space();
      trials = jsonRoundTrip(trials);
    }
    const view = o.viaJson ? jsonRoundTrip(trials) : trials;
    const proposal = sampler.sample({
      space: s,
      trials: view,
      rng: new Rng(deriveSeed(seed, 'sampler', number)),
      trialNumber: number,
      studySeed: seed,
      direction: 'maximize',
    });
    proposals.push(proposal);
    trials.push(completeTrial(s, number, seed, proposal));
  }
  return { proposals, trials, space: s };
}

const N = 60;

for (const name of Object.keys(SAMPLERS)) {
  describe(`sampler conformance: ${name}`, () => {
    const base = run(name, 42, N);

    it('proposes values inside each distribution', () => {
      const s = base.space;
      for (const [i, p] of base.proposals.entries()) {
        for (const spec of s.params) {
          if (p[spec.key] === undefined) continue;
          assert.ok(contains(spec.dist, p[spec.key]!), `trial ${i}: ${spec.key}=${String(p[spec.key])} outside ${describeDistribution(spec.dist)}`);
        }
      }
    });

    it('proposes exactly the active searched keys, never fixed or unknown ones', () => {
      const s = base.space;
      const searched = new Set(s.params.map((spec) => spec.key));
      for (const [i, p] of base.proposals.entries()) {
        for (const k of Object.keys(p)) assert.ok(searched.has(k), `trial ${i}: unexpected key ${k}`);
        const point = completePoint(s, p);
        for (const spec of s.params) {
          const active = isActive(spec, point);
          assert.equal(p[spec.key] !== undefined, active, `trial ${i}: ${spec.key} is ${active ? 'active but missing' : 'inactive but present'} in ${JSON.stringify(p)}`);
        }
      }
      // the conditional keys really switch on and off in 60 draws
      const present = (k: string) => base.proposals.filter((p) => p[k] !== undefined).length;
      for (const k of ['optimizer.sgd.momentum', 'head.mlp.width', 'balance.focal.gamma']) {
        assert.ok(present(k) > 0 && present(k) < N, `${k} present in ${present(k)} of ${N}`);
      }
    });

    it('never proposes a forbidden combination', () => {
      for (const [i, p] of base.proposals.entries()) {
        const point = completePoint(base.space, p);
        assert.equal(pointIsForbidden(base.space, point), false, `trial ${i}: forbidden ${JSON.stringify(point)}`);
        assert.ok(!(point['head'] === 'mlp' && point['optimizer'] === 'sgd'));
        assert.ok(!(point['balance'] === 'focal' && point['schedule'] === 'cosine'));
      }
    });

    it('gives the same sequence for the same seed', () => {
      assert.deepEqual(run(name, 42, N).proposals, base.proposals);
    });

    it('gives a different sequence for a different seed', () => {
      const other = run(name, 43, N).proposals;
      assert.notDeepEqual(other, base.proposals);
      // not merely one value apart: most proposals differ
      const same = other.filter((p, i) => JSON.stringify(p) === JSON.stringify(base.proposals[i])).length;
      assert.ok(same < N / 2, `${same} of ${N} proposals identical across seeds`);
    });

    it('works after resume: trials read back from JSON and a fresh sampler give the uninterrupted sequence', () => {
      assert.deepEqual(run(name, 42, N, { viaJson: true }).proposals, base.proposals);
      assert.deepEqual(run(name, 42, N, { resumeAt: 25, viaJson: true }).proposals, base.proposals);
    });

    it('does not depend on the state of earlier trials being complete (running and failed ones count as taken)', () => {
      // a study asks while other trials are still running: the proposal must still be valid
      const s = space();
      const sampler = (SAMPLERS as Record<string, { create(o: Record<string, unknown>): Sampler }>)[name]!.create({});
      const trials = base.trials.slice(0, 10).map((t, i) => {
        const { metrics: _m, ...rest } = t;
        return i % 2 === 0 ? { ...rest, state: 'running' as const, intermediate: [] } : { ...rest, state: 'failed' as const, error: 'boom' };
      });
      const p = sampler.sample({ space: s, trials, rng: new Rng(deriveSeed(42, 'sampler', 10)), trialNumber: 10, studySeed: 42, direction: 'maximize' });
      const point = completePoint(s, p);
      for (const spec of s.params) {
        assert.equal(p[spec.key] !== undefined, isActive(spec, point));
        if (p[spec.key] !== undefined) assert.ok(contains(spec.dist, p[spec.key]!));
      }
      assert.equal(pointIsForbidden(s, point), false);
    });
  });
}

describe('grid sampler', () => {
  const SMALL = [
    ...TASK,
    'search:',
    '  optimizer: { choices: [adam, sgd] }',
    '  optimizer.sgd.momentum: { float: [0.5, 0.9] }',
    '  optimizer.epochs: { int: [1, 3] }',
    '  head: { choices: [linear, mlp] }',
    'forbidden:',
    '  - { head: mlp, optimizer: sgd }',
  ].join('\n');
  const small = () => parseSpace(SMALL, '/spaces/small.yaml').space;

  /** Asks until the grid is exhausted; returns the proposals and the error that ended it. */
  function exhaust(sampler: Sampler, s: SearchSpace, seed: number, limit = 100): { proposals: Params[]; error: unknown } {
    const trials: Trial[] = [];
    const proposals: Params[] = [];
    for (let number = 0; number < limit; number++) {
      try {
        const p = sampler.sample({ space: s, trials, rng: new Rng(deriveSeed(seed, 'sampler', number)), trialNumber: number, studySeed: seed, direction: 'maximize' });
        proposals.push(p);
        trials.push(completeTrial(s, number, seed, p));
      } catch (e) {
        return { proposals, error: e };
      }
    }
    return { proposals, error: undefined };
  }

  it('enumerates the exact expected count: adam 3 epochs × 2 heads + sgd 3 momenta × 3 epochs × linear', () => {
    const s = small();
    const sampler = SAMPLERS.grid.create({}) as GridSampler;
    assert.equal(sampler.size(s), 6 + 9);
    assert.equal((SAMPLERS.grid.create({ 'float-points': 2 }) as GridSampler).size(s), 6 + 6);
    // float-points also thins int ranges longer than 2 × float-points: epochs 1..3 becomes the middle value 2
    assert.equal((SAMPLERS.grid.create({ 'float-points': 1 }) as GridSampler).size(s), 2 + 1);
    const { proposals } = exhaust(sampler, s, 5);
    assert.equal(proposals.length, 15);
    // the momenta are the 3 evenly spaced grid values, and only with sgd
    const momenta = [...new Set(proposals.map((p) => p['optimizer.sgd.momentum']).filter((v) => v !== undefined))].sort();
    assert.deepEqual(momenta.map((v) => Math.round((v as number) * 1e9) / 1e9), [0.5, 0.7, 0.9]);
    assert.equal(proposals.filter((p) => p['optimizer'] === 'adam').length, 6);
    assert.ok(proposals.every((p) => (p['optimizer'] === 'sgd') === (p['optimizer.sgd.momentum'] !== undefined)));
  });

  it('never repeats a point, then throws E_SPACE_EXHAUSTED', () => {
    const s = small();
    const { proposals, error } = exhaust(SAMPLERS.grid.create({}), s, 5);
    const keys = proposals.map((p) => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]])));
    assert.equal(new Set(keys).size, proposals.length);
    assert.ok(error instanceof HybridTuneError, `ended with ${String(error)}`);
    assert.equal(error.code, ERROR_CODES.SPACE_EXHAUSTED);
    assert.match(error.message, /15/);
  });

  it('a different seed gives a different order of the same points', () => {
    const a = exhaust(SAMPLERS.grid.create({}), small(), 5).proposals;
    const b = exhaust(SAMPLERS.grid.create({}), small(), 6).proposals;
    const canon = (ps: Params[]) => ps.map((p) => JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]])));
    assert.notDeepEqual(canon(a), canon(b));
    assert.deepEqual([...canon(a)].sort(), [...canon(b)].sort());
  });

  it('skips points that earlier trials took, whatever their order (a resumed study continues the grid)', () => {
    const s = small();
    const full = exhaust(SAMPLERS.grid.create({}), s, 9).proposals;
    // trials 0..6 stored, read back from JSON by a fresh sampler
    const trials = jsonRoundTrip(full.slice(0, 7).map((p, i) => completeTrial(s, i, 9, p)));
    const fresh = SAMPLERS.grid.create({});
    const next = fresh.sample({ space: small(), trials, rng: new Rng(deriveSeed(9, 'sampler', 7)), trialNumber: 7, studySeed: 9, direction: 'maximize' });
    assert.deepEqual(next, full[7]);
  });

  it('rejects a bad float-points option with E_BAD_VALUE', () => {
    for (const fp of [0, 2.5, 'three']) {
      assert.throws(
        () => SAMPLERS.grid.create({ 'float-points': fp }),
        (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.BAD_VALUE && e.details.key === 'sweep.sampler-options.float-points',
      );
    }
  });
});
