/** Validation against test for every complete trial that has both; the diagonal is "no gap". */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportModel } from './build.js';
import { COLORS, CONFIG } from './chart-theme.js';

export const GAP_POINTS_NAME = 'gap_points';

export function gapSpec(model: ReportModel): TopLevelSpec {
  const gap = model.gap!;
  const name = gap.field === 'macroF1' ? 'macro-F1' : 'accuracy';
  const vals = gap.points.flatMap((p) => [p.validation, p.test]);
  const pad = 0.01;
  const lo = Math.max(0, Math.min(...vals) - pad);
  const hi = Math.min(1, Math.max(...vals) + pad);
  const domain = [lo, hi];
  const best = gap.points[0];
  const n = gap.points.length;
  const size = n > 1000 ? 12 : n > 200 ? 22 : 44;
  const x = { field: 'validation', type: 'quantitative', title: `validation ${name}`, scale: { domain, nice: false } } as const;
  const y = { field: 'test', type: 'quantitative', title: `test ${name}`, scale: { domain, nice: false } } as const;
  return {
    width: 360,
    height: 300,
    config: CONFIG,
    layer: [
      {
        data: { values: [{ a: lo, b: hi }] },
        mark: { type: 'rule', aria: false, strokeDash: [4, 4], color: COLORS.loss },
        encoding: { x: { field: 'a', type: 'quantitative', scale: { domain, nice: false } }, y: { field: 'a', type: 'quantitative', scale: { domain, nice: false } }, x2: { field: 'b' }, y2: { field: 'b' } },
      },
      {
        name: GAP_POINTS_NAME,
        data: { values: gap.points.map((p) => ({ ...p, description: `Trial ${p.trial}: validation ${p.validation.toFixed(4)}, test ${p.test.toFixed(4)}` })) },
        mark: { type: 'point', filled: true, opacity: 0.6, size, color: COLORS.trial },
        encoding: { x, y, description: { field: 'description', type: 'nominal' } },
      },
      ...(best
        ? [
            {
              data: { values: [{ ...best, label: `#${best.trial}` }] },
              layer: [
                { mark: { type: 'point', aria: false, filled: false, size: size * 4 + 60, strokeWidth: 2, color: COLORS.best }, encoding: { x, y } },
                { mark: { type: 'text', aria: false, align: 'left', dx: 10, dy: -10, fontSize: 11, fontWeight: 600, color: COLORS.best }, encoding: { x, y, text: { field: 'label' } } },
              ],
            },
          ]
        : []),
    ],
  } as unknown as TopLevelSpec;
}
