/** Importance bars (settings, strategies) and the mean metric of each strategy choice. */
import type { TopLevelSpec } from 'vega-lite';
import type { ParamImportance } from '../analysis/importance.js';
import type { ReportModel } from './build.js';
import { COLORS, CONFIG, HALF_WIDTH } from './chart-theme.js';

export const IMPORTANCE_BARS_NAME = 'importance_bars';

/** Most bars one chart shows; the rest are listed under it. */
export const MAX_IMPORTANCE_BARS = 20;

export function importanceSpec(rows: readonly ParamImportance[], color: string, name = IMPORTANCE_BARS_NAME): TopLevelSpec {
  const values = rows.slice(0, MAX_IMPORTANCE_BARS).map((r) => ({
    key: r.key,
    importance: r.importance,
    label: r.estimable ? `${(r.importance * 100).toFixed(r.importance < 0.1 ? 1 : 0)}%` : 'too few trials',
    description: `${r.key}: ${(r.importance * 100).toFixed(1)}% of the explained variance (${(r.explained * 100).toFixed(1)}% of the metric's variance over ${r.n} trials)`,
  }));
  const y = { field: 'key', type: 'nominal', sort: values.map((v) => v.key), title: null, axis: { labelLimit: 0, labelFontSize: 11.5, labelColor: COLORS.ink, domain: false, ticks: false, labelPadding: 6 } } as const;
  const x = { field: 'importance', type: 'quantitative', title: 'share of explained variance', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } } as const;
  return {
    width: HALF_WIDTH - 250,
    height: { step: 22 },
    config: CONFIG,
    data: { values },
    layer: [
      {
        name,
        mark: { type: 'bar', color, cornerRadius: 2, height: { band: 0.7 } },
        encoding: { y, x, description: { field: 'description', type: 'nominal' } },
      },
      {
        mark: { type: 'text', aria: false, align: 'left', dx: 5, baseline: 'middle', fontSize: 11, color: COLORS.ink },
        encoding: { y, x, text: { field: 'label' } },
      },
    ],
  } as unknown as TopLevelSpec;
}

/** Mean metric per strategy choice with a 95% interval of the mean (normal approximation), trial counts beside. */
export function strategyEffectsSpec(model: ReportModel): TopLevelSpec {
  const { metric } = model.summary;
  const rows = model.importance.strategies.flatMap((s) =>
    s.groups.map((g) => {
      const half = g.n > 1 ? (1.96 * g.sd) / Math.sqrt(g.n) : 0;
      return {
        row: `${s.key} = ${g.label}`,
        strategy: s.key,
        mean: g.mean,
        lo: g.mean - half,
        hi: g.mean + half,
        n: `n=${g.n}`,
        description: `${s.key} = ${g.label}: mean ${metric} ${g.mean.toFixed(4)} over ${g.n} trials`,
      };
    }),
  );
  const y = { field: 'row', type: 'nominal', sort: rows.map((r) => r.row), title: null, axis: { labelLimit: 0, labelFontSize: 11.5, labelColor: COLORS.ink, domain: false, ticks: false, labelPadding: 6 } } as const;
  const x = { type: 'quantitative', title: `mean validation ${metric} (95% interval)`, scale: { zero: false, nice: true } } as const;
  return {
    width: HALF_WIDTH - 250,
    height: { step: 20 },
    config: CONFIG,
    data: { values: rows },
    layer: [
      { mark: { type: 'rule', aria: false, strokeWidth: 2, color: '#adb5d6' }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } },
      {
        name: 'strategy_means',
        mark: { type: 'point', filled: true, size: 60, opacity: 1, color: COLORS.trial },
        encoding: {
          y,
          x: { ...x, field: 'mean' },
          description: { field: 'description', type: 'nominal' },
        },
      },
      {
        mark: { type: 'text', aria: false, align: 'left', baseline: 'middle', dx: 8, fontSize: 10.5, color: COLORS.muted },
        encoding: { y, x: { ...x, field: 'hi' }, text: { field: 'n' } },
      },
    ],
  } as unknown as TopLevelSpec;
}
