/** Small HTML pieces that every section uses. Every value from the study goes through `esc`. */
import type { ParamValue, TrialState } from '../study/types.js';
import { escapeHtml, formatParam } from './format.js';

export const esc = escapeHtml;

export function badge(state: TrialState): string {
  return `<span class="badge st-${esc(state)}">${esc(state)}</span>`;
}

/** `label`, `value` and `sub` are HTML: callers escape what came from the study. */
export function card(label: string, value: string, sub = '', extraClass = ''): string {
  return `<div class="card ${extraClass}"><div class="card-label">${label}</div><div class="card-value">${value}</div>${sub ? `<div class="card-sub">${sub}</div>` : ''}</div>`;
}

/** `title`, `body` and `lead` are HTML. */
export function section(id: string, title: string, body: string, lead = ''): string {
  return `<section id="${id}" class="panel"><h2>${title}</h2>${lead ? `<p class="lead">${lead}</p>` : ''}${body}</section>`;
}

export function emptyNote(text: string): string {
  return `<p class="empty">${esc(text)}</p>`;
}

/** A note under a chart or table: HTML. */
export function note(html: string): string {
  return `<p class="note">${html}</p>`;
}

export function chart(id: string, svg: string | undefined, what: string, emptyText?: string): string {
  // The SVG is vega's own output, which escapes every text and attribute value it writes.
  return svg
    ? `<figure class="chart" id="chart-${id}" role="img" aria-label="${esc(what)}">${svg}</figure>`
    : emptyNote(emptyText ?? `No data for the ${what} yet.`);
}

/** A titled chart, for grids of two. */
export function figure(title: string, body: string): string {
  return `<div class="fig"><h3>${title}</h3>${body}</div>`;
}

/** The last two segments of a dotted key, enough to tell settings apart in a chip. */
export function shortKey(key: string): string {
  const parts = key.split('.');
  return parts.length <= 2 ? key : parts.slice(-2).join('.');
}

export function paramChips(params: ReadonlyArray<{ key: string; value: ParamValue }>): string {
  return params
    .map((p) => `<span class="chip" title="${esc(p.key)}"><span class="chip-k">${esc(shortKey(p.key))}</span>${esc(formatParam(p.value))}</span>`)
    .join('');
}

/** "#3, #7, … 12 more": trial numbers, capped. */
export function trialList(trials: readonly number[], max = 30): string {
  return trials.slice(0, max).map((t) => `#${esc(t)}`).join(', ') + (trials.length > max ? `, … ${trials.length - max} more` : '');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
