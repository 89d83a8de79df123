/**
 * Vega-Lite specs for the report's charts, rendered to SVG strings in Node at
 * build time, so the page carries no chart library and needs no network.
 */
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { Error as VEGA_ERROR, logger, None, parse, View } from 'vega';
import type { ConfusionView, ReportModel } from './build.js';

/** Vega-Lite `name` of the history's trial points; vega writes it as the class `history_points_marks`. */
export const HISTORY_POINTS_NAME = 'history_points';
export const HISTORY_POINTS_CLASS = `${HISTORY_POINTS_NAME}_marks`;
export const CONFUSION_CELLS_NAME = 'confusion_cells';

export const CHART_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
export const COLORS = {
  trial: '#4f6bed',
  best: '#e8590c',
  loss: '#868e96',
  ink: '#212529',
  muted: '#6c757d',
  grid: '#edf0f3',
} as const;

const CONFIG: Config = {
  font: CHART_FONT,
  background: '#ffffff',
  view: { stroke: null },
  axis: {
    labelColor: COLORS.muted,
    titleColor: COLORS.ink,
    titleFontWeight: 600,
    titleFontSize: 12,
    labelFontSize: 11,
    gridColor: COLORS.grid,
    domainColor: '#ced4da',
    tickColor: '#ced4da',
  },
  legend: { labelColor: COLORS.ink, labelFontSize: 12, titleFontSize: 12, labelLimit: 0, titleLimit: 0, orient: 'top', direction: 'horizontal', title: null },
};

/** Sized to fill a laptop-width panel; the page scales the SVG down on narrower screens. */
const WIDTH = 1040;
const HEIGHT = 300;

export function historySpec(model: ReportModel): TopLevelSpec {
  const { metric } = model.summary;
  const n = model.history.length;
  const values = model.history.map((p) => ({
    ...p,
    description: `Trial ${p.trial}: ${metric} ${p.value.toFixed(4)}, best so far ${p.bestSoFar.toFixed(4)}`,
  }));
  const best = model.summary.bestTrial;
  // Small marks when thousands of trials share the plot.
  const pointSize = n > 1000 ? 10 : n > 200 ? 22 : 48;
  const x = { field: 'trial', type: 'quantitative', title: 'Trial #', axis: { format: 'd', tickMinStep: 1 }, scale: { nice: false, zero: false, padding: 8 } } as const;
  const color = {
    type: 'nominal',
    scale: { domain: ['trial value', 'best so far'], range: [COLORS.trial, COLORS.best] },
  } as const;
  return {
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: [
      {
        name: 'history_best',
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5 },
        encoding: {
          x,
          y: { field: 'bestSoFar', type: 'quantitative' },
          color: { ...color, datum: 'best so far' },
        },
      },
      {
        name: HISTORY_POINTS_NAME,
        mark: { type: 'point', filled: true, opacity: 0.7, size: pointSize },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false, nice: true } },
          color: { ...color, datum: 'trial value' },
          description: { field: 'description', type: 'nominal' },
        },
      },
      {
        name: 'history_best_ring',
        transform: [{ filter: { field: 'trial', equal: best ?? Number.NaN } }],
        mark: { type: 'point', aria: false, filled: false, size: pointSize * 4 + 60, strokeWidth: 2, color: COLORS.best },
        encoding: { x, y: { field: 'value', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

export function learningCurveSpec(model: ReportModel): TopLevelSpec {
  const { metric } = model.summary;
  const values = model.bestCurve.map((e) => ({ epoch: e.epoch, value: e.value, loss: e.loss }));
  const x = { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { format: 'd', tickMinStep: 1 }, scale: { zero: false, nice: false, padding: 10 } } as const;
  const color = {
    type: 'nominal',
    scale: { domain: [`validation ${metric}`, 'loss'], range: [COLORS.trial, COLORS.loss] },
  } as const;
  const layers: unknown[] = [
    {
      name: 'curve_value',
      mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth: 2.5 },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: `validation ${metric}`, scale: { zero: false }, axis: { titleColor: COLORS.trial } },
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
  if (model.best) {
    // Label on the side with room: right of the rule early on, left of it late.
    const epochs = values.map((v) => v.epoch);
    const mid = (Math.min(...epochs) + Math.max(...epochs)) / 2;
    const left = model.best.bestEpoch > mid;
    layers.push({
      name: 'curve_best_epoch',
      data: { values: [{ epoch: model.best.bestEpoch, label: `best epoch ${model.best.bestEpoch}` }] },
      layer: [
        { mark: { type: 'rule', aria: false, strokeDash: [2, 3], color: COLORS.best }, encoding: { x } },
        {
          mark: { type: 'text', aria: false, align: left ? 'right' : 'left', baseline: 'top', dx: left ? -6 : 6, y: 4, color: COLORS.best, fontSize: 11 },
          encoding: { x, text: { field: 'label' } },
        },
      ],
    });
  }
  return {
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: layers,
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

export function confusionSpec(view: ConfusionView): TopLevelSpec {
  const cells: Array<{ actual: string; predicted: string; count: number; share: number; description: string }> = [];
  view.matrix.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const actual = view.labels[i] ?? String(i);
      const predicted = view.labels[j] ?? String(j);
      const share = total > 0 ? count / total : 0;
      cells.push({ actual, predicted, count, share, description: `true ${actual}, predicted ${predicted}: ${count}` });
    });
  });
  const k = view.labels.length;
  const step = k <= 4 ? 72 : k <= 8 ? 52 : k <= 16 ? 34 : 22;
  const sort = [...view.labels];
  return {
    width: { step },
    height: { step },
    config: { ...CONFIG, axis: { ...CONFIG.axis, grid: false, domain: false, ticks: false, labelLimit: 160 } },
    data: { values: cells },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort,
        title: 'Predicted',
        // Few classes: labels flat, cut to the cell width (the per-class table has them in full).
        axis: k <= 8 ? { orient: 'top', labelAngle: 0, labelLimit: step - 6 } : { orient: 'top', labelAngle: -45, labelLimit: 120 },
      },
      y: { field: 'actual', type: 'nominal', sort, title: 'True' },
    },
    layer: [
      {
        name: CONFUSION_CELLS_NAME,
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 2, cornerRadius: 2 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'row share',
            scale: { domain: [0, 1], range: ['#f1f3f9', '#4f6bed', '#1c2a80'] },
            legend: { orient: 'right', direction: 'vertical', format: '.0%', gradientLength: Math.max(80, Math.min(220, step * k)) },
          },
          description: { field: 'description', type: 'nominal' },
        },
      },
      ...(k <= 24
        ? [
            {
              mark: { type: 'text', aria: false, fontSize: k <= 8 ? 13 : 10, fontWeight: 600 },
              encoding: {
                text: { field: 'count', type: 'quantitative', format: ',d' },
                color: { condition: { test: 'datum.share > 0.5', value: '#ffffff' }, value: COLORS.ink },
              },
            },
          ]
        : []),
    ],
  } as TopLevelSpec;
}

/** Vega-Lite to SVG, offline. Vega-Lite's warnings are dropped (they go to the console otherwise); bad specs still throw. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec, { logger: logger(None) }).spec;
  const view = new View(parse(vg), { renderer: 'none', logLevel: VEGA_ERROR });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Every chart the page shows, as SVG strings keyed by chart id:
 * `history`, `learningCurve`, `confusion-validation`, `confusion-test`.
 * A chart without data is left out; the page says so in its place.
 */
export async function renderCharts(model: ReportModel): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (model.history.length > 0) out.history = await renderSvg(historySpec(model));
  if (model.bestCurve.length > 0) out.learningCurve = await renderSvg(learningCurveSpec(model));
  for (const c of model.confusion) {
    if (c.labels.length > 0) out[`confusion-${c.split}`] = await renderSvg(confusionSpec(c));
  }
  return out;
}
