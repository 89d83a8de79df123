/**
 * The report page: one self-contained HTML string. Inline CSS, the charts as
 * inline SVG, one small script that sorts the leaderboard, no external URL.
 * Everything that comes from the study (names, labels, params, errors) goes
 * through escapeHtml; a Content-Security-Policy that admits only the page's
 * own script is a second line of defence.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { ParamValue, TrialState } from '../study/types.js';
import type { ConfusionView, LeaderboardRow, ReportModel } from './build.js';
import { TRIAL_STATES } from './build.js';

/** Section ids, in page order; tests and links rely on them. */
export const SECTION_IDS = ['summary', 'history', 'leaderboard', 'best-recipe', 'learning-curve', 'confusion', 'failures'] as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in text and in quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const esc = escapeHtml;

// ---------------------------------------------------------------- formatting

export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

export function formatInt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.round(v).toLocaleString('en-US');
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} m`;
  return `${Math.floor(s / 86400)} d ${pad(Math.floor((s % 86400) / 3600))} h`;
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS UTC`; anything unparseable as given. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}

export function formatParam(v: ParamValue): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

// ---------------------------------------------------------------- pieces

const STATE_LABEL: Record<TrialState, string> = {
  complete: 'complete',
  pruned: 'pruned',
  failed: 'failed',
  running: 'running',
  waiting: 'waiting',
};

function badge(state: TrialState): string {
  return `<span class="badge st-${esc(state)}">${esc(STATE_LABEL[state] ?? state)}</span>`;
}

function card(label: string, value: string, sub = '', extraClass = ''): string {
  return `<div class="card ${extraClass}"><div class="card-label">${label}</div><div class="card-value">${value}</div>${sub ? `<div class="card-sub">${sub}</div>` : ''}</div>`;
}

function section(id: string, title: string, body: string, lead = ''): string {
  return `<section id="${id}" class="panel"><h2>${title}</h2>${lead ? `<p class="lead">${lead}</p>` : ''}${body}</section>`;
}

function emptyNote(text: string): string {
  return `<p class="empty">${esc(text)}</p>`;
}

function chart(id: string, svg: string | undefined, what: string): string {
  // The SVG is vega's own output, which escapes every text and attribute value it writes.
  return svg ? `<figure class="chart" id="chart-${id}" role="img" aria-label="${esc(what)}">${svg}</figure>` : emptyNote(`No data for the ${what} yet.`);
}

function paramChips(params: ReadonlyArray<{ key: string; value: ParamValue }>): string {
  return params
    .map((p) => `<span class="chip" title="${esc(p.key)}"><span class="chip-k">${esc(shortKey(p.key))}</span>${esc(formatParam(p.value))}</span>`)
    .join('');
}

/** The last two segments of a dotted key, enough to tell settings apart in a chip. */
function shortKey(key: string): string {
  const parts = key.split('.');
  return parts.length <= 2 ? key : parts.slice(-2).join('.');
}

// ---------------------------------------------------------------- sections

function summarySection(model: ReportModel): string {
  const s = model.summary;
  const total = s.totalTrials;
  const segments = TRIAL_STATES.filter((st) => s.byState[st] > 0)
    .map((st) => `<span class="seg st-${st}" style="flex-grow:${s.byState[st]}" title="${st}: ${s.byState[st]}"></span>`)
    .join('');
  const legend = TRIAL_STATES.filter((st) => s.byState[st] > 0)
    .map((st) => `<span class="legend-item"><span class="dot st-${st}"></span>${formatInt(s.byState[st])} ${st}</span>`)
    .join('');
  const sizes = [`train ${formatInt(s.sizes.train)}`, `validation ${formatInt(s.sizes.validation)}`];
  if (s.sizes.test !== undefined) sizes.push(`test ${formatInt(s.sizes.test)}`);
  const bestValue = s.bestValue === null ? '—' : formatNumber(s.bestValue);
  const cards = [
    card(
      `Best ${esc(s.metric)}`,
      bestValue,
      s.bestTrial === null ? 'no complete trial yet' : `trial #${esc(s.bestTrial)} · ${esc(s.direction)}`,
      'card-best',
    ),
    card(
      'Trials',
      `${formatInt(total)}<span class="of"> / ${formatInt(s.plannedTrials)}</span>`,
      `<div class="statebar">${segments}</div><div class="legend">${legend}</div>`,
    ),
    card('Wall time', formatDuration(s.wallTimeSeconds), `${formatDuration(s.computeSeconds)} of training, summed over trials`),
    card(
      'Sampler · scheduler',
      `${esc(s.sampler)}<span class="of"> · </span>${esc(s.scheduler)}`,
      `${formatInt(s.workers)} worker${s.workers === 1 ? '' : 's'} · backend ${esc(s.backend)}`,
    ),
    card('Data', `${formatInt(s.sizes.train + s.sizes.validation + (s.sizes.test ?? 0))}<span class="of"> rows</span>`, esc(sizes.join(' · '))),
  ].join('');

  const labels = s.labels.map((l) => `<span class="chip label-chip">${esc(l)}</span>`).join('');
  const sources = s.sources.length
    ? s.sources.map((src) => `<div><span class="k">${esc(src.name)}</span> <code>${esc(src.path)}</code></div>`).join('')
    : '—';
  const rows: Array<[string, string]> = [
    ['Labels', `<div class="chips">${labels || '—'}</div>`],
    ['Data sources', sources],
    ['Fingerprint', `<code class="fp" title="${esc(s.fingerprint)}">${esc(s.fingerprint)}</code>`],
    ['Space file', `<code>${esc(s.spaceFile)}</code>`],
    ['Seed', esc(s.seed)],
    ['Trials ran', `${esc(formatTime(s.firstStart))} → ${esc(formatTime(s.lastFinish))}`],
    ['Study created', `${esc(formatTime(s.createdAt))} · ${formatInt(s.runs)} run${s.runs === 1 ? '' : 's'} · hybridtune ${esc(s.hybridtuneVersion)}`],
    ['End reason', s.endReason === null ? '<span class="muted">still running, or not recorded</span>' : esc(s.endReason)],
  ];
  const details = `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
  return section('summary', 'Summary', `<div class="cards">${cards}</div>${details}`);
}

const LEADERBOARD_COLUMNS: Array<{ title: string; type: 'num' | 'text'; cls?: string }> = [
  { title: 'Rank', type: 'num', cls: 'num' },
  { title: 'Trial #', type: 'num', cls: 'num' },
  { title: 'State', type: 'text' },
  { title: 'Value', type: 'num', cls: 'num' },
  { title: 'Accuracy', type: 'num', cls: 'num' },
  { title: 'Macro-F1', type: 'num', cls: 'num' },
  { title: 'Best epoch', type: 'num', cls: 'num' },
  { title: 'Duration', type: 'num', cls: 'num' },
];

function numCell(v: number | null, text: string): string {
  return `<td class="num" data-v="${v === null || !Number.isFinite(v) ? '' : v}">${text}</td>`;
}

/** The varying params as columns: numeric ones sort as numbers. */
function keyParamColumns(model: ReportModel): Array<{ key: string; numeric: boolean }> {
  return model.keyParamNames.map((key) => ({
    key,
    numeric: model.leaderboard.every((r) => r.keyParams.every((p) => p.key !== key || typeof p.value === 'number')),
  }));
}

function paramCell(value: ParamValue | undefined, numeric: boolean): string {
  if (value === undefined) return `<td class="pv${numeric ? ' num' : ''}" data-v="">—</td>`;
  return `<td class="pv${numeric ? ' num' : ''}" data-v="${esc(typeof value === 'number' ? value : String(value))}">${esc(formatParam(value))}</td>`;
}

function leaderboardRow(r: LeaderboardRow, bestTrial: number | null, columns: ReadonlyArray<{ key: string; numeric: boolean }>): string {
  const valueText = r.value === null ? '—' : r.rank === null ? `<span class="muted" title="last reported value">${formatNumber(r.value)}</span>` : formatNumber(r.value);
  const cls = [r.trial === bestTrial ? 'is-best' : '', r.rank === null ? 'is-stopped' : ''].filter(Boolean).join(' ');
  const params = new Map(r.keyParams.map((p) => [p.key, p.value]));
  return (
    `<tr data-trial="${esc(r.trial)}"${cls ? ` class="${cls}"` : ''}>` +
    numCell(r.rank, r.rank === null ? '—' : esc(r.rank)) +
    numCell(r.trial, esc(r.trial)) +
    `<td data-v="${esc(r.state)}">${badge(r.state)}</td>` +
    numCell(r.value, valueText) +
    numCell(r.accuracy, formatNumber(r.accuracy)) +
    numCell(r.macroF1, formatNumber(r.macroF1)) +
    numCell(r.bestEpoch, r.bestEpoch === null ? `<span class="muted" title="epochs reported">${r.epochs ? `${esc(r.epochs)} ep.` : '—'}</span>` : esc(r.bestEpoch)) +
    numCell(r.duration, formatDuration(r.duration)) +
    columns.map((c) => paramCell(params.get(c.key), c.numeric)).join('') +
    `<td class="notes" data-v="${esc(r.reason ?? '')}">${r.reason === null ? '' : `<div class="reason" title="${esc(r.reason)}">${esc(r.reason)}</div>`}</td>` +
    '</tr>'
  );
}

function sortHeader(title: string, type: 'num' | 'text', cls: string, first: boolean, tooltip?: string): string {
  return (
    `<th scope="col" data-type="${type}"${cls ? ` class="${cls}"` : ''}${first ? ' aria-sort="ascending"' : ''}${tooltip ? ` title="${esc(tooltip)}"` : ''}>` +
    `<button type="button">${title}</button></th>`
  );
}

function leaderboardSection(model: ReportModel): string {
  if (model.leaderboard.length === 0) return section('leaderboard', 'Leaderboard', emptyNote('No trial has finished yet.'));
  const columns = keyParamColumns(model);
  const head =
    LEADERBOARD_COLUMNS.map((c, i) => sortHeader(esc(c.title), c.type, c.cls ?? '', i === 0)).join('') +
    columns
      .map((c) => {
        const dot = c.key.lastIndexOf('.');
        const label = dot > 0 ? `<span class="pk"><small>${esc(c.key.slice(0, dot))}</small>${esc(c.key.slice(dot + 1))}</span>` : `<span class="pk">${esc(c.key)}</span>`;
        return sortHeader(label, c.numeric ? 'num' : 'text', `pcol${c.numeric ? ' num' : ''}`, false, c.key);
      })
      .join('') +
    sortHeader('Notes', 'text', '', false);
  const body = model.leaderboard.map((r) => leaderboardRow(r, model.summary.bestTrial, columns)).join('\n');
  const dirWord = model.summary.direction === 'maximize' ? 'highest' : 'lowest';
  const lead =
    `Complete trials ranked by validation ${esc(model.summary.metric)} (${dirWord} first), then pruned and failed trials with their reasons. ` +
    (columns.length ? 'The last columns are the settings that vary most across trials. ' : '') +
    'Click a column header to sort.';
  return section(
    'leaderboard',
    'Leaderboard',
    `<div class="table-wrap tall"><table class="sortable leaderboard"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`,
    lead,
  );
}

function recipeYaml(model: ReportModel): string {
  const b = model.best!;
  const params: Record<string, ParamValue> = {};
  for (const p of b.params) params[p.key] = p.value;
  return stringify({ study: model.summary.studyName, trial: b.trial, seed: b.seed, metric: model.summary.metric, value: b.value, params }, { lineWidth: 0 });
}

function bestRecipeSection(model: ReportModel): string {
  const b = model.best;
  if (!b) return section('best-recipe', 'Best recipe', emptyNote('No complete trial yet, so no best recipe.'));
  const val = model.confusion.find((c) => c.split === 'validation');
  const test = model.confusion.find((c) => c.split === 'test');
  const stats: Array<[string, string]> = [
    [`Validation ${esc(model.summary.metric)}`, formatNumber(b.value)],
    ['Accuracy', formatNumber(val?.accuracy)],
    ['Macro-F1', formatNumber(val?.macroF1)],
  ];
  if (test) stats.push(['Test accuracy', formatNumber(test.accuracy)], ['Test macro-F1', formatNumber(test.macroF1)]);
  stats.push(['Best epoch', esc(b.bestEpoch)], ['Duration', formatDuration(b.duration)]);
  const statHtml = stats.map(([k, v]) => `<div class="stat"><div class="stat-k">${k}</div><div class="stat-v">${v}</div></div>`).join('');
  const meta: Array<[string, string]> = [
    ['Seed', esc(b.seed)],
    ['Train examples', formatInt(b.trainExamples)],
    ['Device', esc(b.device ?? '—')],
    ['Backend', esc(b.backend ?? '—')],
  ];
  if (b.artifact) meta.push(['Artifact', `<code>${esc(b.artifact)}</code>`]);
  const metaHtml = meta.map(([k, v]) => `<span class="meta-item"><span class="k">${k}</span> ${v}</span>`).join('');
  const notes = b.notes.length ? `<ul class="notes-list">${b.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';

  // Group settings by their first key segment (augment, balance, schedule, ...).
  const groups = new Map<string, Array<{ key: string; value: ParamValue }>>();
  for (const p of b.params) {
    const dot = p.key.indexOf('.');
    const g = dot > 0 ? p.key.slice(0, dot) : 'general';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(p);
  }
  const groupHtml = [...groups.entries()]
    .map(
      ([g, ps]) =>
        `<div class="pgroup"><h4>${esc(g)}</h4><table class="kv">${ps
          .map((p) => `<tr><th scope="row" title="${esc(p.key)}">${esc(g === 'general' ? p.key : p.key.slice(g.length + 1))}</th><td><code>${esc(formatParam(p.value))}</code></td></tr>`)
          .join('')}</table></div>`,
    )
    .join('');
  const body =
    `<div class="recipe-head"><div class="recipe-title">Trial <b>#${esc(b.trial)}</b></div><div class="stats">${statHtml}</div></div>` +
    `<div class="meta-line">${metaHtml}</div>${notes}` +
    `<div class="recipe-grid"><div class="pgroups">${groupHtml || emptyNote('This recipe has no settings.')}</div>` +
    `<div class="yaml"><div class="yaml-title">recipe.yaml</div><pre><code>${esc(recipeYaml(model))}</code></pre></div></div>`;
  return section('best-recipe', 'Best recipe', body, `Every setting of the winning trial, sorted by key, and the same as YAML.`);
}

function perClassTable(c: ConfusionView): string {
  const rows = c.perClass
    .map(
      (p) =>
        `<tr><th scope="row">${esc(p.label)}</th>` +
        `<td class="num">${formatNumber(p.precision, 3)}</td><td class="num">${formatNumber(p.recall, 3)}</td>` +
        `<td class="num f1"><span class="meter"><span style="width:${Number.isFinite(p.f1) ? (Math.max(0, Math.min(1, p.f1)) * 100).toFixed(1) : 0}%"></span></span>${formatNumber(p.f1, 3)}</td>` +
        `<td class="num">${formatInt(p.support)}</td></tr>`,
    )
    .join('');
  return `<table class="perclass"><thead><tr><th scope="col">Class</th><th scope="col" class="num">Precision</th><th scope="col" class="num">Recall</th><th scope="col" class="num">F1</th><th scope="col" class="num">Support</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function confusionSection(model: ReportModel, charts: Record<string, string>): string {
  if (model.confusion.length === 0) return section('confusion', 'Confusion matrix', emptyNote('No confusion matrix: no complete trial yet.'));
  const blocks = model.confusion
    .map((c) => {
      const title = c.split === 'validation' ? 'Validation' : 'Test';
      return (
        `<div class="split" id="confusion-${c.split}"><h3>${title} <span class="muted">accuracy ${formatNumber(c.accuracy)} · macro-F1 ${formatNumber(c.macroF1)}</span></h3>` +
        `<div class="split-grid">${chart(`confusion-${c.split}`, charts[`confusion-${c.split}`], `${c.split} confusion matrix`)}` +
        `<div class="table-wrap">${perClassTable(c)}</div></div></div>`
      );
    })
    .join('');
  return section(
    'confusion',
    'Confusion matrix',
    blocks,
    `Best trial (#${esc(model.best?.trial ?? '—')}). Rows are the true class, columns the predicted class; colour is the share of the true class.`,
  );
}

function failuresSection(model: ReportModel): string {
  const failed = model.failures.filter((f) => f.state === 'failed');
  const pruned = model.failures.filter((f) => f.state === 'pruned');
  let body = '';
  if (failed.length === 0) body += emptyNote('No trial failed.');
  else {
    const rows = failed
      .map(
        (f) =>
          `<tr data-trial="${esc(f.trial)}"><td class="num narrow">${esc(f.trial)}</td><td class="num narrow">${esc(f.epochs)}</td>` +
          `<td><pre class="error">${esc(f.reason)}</pre></td>` +
          `<td><details><summary>${f.params.length} settings</summary><div class="chips">${paramChips(f.params)}</div></details></td></tr>`,
      )
      .join('');
    body += `<h3>Failed <span class="muted">${formatInt(failed.length)}</span></h3><div class="table-wrap"><table class="failed"><thead><tr><th scope="col" class="num narrow">Trial #</th><th scope="col" class="num narrow">Epochs</th><th scope="col">Reason</th><th scope="col">Recipe</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  }
  if (pruned.length > 0) {
    const byReason = new Map<string, number[]>();
    for (const p of pruned) {
      if (!byReason.has(p.reason)) byReason.set(p.reason, []);
      byReason.get(p.reason)!.push(p.trial);
    }
    const MAX_LISTED = 30;
    const items = [...byReason.entries()]
      .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
      .map(([reason, ts]) => {
        const listed = ts.slice(0, MAX_LISTED).map((t) => `#${esc(t)}`).join(', ') + (ts.length > MAX_LISTED ? `, … ${ts.length - MAX_LISTED} more` : '');
        return `<li><span class="count">${formatInt(ts.length)}×</span> ${esc(reason)} <span class="muted">(${listed})</span></li>`;
      })
      .join('');
    body += `<h3>Pruned <span class="muted">${formatInt(pruned.length)}</span></h3><ul class="pruned-list">${items}</ul>`;
  }
  return section('failures', 'Failed and pruned trials', body);
}

// ---------------------------------------------------------------- page

/** Sorts `table.sortable` by the clicked header; empty cells stay last. */
const SORT_SCRIPT = `(function(){
var tables=document.querySelectorAll('table.sortable');
Array.prototype.forEach.call(tables,function(t){
var ths=t.tHead.rows[0].cells;
Array.prototype.forEach.call(ths,function(th,i){
var b=th.querySelector('button');if(!b)return;
b.addEventListener('click',function(){
var dir=th.getAttribute('aria-sort')==='ascending'?'descending':'ascending';
Array.prototype.forEach.call(ths,function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',dir);
var num=th.getAttribute('data-type')==='num',s=dir==='ascending'?1:-1,body=t.tBodies[0];
var keyed=Array.prototype.map.call(body.rows,function(r){var v=r.cells[i].getAttribute('data-v')||'';return{r:r,e:v==='',v:num?parseFloat(v):v};});
keyed.sort(function(a,c){
if(a.e||c.e)return a.e===c.e?0:(a.e?1:-1);
return num?s*(a.v-c.v):s*a.v.localeCompare(c.v);
});
var f=document.createDocumentFragment();keyed.forEach(function(k){f.appendChild(k.r);});body.appendChild(f);
});});});})();`;

const CSS = `
:root{--bg:#f4f5f7;--panel:#fff;--ink:#1f2933;--muted:#6b7785;--line:#e4e7eb;--accent:#4f6bed;--best:#e8590c;
--ok:#2f9e44;--warn:#f08c00;--bad:#e03131;--run:#1c7ed6;--wait:#adb5bd;
--font:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{scroll-behavior:smooth;scroll-padding-top:64px}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 var(--font);-webkit-font-smoothing:antialiased}
header.top{position:sticky;top:0;z-index:5;background:#111827;color:#e5e7eb;box-shadow:0 1px 0 rgba(0,0,0,.2)}
.top-inner{max-width:1320px;margin:0 auto;padding:10px 24px;display:flex;align-items:center;gap:24px;flex-wrap:wrap}
.brand{font-weight:700;letter-spacing:.2px;color:#fff}.brand span{color:#9aa5b1;font-weight:500}
.study{font-weight:600;color:#fff;overflow-wrap:anywhere}
nav{margin-left:auto;display:flex;gap:4px;flex-wrap:wrap}
nav a{color:#cbd2d9;text-decoration:none;padding:4px 10px;border-radius:6px;font-size:13px}
nav a:hover{background:#1f2937;color:#fff}
main{max-width:1320px;margin:0 auto;padding:20px 24px 40px}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin:0 0 20px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
h2{margin:0 0 4px;font-size:18px;letter-spacing:-.1px}
h3{margin:18px 0 10px;font-size:15px}
h4{margin:0 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.lead{margin:0 0 14px;color:var(--muted)}
.muted{color:var(--muted);font-weight:400}
.empty{color:var(--muted);font-style:italic;margin:8px 0}
code,pre{font-family:var(--mono);font-size:12.5px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin:12px 0 18px}
.card{border:1px solid var(--line);border-radius:10px;padding:12px 14px;background:#fbfcfd;min-width:0}
.card-label{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.card-value{font-size:26px;font-weight:700;margin:2px 0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.card-value .of{font-size:15px;font-weight:500;color:var(--muted)}
.card-value .mono-ish{font-size:22px}
.card-sub{font-size:12.5px;color:var(--muted)}
.card-best{background:linear-gradient(180deg,#fff7f0,#fff);border-color:#ffd8bf}.card-best .card-value{color:var(--best)}
.statebar{display:flex;height:8px;border-radius:4px;overflow:hidden;background:var(--line);margin:6px 0}
.seg{display:block;min-width:3px}
.legend{display:flex;flex-wrap:wrap;gap:2px 10px}.legend-item{white-space:nowrap}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:4px;vertical-align:0}
.st-complete{background:var(--ok)}.st-pruned{background:var(--warn)}.st-failed{background:var(--bad)}.st-running{background:var(--run)}.st-waiting{background:var(--wait)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 20px;margin:0}
.narrow{width:1%;white-space:nowrap}
.facts dt{color:var(--muted);font-size:13px}.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.k{color:var(--muted);font-size:12px;margin-right:2px}
.chips{display:flex;flex-wrap:wrap;gap:4px}
.chip{display:inline-flex;align-items:baseline;gap:0;border:1px solid var(--line);background:#f8f9fb;border-radius:999px;padding:1px 8px;font-size:12px;font-family:var(--mono);white-space:nowrap;margin:1px 2px 1px 0}
.chip-k{color:var(--muted)}.chip-k::after{content:"=";margin-right:1px}
.label-chip{font-family:var(--font);font-size:12.5px;background:#eef1fd;border-color:#d7defb}
.chart{margin:8px 0 0;overflow-x:auto}.chart svg{max-width:100%;height:auto;display:block}
.table-wrap{overflow:auto;border:1px solid var(--line);border-radius:10px}
.table-wrap.tall{max-height:620px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
tbody tr:last-child td,tbody tr:last-child th{border-bottom:0}
thead th{position:sticky;top:0;background:#f8f9fb;z-index:1;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;white-space:nowrap}
.num{text-align:right}
th button{all:unset;cursor:pointer;display:inline-flex;gap:4px;align-items:flex-end}
th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px;border-radius:3px}
th button:hover{color:var(--accent)}
th[aria-sort=ascending] button::after{content:"▲";font-size:9px;margin-bottom:2px}
th[aria-sort=descending] button::after{content:"▼";font-size:9px;margin-bottom:2px}
th[aria-sort]{color:var(--ink)}
.leaderboard tbody tr:hover{background:#f6f8ff}
.leaderboard tr.is-best{background:#fff7f0}.leaderboard tr.is-best td:nth-child(2){font-weight:700;color:var(--best)}
.leaderboard tr.is-stopped td{color:#52606d}
.leaderboard th,.leaderboard td{padding:7px 7px;white-space:nowrap}
.leaderboard thead th{white-space:normal;vertical-align:bottom;line-height:1.25;text-transform:none;letter-spacing:0;font-size:12.5px}
.leaderboard td.pv{font-family:var(--mono);font-size:12.5px;color:#3e4c59}
.leaderboard thead th.pcol{text-transform:none;letter-spacing:0;font-family:var(--mono);font-size:12px;font-weight:500;vertical-align:bottom}
.pk small{display:block;font-size:10.5px;color:#9aa5b1;line-height:1.2}
.leaderboard td.notes{font-size:12.5px;color:var(--muted);white-space:normal}
.reason{min-width:120px;max-width:240px;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:11.5px;font-weight:600;color:#fff;text-transform:lowercase}
.badge.st-waiting{color:#343a40}
.recipe-head{display:flex;gap:24px;align-items:center;flex-wrap:wrap;margin:6px 0 10px}
.recipe-title{font-size:20px}.recipe-title b{color:var(--best)}
.stats{display:flex;flex-wrap:wrap;gap:8px}
.stat{border:1px solid var(--line);border-radius:8px;padding:6px 12px;background:#fbfcfd}
.stat-k{font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}.stat-v{font-weight:700;font-size:16px;font-variant-numeric:tabular-nums}
.meta-line{display:flex;flex-wrap:wrap;gap:4px 18px;margin:0 0 10px}
.notes-list{margin:0 0 12px;padding:8px 12px 8px 30px;background:#fff9db;border:1px solid #ffec99;border-radius:8px}
.recipe-grid{display:grid;grid-template-columns:minmax(0,1.3fr) minmax(0,1fr);gap:18px;margin-top:10px}
.pgroups{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px;align-content:start}
.pgroup{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.kv th,.kv td{padding:3px 0;border:0;font-size:13px}.kv th{font-weight:500;color:#3e4c59;padding-right:12px;overflow-wrap:anywhere}.kv td{text-align:right}
.yaml{border-radius:10px;background:#0f172a;color:#e2e8f0;overflow:hidden;align-self:start}
.yaml-title{font:12px var(--mono);color:#94a3b8;padding:8px 14px;border-bottom:1px solid #1e293b}
.yaml pre{margin:0;padding:12px 14px;overflow:auto;max-height:520px;line-height:1.55}
.split-grid{display:grid;grid-template-columns:minmax(0,auto) minmax(320px,1fr);gap:20px;align-items:start}
.perclass th[scope=row]{font-weight:600;overflow-wrap:anywhere}
.perclass th,.perclass td{vertical-align:middle}
.f1{white-space:nowrap}
.meter{display:inline-block;width:64px;height:6px;border-radius:3px;background:#e9ecf5;margin-right:8px;vertical-align:middle;overflow:hidden}
.meter span{display:block;height:100%;background:var(--accent);border-radius:3px}
pre.error{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;color:#c92a2a;font-size:12px;max-width:640px}
details summary{cursor:pointer;color:var(--accent)}details .chips{margin-top:6px}
.pruned-list{margin:0;padding-left:18px}.pruned-list li{margin:3px 0}.count{font-weight:700;font-variant-numeric:tabular-nums}
footer{max-width:1320px;margin:0 auto;padding:0 24px 32px;color:var(--muted);font-size:12px}
@media (max-width:1100px){.split-grid{grid-template-columns:1fr}}
@media (max-width:900px){.recipe-grid{grid-template-columns:1fr}nav{margin-left:0}}
@media print{header.top{position:static}.table-wrap.tall{max-height:none}}
`;

const NAV: Array<[string, string]> = [
  ['summary', 'Summary'],
  ['history', 'History'],
  ['leaderboard', 'Leaderboard'],
  ['best-recipe', 'Best recipe'],
  ['learning-curve', 'Learning curve'],
  ['confusion', 'Confusion'],
  ['failures', 'Failures'],
];

export function renderReportHtml(model: ReportModel, charts: Readonly<Record<string, string>>): string {
  const s = model.summary;
  const scriptHash = createHash('sha256').update(SORT_SCRIPT, 'utf8').digest('base64');
  // No URL can load anything: only this page's own script, inline styles, and the empty data: favicon.
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  const historyLead =
    `Validation ${esc(s.metric)} of every complete trial by trial number, and the best so far ` +
    `(${s.direction === 'maximize' ? 'higher' : 'lower'} is better). The ringed point is the best trial.`;
  const curveLead = model.best
    ? `Best trial (#${esc(model.best.trial)}): validation ${esc(s.metric)} and loss after each epoch; the dashed line marks the epoch whose weights were kept.`
    : '';
  const sections = [
    summarySection(model),
    section('history', 'Optimization history', chart('history', charts.history, 'optimization history'), historyLead),
    leaderboardSection(model),
    bestRecipeSection(model),
    section('learning-curve', 'Learning curve of the best trial', chart('learning-curve', charts.learningCurve, 'learning curve'), curveLead),
    confusionSection(model, charts),
    failuresSection(model),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="generator" content="hybridtune ${esc(s.hybridtuneVersion)}">
<title>${esc(s.studyName)} · hybridtune report</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="top-inner"><div class="brand">hybridtune <span>report</span></div><div class="study">${esc(s.studyName)}</div>
<nav aria-label="Sections">${NAV.map(([id, t]) => `<a href="#${id}">${t}</a>`).join('')}</nav></div></header>
<main>
${sections.join('\n')}
</main>
<footer>Generated by hybridtune ${esc(s.hybridtuneVersion)} from study <b>${esc(s.studyName)}</b>. This page is self-contained: it loads nothing from the network.</footer>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
