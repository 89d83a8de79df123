/** The report's analysis sections as numbers: interval, budget, time, parallel coordinates, importance, curves, timeline, gap, notes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildCurves,
  buildParallel,
  chartSpecs,
  schedulerRungs,
  buildReportModel,
  CURVES_PRUNED_SAMPLE,
  CURVES_SHOW_ALL,
  CURVES_TOP_COMPLETE,
  MAX_PARALLEL_AXES,
  NA_POSITION,
  paramsFromSpace,
  paramsFromTrials,
  searchedParams,
  spearman,
} from '../../../src/report/index.js';
import type { Trial } from '../../../src/study/types.js';
import { handTrials, makeMeta, makeTrial, syntheticSpace, syntheticTrials } from './fixture.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

describe('summary extras', () => {
  const m = buildReportModel(makeMeta(), handTrials());

  it("gives the best trial's validation accuracy a 95% Wilson interval from its confusion matrix", () => {
    const ci = m.summary.bestInterval!;
    // Trial 5: three classes of 100, 90 right each.
    assert.equal(ci.method, 'wilson');
    assert.equal(ci.successes, 270);
    assert.equal(ci.n, 300);
    close(ci.estimate, 0.9);
    assert.ok(ci.low > 0.85 && ci.low < 0.9 && ci.high > 0.9 && ci.high < 0.94, `${ci.low} – ${ci.high}`);
  });

  it('counts the epochs trained and names the workers, devices and backends', () => {
    // 5 complete x 4 epochs + 1 pruned x 2.
    assert.equal(m.summary.epochsTrained, 22);
    assert.deepEqual(m.summary.workerNames, ['cpu:0', 'unknown worker']);
    assert.deepEqual(m.summary.devices, ['cpu:0']);
    assert.deepEqual(m.summary.backendsUsed, ['wasm']);
  });

  it('reads the execution settings, budgets and re-queued trials when the study has them', () => {
    const trials = handTrials();
    const running = trials.find((t) => t.state === 'running')!;
    running.heartbeatAt = '2025-01-01T22:12:00.000Z';
    trials.find((t) => t.number === 1)!.requeued = [{ at: '2025-01-01T22:01:00.000Z', reason: 'sweep died' }];
    const meta = makeMeta({
      endedBy: 'max-epochs-total',
      execution: { backend: 'processes', devices: [{ id: 'gpu:0', slots: 2 }], maxEpochsTotal: 40, staleTrials: 'retry' },
      runs: [{ startedAt: '2025-01-01T22:00:00.000Z', pid: 1, resumed: false, timeoutSec: 28800 }],
    });
    const x = buildReportModel(meta, trials);
    assert.equal(x.summary.endedBy, 'max-epochs-total');
    assert.equal(x.summary.executionBackend, 'processes');
    assert.deepEqual(x.summary.deviceSlots, [{ id: 'gpu:0', slots: 2 }]);
    assert.equal(x.summary.epochBudget, 40);
    assert.equal(x.summary.timeoutSeconds, 28800);
    assert.equal(x.summary.requeuedTrials, 1);
    // The running trial's heartbeat is the last sign of life: the timeline runs to it.
    assert.equal(x.timeline.wallSeconds, 720);
    assert.equal(x.timeline.bars.find((b) => b.trial === running.number)!.end, 720);
    assert.equal(m.summary.endedBy, null);
    assert.deepEqual(m.summary.deviceSlots, []);
  });

  it('has no interval without a complete trial', () => {
    const none = buildReportModel(makeMeta(), [makeTrial(0, 'failed', { start: 0, end: 1, error: 'x' })]);
    assert.equal(none.summary.bestInterval, null);
  });
});

describe('history over wall-clock time', () => {
  it('orders complete trials by finish time, best so far on that clock', () => {
    const m = buildReportModel(makeMeta(), handTrials());
    assert.deepEqual(
      m.historyOverTime.map((p) => [p.trial, p.elapsed, p.bestSoFar, p.improved]),
      [
        [0, 60, 0.8, true],
        [1, 120, 0.85, true],
        [3, 240, 0.85, false],
        [6, 480, 0.85, false],
        [5, 600, 0.9, true],
      ],
    );
  });
});

describe('timeline', () => {
  const m = buildReportModel(makeMeta(), handTrials());
  const t = m.timeline;

  it('puts a bar per started trial on its worker, a running one open to the last known time', () => {
    assert.equal(t.t0, '2025-01-01T22:00:00.000Z');
    assert.equal(t.wallSeconds, 600);
    assert.deepEqual(
      t.bars.map((b) => b.trial).sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    const running = t.bars.find((b) => b.trial === 7)!;
    assert.deepEqual([running.start, running.end, running.open, running.state], [540, 600, true, 'running']);
    const five = t.bars.find((b) => b.trial === 5)!;
    assert.deepEqual([five.worker, five.start, five.end, five.open], ['cpu:0', 180, 600, false]);
  });

  it('measures each worker busy share as the union of its trials over the wall time', () => {
    assert.deepEqual(
      t.workers.map((w) => [w.worker, w.trials, w.busySeconds, w.busyShare]),
      [
        ['cpu:0', 5, 600, 1],
        ['unknown worker', 3, 150, 0.25],
      ],
    );
    close(t.busyShare, 0.625);
  });

  it('sorts workers naturally and marks resumed runs', () => {
    const trials = [2, 10, 1].map((w, i) => ({ ...makeTrial(i, 'complete', { start: i, end: i + 1, value: 0.5 }), worker: `thread-${w}` }));
    const meta = makeMeta({
      runs: [
        { startedAt: '2025-01-01T22:00:00.000Z', pid: 1, resumed: false },
        { startedAt: '2025-01-01T22:01:30.000Z', pid: 2, resumed: true },
      ],
    });
    const tl = buildReportModel(meta, trials).timeline;
    assert.deepEqual(
      tl.workers.map((w) => w.worker),
      ['thread-1', 'thread-2', 'thread-10'],
    );
    assert.deepEqual(tl.resumes, [90]);
  });

  it('is empty before any trial starts', () => {
    const tl = buildReportModel(makeMeta(), [makeTrial(0, 'waiting')]).timeline;
    assert.deepEqual([tl.t0, tl.bars.length, tl.workers.length, tl.busyShare], [null, 0, 0, 0]);
  });
});

describe('searched params', () => {
  it('reads the stored space: ranges, log scales, choices in order; skips fixed values', () => {
    const ps = paramsFromSpace(syntheticSpace())!;
    assert.ok(!ps.some((p) => p.key === 'backbone.ngram-hash.dims'), 'a fixed value is not searched');
    const lr = ps.find((p) => p.key === 'optimizer.lr')!;
    assert.deepEqual([lr.kind, lr.log, lr.low, lr.high, lr.source], ['numeric', true, 1e-5, 1e-2, 'space']);
    assert.deepEqual(ps.find((p) => p.key === 'balance')!.choices, ['none', 'oversample', 'class-weight', 'focal']);
    assert.deepEqual(ps.find((p) => p.key === 'augment.eda')!.choices, [false, true]);
    assert.equal(ps[0]!.key, 'optimizer', 'in the file order');
    assert.equal(paramsFromSpace({}), null);
    assert.equal(paramsFromSpace('nonsense'), null);
  });

  it('infers them from the trials when the study has no space, and adds choices the space did not list', () => {
    const trials = [1e-5, 1e-4, 1e-3, 1e-2, 2e-3, 3e-4, 5e-5].map((lr, i) => makeTrial(i, 'complete', { params: { lr, opt: i % 2 ? 'adam' : 'sgd', fixed: 1 } }));
    const ps = paramsFromTrials(trials);
    assert.deepEqual(
      ps.map((p) => [p.key, p.kind, p.log]),
      [
        ['lr', 'numeric', true],
        ['opt', 'categorical', false],
      ],
    );
    const extra = searchedParams({ search: { opt: { choices: ['sgd', 'rmsprop'] }, lr: { float: [1e-5, 1e-2], log: true } } }, trials);
    assert.deepEqual(extra.find((p) => p.key === 'opt')!.choices, ['sgd', 'rmsprop', 'adam']);
  });
});

describe('parallel coordinates', () => {
  it('normalises every axis to [0, 1]: log and linear numbers, choices in order, n/a for inactive settings', () => {
    const trials: Trial[] = [
      makeTrial(0, 'complete', { value: 0.7, params: { 'optimizer.lr': 1e-4, head: 'linear', 'regularize.dropout': 0.25 } }),
      makeTrial(1, 'complete', { value: 0.9, params: { 'optimizer.lr': 1e-2, head: 'mlp', 'head.mlp.width': 64, 'regularize.dropout': 0 } }),
      makeTrial(2, 'pruned', { value: 0.6, params: { 'optimizer.lr': 1e-3, head: 'linear', 'regularize.dropout': 0.5 } }),
    ];
    const space = {
      search: {
        'optimizer.lr': { float: [1e-5, 1e-1], log: true },
        head: { choices: ['linear', 'mlp'] },
        'head.mlp.width': { int: [16, 256], log: true },
        'regularize.dropout': { float: [0, 0.5] },
      },
    };
    const p = buildParallel(searchedParams(space, trials), trials, 'maximize', 'accuracy');
    assert.deepEqual(
      p.axes.map((a) => [a.key, a.kind, a.log, a.hasInactive]),
      [
        ['optimizer.lr', 'numeric', true, false],
        ['head', 'categorical', false, false],
        ['head.mlp.width', 'numeric', true, true],
        ['regularize.dropout', 'numeric', false, false],
        ['metric:accuracy', 'metric', false, false],
      ],
    );
    assert.deepEqual(
      p.lines.map((l) => l.trial),
      [0, 1],
      'complete trials only, worst first',
    );
    const [worse, best] = p.lines;
    assert.equal(best!.isBest, true);
    close(worse!.pos[0]!, 0.25); // log10: -4 on [-5, -1]
    close(best!.pos[0]!, 0.75);
    assert.deepEqual([worse!.pos[1], best!.pos[1]], [0, 1]);
    assert.equal(worse!.pos[2], NA_POSITION, 'no MLP, no width');
    close(best!.pos[2]!, Math.log10(64 / 16) / Math.log10(256 / 16));
    assert.deepEqual([worse!.pos[3], best!.pos[3]], [0.5, 0]);
    assert.deepEqual([worse!.pos[4], best!.pos[4]], [0, 1], 'the metric axis spans the values');
    assert.deepEqual(
      p.axes[0]!.ticks.map((t) => t.label),
      ['1e-5', '1e-4', '0.001', '0.01', '0.1'],
      'whole decades on a log axis',
    );
    assert.deepEqual(
      p.axes[1]!.ticks.map((t) => [t.pos, t.label]),
      [
        [0, 'linear'],
        [1, 'mlp'],
      ],
    );
  });

  it('keeps the most important settings when there are too many axes', () => {
    const keys = Array.from({ length: MAX_PARALLEL_AXES + 4 }, (_, i) => `s.p${String(i).padStart(2, '0')}`);
    const search = Object.fromEntries(keys.map((k) => [k, { float: [0, 1] }]));
    const trials = Array.from({ length: 10 }, (_, i) => makeTrial(i, 'complete', { value: i / 10, params: Object.fromEntries(keys.map((k) => [k, i / 10])) }));
    const importance = new Map(keys.map((k, i) => [k, i])); // the later, the more important
    const p = buildParallel(searchedParams({ search }, trials), trials, 'maximize', 'accuracy', importance);
    assert.equal(p.axes.length, MAX_PARALLEL_AXES + 1);
    assert.deepEqual(p.omitted, keys.slice(0, 4).reverse());
    assert.deepEqual(
      p.axes.slice(0, -1).map((a) => a.key),
      keys.slice(4),
      'kept axes stay in the space order',
    );
  });
});

describe('importance in the report', () => {
  it("finds the setting that drives the synthetic study's metric, and puts it first in the leaderboard", () => {
    const m = buildReportModel(makeMeta({ space: syntheticSpace() }), syntheticTrials(800, 9));
    assert.equal(m.importance.params[0]!.key, 'optimizer.lr');
    assert.ok(m.importance.params[0]!.importance > 0.5, `lr ${m.importance.params[0]!.importance}`);
    assert.ok(Math.abs(m.importance.params.reduce((a, p) => a + p.importance, 0) - 1) < 1e-9);
    // Strategies: the optimizer choice carries the sgd penalty; the rest are noise.
    assert.equal(m.importance.strategies[0]!.key, 'optimizer');
    assert.deepEqual(
      m.importance.strategies.map((s) => s.key).sort(),
      ['augment.eda', 'balance', 'head', 'optimizer', 'schedule'],
    );
    assert.equal(m.keyParamNames[0], 'optimizer.lr');
    assert.equal(m.importance.trials, m.history.length);
  });
});

describe('learning curves', () => {
  it('draws every trial of a small study, pruned ones marked where they stopped', () => {
    const c = buildCurves(handTrials(), 'maximize');
    assert.equal(c.capped, false);
    assert.deepEqual(c.total, { complete: 5, pruned: 1, other: 0 });
    const pruned = c.trials.find((t) => t.state === 'pruned')!;
    assert.deepEqual(pruned.stop, pruned.points[pruned.points.length - 1]);
    assert.equal(pruned.stop!.epoch, 2);
    assert.deepEqual(
      c.trials.filter((t) => t.isBest).map((t) => t.trial),
      [5],
    );
    assert.ok(c.trials.filter((t) => t.rank !== null).every((t) => t.stop === null));
  });

  it('caps a big study to the best complete trials and an even sample of the pruned', () => {
    const trials = syntheticTrials(CURVES_SHOW_ALL * 4, 3);
    const c = buildCurves(trials, 'maximize');
    assert.equal(c.capped, true);
    assert.equal(c.shown.complete, CURVES_TOP_COMPLETE);
    assert.equal(c.shown.pruned, Math.min(CURVES_PRUNED_SAMPLE, c.total.pruned));
    assert.deepEqual(
      c.trials
        .filter((t) => t.rank !== null)
        .map((t) => t.rank)
        .sort((a, b) => a! - b!),
      Array.from({ length: CURVES_TOP_COMPLETE }, (_, i) => i + 1),
    );
    assert.equal(c.trials.filter((t) => t.isBest).length, 1);
  });
});

describe('rungs and promotions', () => {
  const meta = (scheduler: string, options: Record<string, unknown>) => makeMeta({ scheduler, space: { sweep: { scheduler, 'scheduler-options': options } } });

  it('marks the rungs of a rung-based scheduler and where each trial passed one and trained on', () => {
    const rungsOf = schedulerRungs(meta('asha', { 'max-resource': 4 }))!;
    assert.ok(rungsOf, 'asha has rungs');
    const c = buildCurves(handTrials(), 'maximize', rungsOf);
    // min 1, eta 3, max 4: rungs at epochs 1 and 3
    assert.deepEqual(c.rungs, [1, 3]);
    for (const t of c.trials) {
      const last = t.points[t.points.length - 1]!.epoch;
      assert.deepEqual(
        t.promotions.map((p) => p.epoch),
        [1, 3].filter((r) => r < last),
        `trial ${t.trial} (${t.points.length} epochs)`,
      );
    }
    const pruned = c.trials.find((t) => t.state === 'pruned')!;
    assert.deepEqual(pruned.promotions.map((p) => p.epoch), [1], 'passed rung 1, stopped after epoch 2');
    // the chart draws one ▲ per promotion and one rule per rung
    const m = buildReportModel(meta('asha', { 'max-resource': 4 }), handTrials());
    assert.deepEqual(m.curves.rungs, [1, 3]);
    const layers = (chartSpecs(m).curves as unknown as { layer: Array<{ name?: string; data: { values: unknown[] } }> }).layer;
    const promoted = m.curves.trials.reduce((n, t) => n + t.promotions.length, 0);
    assert.equal(layers.find((l) => l.name === 'curves_promotions')!.data.values.length, promoted);
    assert.equal(layers.find((l) => l.name === 'curves_rungs')!.data.values.length, 2);
  });

  it('hyperband: a trial meets the rungs of its own bracket', () => {
    const rungsOf = schedulerRungs(meta('hyperband', { 'max-resource': 9 }))!;
    const brackets = new Set(Array.from({ length: 40 }, (_, n) => JSON.stringify(rungsOf(makeTrial(n, 'complete')))));
    // brackets of max 9, eta 3: rungs from 1, from 3, and none (the last bracket never stops)
    assert.deepEqual([...brackets].sort(), ['[1,3]', '[3]', '[]'].sort());
  });

  it('draws nothing for schedulers without rungs, or options that do not make the scheduler', () => {
    assert.equal(schedulerRungs(meta('fifo', {})), undefined);
    assert.deepEqual(buildCurves(handTrials(), 'maximize', schedulerRungs(meta('median', {}))).rungs, []);
    assert.equal(schedulerRungs(meta('asha', { 'reduction-factor': 'three' })), undefined);
    assert.deepEqual(buildReportModel(makeMeta({ scheduler: 'fifo' }), handTrials()).curves.rungs, []);
  });
});

describe('validation vs test', () => {
  it('compares the best trials on the metric the study optimises', () => {
    const m = buildReportModel(makeMeta(), handTrials());
    const g = m.gap!;
    assert.equal(g.field, 'macroF1', "'macro_f1' is macro-F1");
    assert.equal(g.withTest, 1);
    assert.deepEqual(
      g.rows.map((r) => [r.rank, r.trial, r.valMacroF1, r.testMacroF1]),
      [[1, 5, 0.9, 0.88]],
    );
    close(g.meanGap!, -0.02);
    assert.equal(g.rankCorrelation, null, 'too few trials');
    assert.equal(buildReportModel(makeMeta(), handTrials().map((t) => (t.metrics ? { ...t, metrics: { ...t.metrics, test: undefined } } : t)) as Trial[]).gap, null);
  });

  it('shows the top five and how well test agrees with validation', () => {
    const m = buildReportModel(makeMeta({ metric: 'accuracy' }), syntheticTrials(200, 4));
    const g = m.gap!;
    assert.equal(g.field, 'accuracy');
    assert.equal(g.rows.length, 5);
    assert.deepEqual(
      g.rows.map((r) => r.rank),
      [1, 2, 3, 4, 5],
    );
    assert.equal(g.points.length, g.withTest);
    assert.ok(g.rankCorrelation! > 0.8, `rho ${g.rankCorrelation}`);
  });

  it('computes Spearman with ties', () => {
    close(spearman([1, 2, 3, 4], [10, 20, 30, 40])!, 1);
    close(spearman([1, 2, 3, 4], [4, 3, 2, 1])!, -1);
    close(spearman([1, 1, 2, 3], [1, 2, 3, 4])!, 0.9486832980505138);
    assert.equal(spearman([1, 2], [1, 2]), null);
    assert.equal(spearman([1, 1, 1], [1, 2, 3]), null);
  });
});

describe('strategy notes', () => {
  it('groups trials by note, most common first, and says whether the best trial has one', () => {
    const trials = handTrials();
    trials.find((t) => t.number === 5)!.metrics!.notes = ['focal loss with class weights double-counts'];
    trials.find((t) => t.number === 0)!.metrics!.notes = ['oversample + class-weight double-count'];
    const m = buildReportModel(makeMeta(), trials);
    assert.deepEqual(
      m.notes.map((n) => [n.note, n.trials, n.includesBest]),
      [
        ['oversample + class-weight double-count', [0, 6], false],
        ['focal loss with class weights double-counts', [5], true],
      ],
    );
    assert.deepEqual(
      m.leaderboard.filter((r) => r.flagged).map((r) => r.trial),
      [5, 6, 0],
    );
  });
});
