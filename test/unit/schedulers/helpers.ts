import type { Decision, Scheduler } from '../../../src/schedulers/base.js';
import type { Direction, Trial } from '../../../src/study/types.js';

/** A trial that reported `values` at epochs 1..n, with `maxEpochs` as its `optimizer.epochs`. */
export function trial(number: number, values: readonly number[], state: Trial['state'] = 'running', maxEpochs = 81): Trial {
  return {
    number,
    state,
    params: { 'optimizer.epochs': maxEpochs },
    seed: number,
    intermediate: values.map((value, i) => ({ epoch: i + 1, value, loss: 1 - value, lr: 0.01, elapsed: i + 1 })),
    createdAt: '2024-01-01T00:00:00.000Z',
  };
}

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as Record<string, unknown>)) deepFreeze(v);
  }
  return x;
}

/** The scheduler's answer for trial `number` at its last reported epoch, the others as given (frozen). */
export function decide(s: Scheduler, trials: Trial[], number: number, direction: Direction = 'maximize'): Decision {
  const view = deepFreeze(structuredClone(trials));
  const t = view.find((x) => x.number === number)!;
  const last = t.intermediate[t.intermediate.length - 1]!;
  return s.onEpoch({ trial: t, epoch: last.epoch, value: last.value, trials: view, direction });
}

/** A saturating curve f (1 - exp(-t / tau)) at epochs 1..n, without noise. */
export function curve(f: number, tau: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => f * (1 - Math.exp(-(i + 1) / tau)));
}
