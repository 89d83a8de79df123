/** Learning curves: every shown trial's value per epoch, pruned ones marked where they stopped; and the best trial's value and loss. */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportModel } from './build.js';
import { COLORS, CONFIG, HALF_WIDTH, HEIGHT, STATE_COLORS } from './chart-theme.js';

export const CURVES_LINES_NAME = 'curves_lines';
export const CURVES_STOPS_NAME = 'curves_pruned_stops';
export const CURVES_STOPS_CLASS = `${CURVES_STOPS_NAME}_marks`;
export const CURVES_PROMOTIONS_NAME = 'curves_promotions';
export const CURVES_PROMOTIONS_CLASS = `${CURVES_PROMOTIONS_NAME}_marks`;
export const CURVES_RUNGS_NAME = 'curves_rungs';

const KIND_DOMAIN = ['complete', 'pruned', 'other', 'best trial'];

export function curvesSpec(model: ReportModel): TopLevelSpec {
  const { metric } = model.summary;
  const shown = model.curves.trials;
  const kind = (c: (typeof shown)[number]) => (c.rank !== null ? 'complete' : c.state === 'pruned' ? 'pruned' : 'other');
  const rows = shown.filter((c) => !c.isBest).flatMap((c) => c.points.map((p) => ({ trial: c.trial, epoch: p.epoch, value: p.value, kind: kind(c) })));
  const best = shown.find((c) => c.isBest);
  const bestRows = best ? best.points.map((p) => ({ epoch: p.epoch, value: p.value, kind: 'best trial' })) : [];
  const bestEnd = best ? [{ ...best.points[best.points.length - 1]!, label: `best #${best.trial}` }] : [];
  const stops = shown
    .filter((c) => c.stop)
    .map((c) => ({ trial: c.trial, epoch: c.stop!.epoch, value: c.stop!.value, description: `Trial ${c.trial} pruned after epoch ${c.stop!.epoch} at ${c.stop!.value.toFixed(4)}` }));
  const promotions = shown.flatMap((c) => c.promotions.map((p) => ({ trial: c.trial, epoch: p.epoch, value: p.value, description: `Trial ${c.trial} passed the rung at epoch ${p.epoch} with ${p.value.toFixed(4)} and trained on` })));
  const rungs = model.curves.rungs.map((epoch) => ({ epoch, label: `rung ${epoch}` }));
  const present = new Set([...rows.map((r) => r.kind), ...(best ? ['best trial'] : [])]);
  const domain = KIND_DOMAIN.filter((k) => present.has(k));
  const rangeOf: Record<string, string> = { complete: COLORS.trial, pruned: '#c4a36a', other: '#adb5bd', 'best trial': COLORS.best };
  const color = { field: 'kind', type: 'nominal', scale: { domain, range: domain.map((k) => rangeOf[k]!) }, legend: { orient: 'top', direction: 'horizontal', title: null } } as const;
  const x = { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { format: 'd', tickMinStep: 1 }, scale: { zero: false, nice: false, padding: 8 } } as const;
  const y = { field: 'value', type: 'quantitative', title: `validation ${metric}`, scale: { zero: false, nice: true } } as const;
  const many = shown.length > 40;
  return {
    width: HALF_WIDTH,
    height: HEIGHT,
    config: CONFIG,
    layer: [
      {
        // the scheduler's rungs: where trials were judged
        name: CURVES_RUNGS_NAME,
        data: { values: rungs },
        mark: { type: 'rule', aria: false, strokeDash: [3, 3], color: COLORS.ink, opacity: 0.35 },
        encoding: { x },
      },
      {
        name: CURVES_LINES_NAME,
        data: { values: rows },
        mark: { type: 'line', aria: false, strokeWidth: many ? 1 : 1.5, opacity: many ? 0.45 : 0.7 },
        encoding: { x, y, detail: { field: 'trial', type: 'nominal' }, color },
      },
      {
        name: CURVES_STOPS_NAME,
        data: { values: stops },
        // A thin ✕ drawn as a path: vega's filled 'cross' reads as a blob at this size.
        mark: { type: 'point', shape: 'M-1,-1L1,1M-1,1L1,-1', filled: false, strokeWidth: 1.75, size: many ? 30 : 48, color: STATE_COLORS.pruned, opacity: 1 },
        encoding: { x, y, description: { field: 'description', type: 'nominal' } },
      },
      {
        name: CURVES_PROMOTIONS_NAME,
        data: { values: promotions },
        mark: { type: 'point', shape: 'triangle-up', filled: true, size: many ? 22 : 36, color: STATE_COLORS.complete, opacity: 0.9 },
        encoding: { x, y, description: { field: 'description', type: 'nominal' } },
      },
      {
        name: 'curves_best',
        data: { values: bestRows },
        mark: { type: 'line', aria: false, strokeWidth: 3, point: { filled: true, size: 36 } },
        encoding: { x, y, color },
      },
      {
        data: { values: bestEnd },
        mark: { type: 'text', aria: false, align: 'left', dx: 8, dy: -8, fontSize: 11, fontWeight: 600, color: COLORS.best },
        encoding: { x, y, text: { field: 'label' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

export function learningCurveSpec(model: ReportModel): TopLevelSpec {
  const { metric } = model.summary;
  const values = model.bestCurve.map((e) => ({ epoch: e.epoch, value: e.value, loss: e.loss }));
  const x = { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { format: 'd', tickMinStep: 1 }, scale: { zero: false, nice: false, padding: 10 } } as const;
  const color = {
    type: 'nominal',
    scale: { domain: [`validation ${metric}`, 'loss'], range: [COLORS.best, COLORS.loss] },
  } as const;
  const layers: unknown[] = [
    {
      name: 'curve_value',
      mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2.5 },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: `validation ${metric}`, scale: { zero: false }, axis: { titleColor: COLORS.best } },
        color: { ...color, datum: `validation ${metric}` },
      },
    },
    {
      name: 'curve_loss',
      mark: { type: 'line', point: { size: 30 }, strokeWidth: 2, strokeDash: [5, 3] },
      encoding: {
        x,
        y: { field: 'loss', type: 'quantitative', title: 'loss', scale: { zero: false }, axis: { orient: 'right', titleColor: COLORS.loss, grid: false } },
        color: { ...color, datum: 'loss' },
      },
    },
  ];
  if (model.best && values.length > 0) {
    // Label on the side with room: right of the rule early on, left of it late.
    const epochs = values.map((v) => v.epoch);
    const mid = (Math.min(...epochs) + Math.max(...epochs)) / 2;
    const left = model.best.bestEpoch > mid;
    layers.push({
      name: 'curve_best_epoch',
      data: { values: [{ epoch: model.best.bestEpoch, label: `kept epoch ${model.best.bestEpoch}` }] },
      layer: [
        { mark: { type: 'rule', aria: false, strokeDash: [2, 3], color: COLORS.ink, opacity: 0.6 }, encoding: { x } },
        {
          mark: { type: 'text', aria: false, align: left ? 'right' : 'left', baseline: 'top', dx: left ? -6 : 6, y: 4, color: COLORS.ink, fontSize: 11 },
          encoding: { x, text: { field: 'label' } },
        },
      ],
    });
  }
  return {
    width: HALF_WIDTH - 40,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: layers,
    resolve: { scale: { y: 'independent' } },
  } as unknown as TopLevelSpec;
}
