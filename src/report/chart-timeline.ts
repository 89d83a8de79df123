/** The sweep on the clock: a Gantt row per worker, a bar per trial coloured by state, and each worker's busy share. */
import type { TopLevelSpec } from 'vega-lite';
import { TRIAL_STATES } from './build.js';
import type { ReportModel } from './build.js';
import { COLORS, CONFIG, FULL_WIDTH, STATE_COLORS } from './chart-theme.js';
import { timeUnitFor } from './format.js';

export const TIMELINE_BARS_NAME = 'timeline_bars';
export const TIMELINE_BARS_CLASS = `${TIMELINE_BARS_NAME}_marks`;

const BUSY_WIDTH = 170;

export function timelineSpec(model: ReportModel): TopLevelSpec {
  const t = model.timeline;
  const { unit, divisor } = timeUnitFor(t.wallSeconds);
  const workers = t.workers.map((w) => w.worker);
  const step = workers.length <= 8 ? 30 : workers.length <= 24 ? 20 : 13;
  const bars = t.bars.map((b) => ({
    worker: b.worker,
    state: b.state,
    start: b.start / divisor,
    // Sub-pixel trials still show: at least 0.1% of the span.
    end: Math.max(b.end, b.start + t.wallSeconds / 1000) / divisor,
  }));
  const present = TRIAL_STATES.filter((s) => t.bars.some((b) => b.state === s));
  const y = { field: 'worker', type: 'nominal', sort: workers, title: null, axis: { labelLimit: 160, labelFontSize: 11.5, labelColor: COLORS.ink, domain: false, ticks: false, labelPadding: 8 } } as const;
  const yBusy = { ...y, axis: null } as const;
  const busy = t.workers.map((w) => ({ worker: w.worker, share: w.busyShare, label: `${Math.round(w.busyShare * 100)}%` }));
  return {
    config: { ...CONFIG, concat: { spacing: 16 } },
    hconcat: [
      {
        width: FULL_WIDTH - BUSY_WIDTH - 200,
        height: { step },
        layer: [
          {
            name: TIMELINE_BARS_NAME,
            data: { values: bars },
            // Rounded corners cost a long path per bar: only where bars are few.
            mark: { type: 'bar', aria: false, height: { band: 0.72 }, ...(bars.length > 400 ? {} : { cornerRadius: 2, stroke: '#ffffff', strokeWidth: 0.75 }) },
            encoding: {
              y,
              x: { field: 'start', type: 'quantitative', title: `${unit} since the first trial started`, scale: { domain: [0, t.wallSeconds / divisor], nice: false } },
              x2: { field: 'end' },
              color: {
                field: 'state',
                type: 'nominal',
                scale: { domain: present, range: present.map((s) => STATE_COLORS[s]) },
                legend: { orient: 'top', direction: 'horizontal', title: null },
              },
            },
          },
          ...(t.resumes.length
            ? [
                {
                  data: { values: t.resumes.map((r) => ({ at: r / divisor })) },
                  mark: { type: 'rule', aria: false, strokeDash: [4, 3], color: COLORS.ink, opacity: 0.55 },
                  encoding: { x: { field: 'at', type: 'quantitative' } },
                },
              ]
            : []),
        ],
      },
      {
        width: BUSY_WIDTH,
        height: { step },
        data: { values: busy },
        layer: [
          {
            mark: { type: 'bar', aria: false, height: { band: 0.5 }, color: '#e9ecf5', cornerRadius: 2 },
            encoding: { y: yBusy, x: { datum: 1, type: 'quantitative', scale: { domain: [0, 1] } } },
          },
          {
            mark: { type: 'bar', aria: false, height: { band: 0.5 }, color: COLORS.trial, cornerRadius: 2 },
            encoding: {
              y: yBusy,
              x: { field: 'share', type: 'quantitative', title: 'busy share of wall time', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 3, grid: false } },
            },
          },
          {
            mark: { type: 'text', aria: false, align: 'left', dx: 6, baseline: 'middle', fontSize: 11, fontWeight: 600, color: COLORS.ink },
            encoding: { y: yBusy, x: { datum: 1, type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as unknown as TopLevelSpec;
}
