/** The look shared by every chart of the report. */
import type { Config } from 'vega-lite';
import type { TrialState } from '../study/types.js';

export const CHART_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
export const COLORS = {
  trial: '#4f6bed',
  best: '#e8590c',
  loss: '#868e96',
  ink: '#212529',
  muted: '#6c757d',
  grid: '#edf0f3',
  axis: '#ced4da',
  faint: '#c5cbe0',
} as const;

/** The same colours as the page's state badges. */
export const STATE_COLORS: Record<TrialState, string> = {
  complete: '#2f9e44',
  pruned: '#f08c00',
  failed: '#e03131',
  running: '#1c7ed6',
  waiting: '#adb5bd',
};

export const CONFIG: Config = {
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
    domainColor: COLORS.axis,
    tickColor: COLORS.axis,
  },
  legend: { labelColor: COLORS.ink, labelFontSize: 12, titleFontSize: 12, labelLimit: 0, titleLimit: 0, orient: 'top', direction: 'horizontal', title: null },
};

/** A chart across the whole panel of a laptop-width page (the page scales SVGs down on narrower screens). */
export const FULL_WIDTH = 1100;
/** One of two charts side by side. */
export const HALF_WIDTH = 520;
export const HEIGHT = 280;
