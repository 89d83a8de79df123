/** Interval dot plots for the follow-ups: each strategy's paired change (ablate), each top trial's mean over seeds (confirm). */
import type { TopLevelSpec } from 'vega-lite';
import type { AblationView, AblationVerdict, ConfirmView } from './build-followups.js';
import { COLORS, CONFIG, HALF_WIDTH } from './chart-theme.js';

export const ABLATION_POINTS_NAME = 'ablation_points';
export const CONFIRM_MEANS_NAME = 'confirm_means';
export const CONFIRM_SWEEP_NAME = 'confirm_sweep';
/** The classes vega gives those layers' mark groups in the SVG. */
export const ABLATION_POINTS_CLASS = `${ABLATION_POINTS_NAME}_marks`;
export const CONFIRM_MEANS_CLASS = `${CONFIRM_MEANS_NAME}_marks`;
export const CONFIRM_SWEEP_CLASS = `${CONFIRM_SWEEP_NAME}_marks`;

export const VERDICT_LABELS: Record<AblationVerdict, string> = {
  helps: 'matters: it helps',
  hurts: 'matters: it hurts',
  'not-distinguishable': 'not distinguishable from 0',
  'no-interval': 'no interval',
  failed: 'failed',
};
const VERDICT_COLORS: Record<AblationVerdict, string> = {
  helps: '#2f9e44',
  hurts: '#e03131',
  'not-distinguishable': '#868e96',
  'no-interval': '#adb5bd',
  failed: '#adb5bd',
};

const f4 = (v: number) => v.toFixed(4);
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;

const axisY = { labelLimit: 0, labelFontSize: 11.5, labelColor: COLORS.ink, domain: false, ticks: false, labelPadding: 6 } as const;

/** One point per strategy removed (and the default recipe) at its mean paired change, its interval as a line, 0 marked. */
export function ablationSpec(view: AblationView): TopLevelSpec {
  const level = Math.round(view.level * 100);
  const all = [...view.rows, ...(view.baseline ? [view.baseline] : [])].filter((r) => r.change !== null);
  const values = all.map((r) => ({
    row: r.label,
    mean: r.change!.mean,
    lo: r.change!.low,
    hi: r.change!.high,
    verdict: VERDICT_LABELS[r.verdict],
    description: `${r.label} removed: change ${signed(r.change!.mean)}, ${level}% interval ${signed(r.change!.low)} to ${signed(r.change!.high)} over ${r.change!.n} seeds (${r.verdictText})`,
  }));
  const verdicts = (Object.keys(VERDICT_LABELS) as AblationVerdict[]).filter((v) => all.some((r) => r.verdict === v));
  const y = { field: 'row', type: 'nominal', sort: values.map((v) => v.row), title: null, axis: axisY } as const;
  const x = { type: 'quantitative', title: `change of validation ${view.metric} without it (${level}% paired interval)`, scale: { zero: true, nice: true } } as const;
  return {
    width: HALF_WIDTH,
    height: { step: 24 },
    config: CONFIG,
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', aria: false, strokeDash: [4, 3], color: COLORS.loss },
        encoding: { x: { ...x, field: 'zero' } },
      },
      {
        data: { values },
        layer: [
          { mark: { type: 'rule', aria: false, strokeWidth: 2, color: '#adb5d6' }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } },
          {
            name: ABLATION_POINTS_NAME,
            mark: { type: 'point', filled: true, size: 70, opacity: 1 },
            encoding: {
              y,
              x: { ...x, field: 'mean' },
              color: { field: 'verdict', type: 'nominal', scale: { domain: verdicts.map((v) => VERDICT_LABELS[v]), range: verdicts.map((v) => VERDICT_COLORS[v]) } },
              description: { field: 'description', type: 'nominal' },
            },
          },
        ],
      },
    ],
  } as unknown as TopLevelSpec;
}

/** The top trials by their mean over seeds (interval as a line), each with its single run in the sweep beside it. */
export function confirmSpec(view: ConfirmView): TopLevelSpec {
  const level = Math.round(view.level * 100);
  const MEAN = `mean over ${view.seeds} seeds`;
  const SWEEP = 'single run in the sweep';
  const rowName = (t: number) => `trial #${t}`;
  const withSummary = view.rows.filter((r) => r.summary !== null);
  const means = withSummary.map((r) => ({
    row: rowName(r.trial),
    x: r.summary!.mean,
    lo: r.summary!.low,
    hi: r.summary!.high,
    kind: MEAN,
    role: r.isWinner ? 'confirmed winner' : 'other',
    description: `Trial ${r.trial}: mean ${f4(r.summary!.mean)} over ${r.summary!.n} seeds, ${level}% interval ${f4(r.summary!.low)} to ${f4(r.summary!.high)}; rank ${r.rank} (was ${r.originalRank} in the sweep)`,
  }));
  const sweep = view.rows.map((r) => ({ row: rowName(r.trial), x: r.value, kind: SWEEP, description: `Trial ${r.trial}: ${f4(r.value)} in its single run of the sweep (rank ${r.originalRank})` }));
  const y = { field: 'row', type: 'nominal', sort: view.rows.map((r) => rowName(r.trial)), title: null, axis: axisY } as const;
  const x = { field: 'x', type: 'quantitative', title: `validation ${view.metric}`, scale: { zero: false, nice: true } } as const;
  // no shape legend: vega-lite would draw both entries with the first layer's hollow style; the caption names the symbols
  const shape = { field: 'kind', type: 'nominal', scale: { domain: [MEAN, SWEEP], range: ['circle', 'diamond'] }, legend: null } as const;
  return {
    width: HALF_WIDTH,
    height: { step: 26 },
    config: CONFIG,
    layer: [
      { data: { values: means }, mark: { type: 'rule', aria: false, strokeWidth: 2, color: '#adb5d6' }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } },
      {
        name: CONFIRM_SWEEP_NAME,
        data: { values: sweep },
        mark: { type: 'point', filled: false, size: 70, strokeWidth: 1.5, color: COLORS.muted },
        encoding: { y, x, shape, description: { field: 'description', type: 'nominal' } },
      },
      {
        name: CONFIRM_MEANS_NAME,
        data: { values: means },
        mark: { type: 'point', filled: true, size: 80, opacity: 1 },
        encoding: {
          y,
          x,
          shape,
          color: { field: 'role', type: 'nominal', scale: { domain: ['confirmed winner', 'other'], range: [COLORS.best, COLORS.trial] }, title: null },
          description: { field: 'description', type: 'nominal' },
        },
      },
    ],
  } as unknown as TopLevelSpec;
}
