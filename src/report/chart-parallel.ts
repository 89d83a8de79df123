/** Parallel coordinates: one line per complete trial across the searched settings, shaded by its rank. */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportModel } from './build.js';
import { NA_POSITION } from './build-parallel.js';
import { COLORS, CONFIG, FULL_WIDTH } from './chart-theme.js';

/**
 * Vega-Lite `name` of the trial lines. Lines are drawn in colour bands: one
 * SVG `path` per band in a `g.parcoords_lines_marks`, one subpath (starting
 * with `M`) per trial. A path per trial costs vega a group per trial, about a
 * second for 3,500 trials; bands keep a 5,000-trial report fast and small.
 */
export const PARALLEL_LINES_NAME = 'parcoords_lines';
export const PARALLEL_LINES_CLASS = `${PARALLEL_LINES_NAME}_marks`;
/** Colour bands over the ranks of the complete trials. */
export const PARALLEL_BANDS = 16;


/** Cut to `max` characters with an ellipsis. Done here, not by vega: without a canvas its text widths are rough guesses. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** A long setting name on two lines, split at the hyphen nearest its middle; else clipped. */
function nameLines(name: string, max: number): string[] {
  if (name.length <= max) return [name];
  const cuts = [...name.matchAll(/-/g)].map((m) => m.index! + 1).filter((i) => i < name.length);
  if (cuts.length) {
    const mid = name.length / 2;
    const at = cuts.reduce((a, b) => (Math.abs(b - mid) < Math.abs(a - mid) ? b : a));
    return [clip(name.slice(0, at), max), clip(name.slice(at), max)];
  }
  return [clip(name, max)];
}

export function parallelSpec(model: ReportModel): TopLevelSpec {
  const { axes, lines } = model.parallel;
  const n = lines.length;
  const axisIds = axes.map((a) => a.key);
  // Bands by rank, not by value: however the values bunch up, the best tenth of
  // the trials stands out from the rest. `lines` come worst first.
  const bandOf = (i: number) => (n > 1 ? Math.min(PARALLEL_BANDS - 1, Math.floor((i / (n - 1)) * PARALLEL_BANDS)) : PARALLEL_BANDS - 1);
  const rows: Array<{ axis: string; y: number | null; band: number }> = [];
  lines.forEach((l, i) => {
    const band = (bandOf(i) + 0.5) / PARALLEL_BANDS;
    l.pos.forEach((y, k) => rows.push({ axis: axisIds[k]!, y, band }));
    rows.push({ axis: axisIds[0]!, y: null, band });
  });
  const best = lines.find((l) => l.isBest);
  const bestRows = best ? best.pos.map((y, i) => ({ axis: axisIds[i]!, y })) : [];
  // Room per axis, in characters of an 11 px font (about 6.5 px each).
  const chars = Math.max(6, Math.floor((FULL_WIDTH / Math.max(1, axes.length) - 8) / 6.5));
  const ticks = axes.flatMap((a) => a.ticks.map((t) => ({ axis: a.key, y: t.pos, label: clip(t.label, chars - 1) })));
  const naLabels = axes.filter((a) => a.hasInactive).map((a) => ({ axis: a.key, y: NA_POSITION, label: 'n/a' }));
  // Headers bottom-aligned above the plot: the name (one or two lines), its group above it.
  const LINE = 13;
  const headers = axes.flatMap((a) => {
    const lines = nameLines(a.name, chars);
    const group = a.group.slice(a.group.lastIndexOf('.') + 1);
    return [
      ...lines.map((text, i) => ({ axis: a.key, role: 'name', text, py: -6 - LINE * (lines.length - 1 - i) })),
      ...(group ? [{ axis: a.key, role: 'group', text: clip(group, chars + 1), py: -6 - LINE * lines.length - 1 }] : []),
    ];
  });

  const x = { field: 'axis', type: 'ordinal', axis: null, scale: { type: 'point', domain: axisIds, padding: 0.45 } } as const;
  const y = { field: 'y', type: 'quantitative', axis: null, scale: { domain: [NA_POSITION - 0.05, 1.02], nice: false, zero: false } } as const;
  // The worse bands fade, more so the more lines there are, so the good region shows through the mass.
  const faint = n > 1000 ? 0.05 : n > 200 ? 0.15 : 0.4;
  const range = [`rgba(175, 185, 225, ${faint})`, 'rgba(79, 107, 237, 0.55)', 'rgba(28, 42, 128, 0.95)'];
  const layers: unknown[] = [
    {
      // The n/a lane, a faint band across the bottom.
      data: { values: [{ y: NA_POSITION - 0.04, y2: NA_POSITION + 0.04 }] },
      mark: { type: 'rect', aria: false, color: '#f3f4f8' },
      encoding: { y: { field: 'y', type: 'quantitative', scale: y.scale, axis: null }, y2: { field: 'y2' } },
    },
    {
      data: { values: axisIds.map((axis) => ({ axis })) },
      mark: { type: 'rule', aria: false, color: COLORS.axis, strokeWidth: 1 },
      encoding: { x, y: { datum: NA_POSITION - 0.02, type: 'quantitative', scale: y.scale, axis: null }, y2: { datum: 1.0 } },
    },
    {
      name: PARALLEL_LINES_NAME,
      data: { values: rows },
      mark: { type: 'line', aria: false, strokeWidth: n > 1000 ? 0.8 : n > 200 ? 1 : 1.5, interpolate: 'linear', invalid: 'break-paths-show-domains' },
      encoding: {
        x,
        y,
        order: { value: null },
        color: {
          field: 'band',
          type: 'quantitative',
          scale: { domain: [0, n > 200 ? 0.9 : 0.7, 1], range },
          legend: {
            orient: 'bottom',
            direction: 'horizontal',
            gradientLength: 220,
            title: 'rank among complete trials',
            titleFontWeight: 500,
            titleOrient: 'left',
            values: [0, 1],
            labelExpr: "datum.value === 0 ? 'worst' : 'best'",
          },
        },
      },
    },
    {
      name: 'parcoords_best',
      data: { values: bestRows },
      mark: { type: 'line', aria: false, strokeWidth: 3, color: COLORS.best },
      encoding: { x, y },
    },
    {
      data: { values: ticks },
      layer: [
        { mark: { type: 'tick', aria: false, orient: 'horizontal', size: 8, thickness: 1, color: '#9aa5b1' }, encoding: { x, y } },
        {
          // A white halo, so a label stays readable over the lines.
          mark: { type: 'text', aria: false, align: 'left', dx: 7, baseline: 'middle', fontSize: 10.5, color: '#ffffff', stroke: '#ffffff', strokeWidth: 3, strokeOpacity: 0.85 },
          encoding: { x, y, text: { field: 'label' } },
        },
        {
          mark: { type: 'text', aria: false, align: 'left', dx: 7, baseline: 'middle', fontSize: 10.5, color: '#3e4c59' },
          encoding: { x, y, text: { field: 'label' } },
        },
      ],
    },
    {
      data: { values: naLabels },
      mark: { type: 'text', aria: false, align: 'left', dx: 7, baseline: 'middle', fontSize: 10, fontStyle: 'italic', color: '#9aa5b1' },
      encoding: { x, y, text: { field: 'label' } },
    },
    {
      data: { values: headers },
      layer: [
        {
          transform: [{ filter: { field: 'role', equal: 'group' } }],
          mark: { type: 'text', aria: false, align: 'center', baseline: 'bottom', fontSize: 10, color: COLORS.muted },
          encoding: { x, y: { field: 'py', type: 'quantitative', scale: null }, text: { field: 'text' } },
        },
        {
          transform: [{ filter: { field: 'role', equal: 'name' } }],
          mark: { type: 'text', aria: false, align: 'center', baseline: 'bottom', fontSize: 11.5, fontWeight: 600, color: COLORS.ink },
          encoding: { x, y: { field: 'py', type: 'quantitative', scale: null }, text: { field: 'text' } },
        },
      ],
    },
  ];
  return {
    width: FULL_WIDTH,
    height: 330,
    padding: { top: 42, left: 5, right: 5, bottom: 5 },
    config: CONFIG,
    layer: layers,
  } as unknown as TopLevelSpec;
}
