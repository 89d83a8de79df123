/** Optimisation history: every complete trial's value and the best so far, by trial number and over wall-clock time. */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportModel } from './build.js';
import { COLORS, CONFIG, HALF_WIDTH, HEIGHT } from './chart-theme.js';
import { timeUnitFor } from './format.js';

/** Vega-Lite `name` of the history's trial points; vega writes it as the class `history_points_marks`. */
export const HISTORY_POINTS_NAME = 'history_points';
export const HISTORY_POINTS_CLASS = `${HISTORY_POINTS_NAME}_marks`;
export const HISTORY_TIME_POINTS_NAME = 'history_time_points';
export const HISTORY_TIME_POINTS_CLASS = `${HISTORY_TIME_POINTS_NAME}_marks`;

/** Small marks when thousands of trials share the plot. */
function pointSize(n: number): number {
  return n > 1000 ? 10 : n > 200 ? 22 : 44;
}

const COLOR = {
  type: 'nominal',
  scale: { domain: ['trial value', 'best so far'], range: [COLORS.trial, COLORS.best] },
} as const;

interface Row {
  x: number;
  trial: number;
  value: number;
  bestSoFar: number;
  description: string;
}

function historyLayers(rows: Row[], x: Record<string, unknown>, metric: string, pointsName: string, best: number | null): unknown[] {
  const size = pointSize(rows.length);
  return [
    {
      name: `${pointsName}_best`,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2.5 },
      encoding: { x, y: { field: 'bestSoFar', type: 'quantitative' }, color: { ...COLOR, datum: 'best so far' } },
    },
    {
      name: pointsName,
      mark: { type: 'point', filled: true, opacity: 0.7, size },
      encoding: {
        x,
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false, nice: true } },
        color: { ...COLOR, datum: 'trial value' },
        description: { field: 'description', type: 'nominal' },
      },
    },
    {
      name: `${pointsName}_ring`,
      transform: [{ filter: { field: 'trial', equal: best ?? Number.NaN } }],
      mark: { type: 'point', aria: false, filled: false, size: size * 4 + 60, strokeWidth: 2, color: COLORS.best },
      encoding: { x, y: { field: 'value', type: 'quantitative' } },
    },
  ];
}

export function historySpec(model: ReportModel): TopLevelSpec {
  const { metric } = model.summary;
  const values: Row[] = model.history.map((p) => ({
    x: p.trial,
    trial: p.trial,
    value: p.value,
    bestSoFar: p.bestSoFar,
    description: `Trial ${p.trial}: ${metric} ${p.value.toFixed(4)}, best so far ${p.bestSoFar.toFixed(4)}`,
  }));
  const x = { field: 'x', type: 'quantitative', title: 'Trial #', axis: { format: 'd', tickMinStep: 1 }, scale: { nice: false, zero: false, padding: 8 } };
  return {
    width: HALF_WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: historyLayers(values, x, metric, HISTORY_POINTS_NAME, model.summary.bestTrial),
  } as unknown as TopLevelSpec;
}

export function historyTimeSpec(model: ReportModel): TopLevelSpec {
  const { metric } = model.summary;
  const span = model.historyOverTime.length ? model.historyOverTime[model.historyOverTime.length - 1]!.elapsed : 0;
  const { unit, divisor } = timeUnitFor(Math.max(span, model.timeline.wallSeconds));
  const values: Row[] = model.historyOverTime.map((p) => ({
    x: p.elapsed / divisor,
    trial: p.trial,
    value: p.value,
    bestSoFar: p.bestSoFar,
    description: `Trial ${p.trial} finished after ${(p.elapsed / divisor).toFixed(1)} ${unit}: ${metric} ${p.value.toFixed(4)}, best so far ${p.bestSoFar.toFixed(4)}`,
  }));
  const x = { field: 'x', type: 'quantitative', title: `${unit} since the first trial started`, scale: { nice: false, zero: true, padding: 8 } };
  return {
    width: HALF_WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    layer: historyLayers(values, x, metric, HISTORY_TIME_POINTS_NAME, model.summary.bestTrial),
  } as unknown as TopLevelSpec;
}
