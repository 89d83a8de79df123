/** The best trial's confusion matrix as a heat map: colour is the share of the true class. */
import type { TopLevelSpec } from 'vega-lite';
import type { ConfusionView } from './build.js';
import { COLORS, CONFIG } from './chart-theme.js';

export const CONFUSION_CELLS_NAME = 'confusion_cells';

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
  } as unknown as TopLevelSpec;
}
