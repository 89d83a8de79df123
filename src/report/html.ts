/**
 * The report page: one self-contained HTML string. Inline CSS, the charts as
 * inline SVG, one small script (sorting the leaderboard, saving the trials as
 * JSON), the full trial list as a JSON block that never runs, no external URL.
 * Everything that comes from the study (names, labels, params, errors) goes
 * through escapeHtml; a Content-Security-Policy that admits only the page's
 * own script is a second line of defence.
 */
import { createHash } from 'node:crypto';
import type { ReportModel } from './build.js';
import type { ChartId } from './charts.js';
import { ablationSection, confirmSection } from './html-followups.js';
import { curvesSection, historySection, importanceSection, parallelSection, timelineSection } from './html-analysis.js';
import { bestRecipeSection, leaderboardSection, summarySection } from './html-overview.js';
import { esc } from './html-parts.js';
import { confusionSection, failuresSection, gapSection, notesSection } from './html-quality.js';
import { CSS } from './html-style.js';

export * from './format.js';
export { LEADERBOARD_MAX_ROWS, TRIALS_JSON_ID, trialsJson } from './html-overview.js';
export { MAX_FAILED_ROWS } from './html-quality.js';

/** Sections in page order, with their navigation labels; tests and links rely on the ids. */
const SECTIONS = [
  ['summary', 'Summary'],
  ['history', 'History'],
  ['leaderboard', 'Leaderboard'],
  ['best-recipe', 'Best recipe'],
  ['confirmation', 'Confirmation'],
  ['ablation', 'Ablation'],
  ['importance', 'Importance'],
  ['parallel', 'Parallel'],
  ['learning-curves', 'Curves'],
  ['timeline', 'Timeline'],
  ['confusion', 'Confusion'],
  ['val-test-gap', 'Val vs test'],
  ['notes', 'Notes'],
  ['failures', 'Failures'],
] as const;

export const SECTION_IDS = SECTIONS.map(([id]) => id);
export type SectionId = (typeof SECTIONS)[number][0];

/**
 * Sorts `table.sortable` by the clicked header (empty cells last), and saves
 * the embedded trial list when its button is clicked.
 */
const PAGE_SCRIPT = `(function(){
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
});});});
var dl=document.getElementById('download-trials'),data=document.getElementById('trials-json');
if(dl&&data)dl.addEventListener('click',function(){
var url=URL.createObjectURL(new Blob([data.textContent],{type:'application/json'}));
var a=document.createElement('a');a.href=url;a.download=dl.getAttribute('data-file')||'trials.json';
document.body.appendChild(a);a.click();a.remove();setTimeout(function(){URL.revokeObjectURL(url);},1000);
});})();`;

export function renderReportHtml(model: ReportModel, charts: Readonly<Partial<Record<ChartId, string>>>): string {
  const s = model.summary;
  const scriptHash = createHash('sha256').update(PAGE_SCRIPT, 'utf8').digest('base64');
  // No URL can load anything: only this page's own script, inline styles, and the empty data: favicon.
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`;
  const sections = [
    summarySection(model),
    historySection(model, charts),
    leaderboardSection(model),
    bestRecipeSection(model),
    confirmSection(model, charts),
    ablationSection(model, charts),
    importanceSection(model, charts),
    parallelSection(model, charts),
    curvesSection(model, charts),
    timelineSection(model, charts),
    confusionSection(model, charts),
    gapSection(model, charts),
    notesSection(model),
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
<nav aria-label="Sections">${SECTIONS.map(([id, t]) => `<a href="#${id}">${t}</a>`).join('')}</nav></div></header>
<main>
${sections.join('\n')}
</main>
<footer>Generated by hybridtune ${esc(s.hybridtuneVersion)} from study <b>${esc(s.studyName)}</b>. This page is self-contained: it loads nothing from the network.</footer>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
