/**
 * The report's charts: Vega-Lite specs (one file per chart) rendered to SVG
 * strings in Node at build time, so the page carries no chart library and
 * needs no network.
 */
import { compile, type TopLevelSpec } from 'vega-lite';
import { Error as VEGA_ERROR, logger, None, parse, View } from 'vega';
import type { ReportModel } from './build.js';
import { confusionSpec } from './chart-confusion.js';
import { curvesSpec, learningCurveSpec } from './chart-curves.js';
import { ablationSpec, confirmSpec } from './chart-followups.js';
import { gapSpec } from './chart-gap.js';
import { historySpec, historyTimeSpec } from './chart-history.js';
import { importanceSpec, strategyEffectsSpec } from './chart-importance.js';
import { parallelSpec } from './chart-parallel.js';
import { COLORS } from './chart-theme.js';
import { timelineSpec } from './chart-timeline.js';

export * from './chart-confusion.js';
export * from './chart-curves.js';
export * from './chart-followups.js';
export * from './chart-gap.js';
export * from './chart-history.js';
export * from './chart-importance.js';
export * from './chart-parallel.js';
export * from './chart-theme.js';
export * from './chart-timeline.js';

/**
 * Rounds the coordinates in path data and transforms to 2 decimals: vega
 * writes full doubles, which for thousands of marks doubles the page. Text
 * and labels are left alone.
 */
export function compactSvg(svg: string): string {
  return svg.replace(/ (d|transform)="([^"]*)"/g, (_m, attr: string, v: string) => {
    const short = v.replace(/-?\d*\.\d{3,}/g, (num) => {
      const r = Math.round(Number(num) * 100) / 100;
      return Object.is(r, -0) ? '0' : String(r);
    });
    return ` ${attr}="${short}"`;
  });
}

/** Vega-Lite to SVG, offline. Vega-Lite's warnings are dropped (they go to the console otherwise); bad specs still throw. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec, { logger: logger(None) }).spec;
  const view = new View(parse(vg), { renderer: 'none', logLevel: VEGA_ERROR });
  try {
    return compactSvg(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Chart ids, as keys of renderCharts' result and `chart-<id>` element ids in the page. */
export const CHART_IDS = [
  'history',
  'history-time',
  'parallel',
  'importance-params',
  'importance-strategies',
  'strategy-effects',
  'curves',
  'learning-curve',
  'timeline',
  'confusion-validation',
  'confusion-test',
  'val-test',
  'confirm',
  'ablation',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

/** The specs a model calls for; a chart without data is left out (the page says so in its place). */
export function chartSpecs(model: ReportModel): Partial<Record<ChartId, TopLevelSpec>> {
  const specs: Partial<Record<ChartId, TopLevelSpec>> = {};
  if (model.history.length > 0) specs.history = historySpec(model);
  if (model.historyOverTime.length > 0) specs['history-time'] = historyTimeSpec(model);
  if (model.parallel.lines.length > 0 && model.parallel.axes.length > 1) specs.parallel = parallelSpec(model);
  if (model.importance.params.some((p) => p.estimable)) specs['importance-params'] = importanceSpec(model.importance.params, COLORS.trial);
  if (model.importance.strategies.some((p) => p.estimable)) {
    specs['importance-strategies'] = importanceSpec(model.importance.strategies, '#7048e8', 'importance_strategy_bars');
  }
  if (model.importance.strategies.some((s) => s.groups.length > 0)) specs['strategy-effects'] = strategyEffectsSpec(model);
  if (model.curves.trials.length > 0) specs.curves = curvesSpec(model);
  if (model.bestCurve.length > 0) specs['learning-curve'] = learningCurveSpec(model);
  if (model.timeline.bars.length > 0) specs.timeline = timelineSpec(model);
  for (const c of model.confusion) {
    if (c.labels.length > 0) specs[`confusion-${c.split}`] = confusionSpec(c);
  }
  if (model.gap && model.gap.points.length > 0) specs['val-test'] = gapSpec(model);
  const { confirm, ablation } = model.followUps;
  if (confirm.rows.length > 0) specs.confirm = confirmSpec(confirm);
  if ([...ablation.rows, ...(ablation.baseline ? [ablation.baseline] : [])].some((r) => r.change !== null)) specs.ablation = ablationSpec(ablation);
  return specs;
}

/** Every chart the page shows, as SVG strings keyed by chart id. */
export async function renderCharts(model: ReportModel): Promise<Partial<Record<ChartId, string>>> {
  const specs = chartSpecs(model);
  const out: Partial<Record<ChartId, string>> = {};
  for (const id of CHART_IDS) {
    const spec = specs[id];
    if (spec) out[id] = await renderSvg(spec);
  }
  return out;
}
