/**
 * Every scheduler in the registry passes the same suite: it answers 'continue'
 * or 'stop', is pure (same context, same answer; the trials it reads are never
 * changed), and keeps no hidden state a resume would lose.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveSeed, Rng } from '../../src/math/rng.js';
import type { Decision, Scheduler, SchedulerContext } from '../../src/schedulers/base.js';
import { SCHEDULERS } from '../../src/schedulers/registry.js';
import type { Direction, EpochRecord, Trial } from '../../src/study/types.js';

const EPOCHS = 8;
const TRIALS = 24;

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as Record<string, unknown>)) deepFreeze(v);
  }
  return x;
}

/** Noisy saturating learning curves with different ceilings and speeds, by seed. */
function curves(seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: TRIALS }, () => {
    const ceiling = rng.uniform(0.5, 0.95);
    const speed = rng.uniform(0.2, 1.2);
    return Array.from({ length: EPOCHS }, (_, e) => ceiling * (1 - Math.exp(-speed * (e + 1))) + rng.normal(0, 0.01));
  });
}

function record(epoch: number, value: number): EpochRecord {
  return { epoch, value, loss: 1 - value, lr: 0.01, elapsed: epoch };
}

function trialAt(number: number, values: number[], state: Trial['state']): Trial {
  return {
    number,
    state,
    params: { 'optimizer.lr': 0.01 * (number + 1), 'optimizer.epochs': EPOCHS },
    seed: deriveSeed(1, 'trial', number),
    intermediate: values.map((v, i) => record(i + 1, v)),
    createdAt: '2024-01-01T00:00:00.000Z',
    startedAt: '2024-01-01T00:00:00.000Z',
  };
}

interface Call {
  ctx: SchedulerContext;
  snapshot: string;
}

/**
 * Replays a study that runs trials two at a time, epoch by epoch, the way the
 * study loop reports them: every call gets a fresh deep-frozen view of all trials.
 * Stopped trials become `pruned`; finished ones `complete`.
 */
function simulate(
  make: () => Scheduler,
  seed: number,
  direction: Direction,
  restartAt?: number,
): { decisions: Decision[]; calls: Call[]; scheduler: Scheduler } {
  const data = curves(seed).map((c) => (direction === 'minimize' ? c.map((v) => 1 - v) : c));
  let scheduler = make();
  const trials: Trial[] = [];
  const decisions: Decision[] = [];
  const calls: Call[] = [];
  for (let pair = 0; pair < TRIALS; pair += 2) {
    const live = [pair, pair + 1];
    for (const n of live) trials.push(trialAt(n, [], 'running'));
    const stopped = new Set<number>();
    for (let e = 1; e <= EPOCHS; e++) {
      for (const n of live) {
        if (stopped.has(n)) continue;
        const value = data[n]![e - 1]!;
        trials[n] = trialAt(n, data[n]!.slice(0, e), 'running');
        if (calls.length === restartAt) scheduler = make();
        const view = deepFreeze(structuredClone(trials));
        const ctx: SchedulerContext = { trial: view[n]!, epoch: e, value, trials: view, direction };
        const snapshot = JSON.stringify(view);
        const d = scheduler.onEpoch(ctx);
        decisions.push(d);
        calls.push({ ctx, snapshot });
        if (d === 'stop') {
          stopped.add(n);
          trials[n] = { ...trials[n]!, state: 'pruned' };
        } else if (e === EPOCHS) trials[n] = { ...trials[n]!, state: 'complete' };
      }
    }
  }
  return { decisions, calls, scheduler };
}

for (const [name, factory] of Object.entries(SCHEDULERS)) {
  describe(`scheduler conformance: ${name}`, () => {
    const make = () => factory.create({});

    for (const direction of ['maximize', 'minimize'] as const) {
      it(`answers 'continue' or 'stop' at every epoch (${direction})`, () => {
        const { decisions } = simulate(make, 7, direction);
        assert.ok(decisions.length >= TRIALS, `only ${decisions.length} calls`);
        for (const d of decisions) assert.ok(d === 'continue' || d === 'stop', `decision ${String(d)}`);
      });
    }

    it('does not mutate the trials it is given (deep-frozen) and is pure: the same context gives the same answer', () => {
      const { decisions, calls, scheduler } = simulate(make, 11, 'maximize');
      calls.forEach(({ ctx, snapshot }, i) => {
        assert.equal(JSON.stringify(ctx.trials), snapshot, `call ${i} changed the trials`);
        // asked again: by the same instance after all later calls, and by a new one
        const again = scheduler.onEpoch(ctx);
        assert.equal(again, decisions[i], `call ${i}: asked again, answered ${again}; first answer ${decisions[i]}`);
        assert.equal(make().onEpoch(ctx), decisions[i], `call ${i}: a new instance answered differently`);
        assert.equal(JSON.stringify(ctx.trials), snapshot, `call ${i} changed the trials when asked again`);
      });
    });

    it('gives the same decisions when restarted mid-study (no state outside the store)', () => {
      const base = simulate(make, 13, 'maximize').decisions;
      const restarted = simulate(make, 13, 'maximize', Math.floor(base.length / 2)).decisions;
      assert.deepEqual(restarted, base);
    });
  });
}

describe('fifo scheduler', () => {
  it("always answers 'continue', whatever the curves and direction", () => {
    for (const seed of [1, 2, 3]) {
      for (const direction of ['maximize', 'minimize'] as const) {
        const { decisions } = simulate(() => SCHEDULERS.fifo.create({}), seed, direction);
        assert.equal(decisions.length, TRIALS * EPOCHS);
        assert.ok(decisions.every((d) => d === 'continue'));
      }
    }
  });

  it("continues even a trial far worse than every other (no pruning) and NaN values", () => {
    const s = SCHEDULERS.fifo.create({});
    const good = Array.from({ length: 5 }, (_, i) => ({ ...trialAt(i, [0.9, 0.95], 'complete') }));
    const bad = trialAt(5, [0.01], 'running');
    const trials = deepFreeze([...good, bad]);
    assert.equal(s.onEpoch({ trial: trials[5]!, epoch: 1, value: 0.01, trials, direction: 'maximize' }), 'continue');
    assert.equal(s.onEpoch({ trial: trials[5]!, epoch: 1, value: Number.NaN, trials, direction: 'maximize' }), 'continue');
  });
});
