/** The top of the report: summary, leaderboard and the best recipe. */
import { stringify } from 'yaml';
import type { ParamValue } from '../study/types.js';
import type { LeaderboardRow, ReportModel } from './build.js';
import { TRIAL_STATES } from './build.js';
import { formatDuration, formatInt, formatNumber, formatParam, formatPercent, formatTime, jsonForScript } from './format.js';
import { badge, card, emptyNote, esc, plural, section } from './html-parts.js';

/** Rows the leaderboard renders; the rest are in the page's JSON. */
export const LEADERBOARD_MAX_ROWS = 500;
export const TRIALS_JSON_ID = 'trials-json';

export function summarySection(model: ReportModel): string {
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
  const ci = s.bestInterval;
  const metricIsAccuracy = /^acc(uracy)?$/i.test(s.metric);
  const ciTitle = ci ? `95% Wilson score interval: ${ci.successes} of ${ci.n} validation examples right` : '';
  const bestSub =
    s.bestTrial === null
      ? 'no complete trial yet'
      : (ci
          ? `<div class="ci" title="${esc(ciTitle)}">95% CI <b>${formatNumber(ci.low, 3)}–${formatNumber(ci.high, 3)}</b></div>` +
            `<div>${metricIsAccuracy ? 'Wilson interval' : `Wilson interval of accuracy ${formatNumber(ci.estimate, 3)}`}</div>`
          : '') + `<div>trial #${esc(s.bestTrial)} · ${s.direction === 'maximize' ? 'higher' : 'lower'} is better</div>`;
  const busy = model.timeline.workers.length ? ` · workers busy ${formatPercent(model.timeline.busyShare)}` : '';
  const workers = s.workerNames.length;
  const slots = s.deviceSlots.length ? s.deviceSlots.map((d) => `${esc(d.id)}${d.slots > 1 ? ` ×${formatInt(d.slots)}` : ''}`).join(', ') : '';
  const devices = slots ? ` on ${slots}` : s.devices.length ? ` on ${s.devices.map(esc).join(', ')}` : '';
  const how = s.executionBackend ? `${esc(s.executionBackend)} · ` : '';
  const cards = [
    card(`Best ${esc(s.metric)}`, s.bestValue === null ? '—' : formatNumber(s.bestValue), bestSub, 'card-best'),
    card(
      'Trials',
      `${formatInt(total)}<span class="of"> / ${formatInt(s.plannedTrials)}</span>`,
      `<div class="statebar">${segments}</div><div class="legend">${legend}</div>`,
    ),
    card('Wall time', formatDuration(s.wallTimeSeconds), `${formatDuration(s.computeSeconds)} of training${busy}`),
    card('Epochs trained', formatInt(s.epochsTrained), `${total ? (s.epochsTrained / total).toFixed(1) : '—'} per trial on average`),
    card(
      'Sampler · scheduler',
      `${esc(s.sampler)}<span class="of"> · </span>${esc(s.scheduler)}`,
      `${formatInt(s.workers)} ${plural(s.workers, 'worker')} asked · seed ${esc(s.seed)}`,
    ),
    card(
      'Backend · devices',
      esc(s.backend),
      workers ? `${how}${formatInt(workers)} ${plural(workers, 'worker')}${devices}` : 'no trial has started',
    ),
  ].join('');

  const labels = s.labels.map((l) => `<span class="chip label-chip">${esc(l)}</span>`).join('');
  const sources = s.sources.length
    ? s.sources.map((src) => `<div><span class="k">${esc(src.name)}</span> <code>${esc(src.path)}</code></div>`).join('')
    : '—';
  const budget =
    `${formatInt(total)} of ${formatInt(s.plannedTrials)} trials` +
    (s.plannedTrials > 0 ? ` (${formatPercent(total / s.plannedTrials)})` : '') +
    ` · ${formatInt(s.epochsTrained)} ${plural(s.epochsTrained, 'epoch')} trained` +
    (s.epochBudget !== null ? ` of ${formatInt(s.epochBudget)} allowed (${formatPercent(s.epochsTrained / s.epochBudget)})` : '') +
    ` · ${formatDuration(s.computeSeconds)} of training in ${formatDuration(s.wallTimeSeconds)} of wall time` +
    (s.timeoutSeconds !== null ? ` (timeout ${formatDuration(s.timeoutSeconds)})` : '') +
    (s.requeuedTrials > 0 ? ` · ${formatInt(s.requeuedTrials)} ${plural(s.requeuedTrials, 'trial')} re-queued after a sweep died` : '');
  const workerList = s.workerNames.length
    ? `<div class="chips">${model.timeline.workers
        .map((w) => `<span class="chip" title="${esc(w.devices.join(', ') || 'device not recorded')}">${esc(w.worker)} <span class="chip-k2">${formatInt(w.trials)} · ${formatPercent(w.busyShare)} busy</span></span>`)
        .join('')}</div>`
    : '—';
  const rows: Array<[string, string]> = [
    [
      'End reason',
      (s.endReason === null ? '<span class="muted">still running, or not recorded</span>' : `<b>${esc(s.endReason)}</b>`) +
        (s.endedBy !== null ? ` <code class="tag">${esc(s.endedBy)}</code>` : ''),
    ],
    ['Budget used', budget],
    [
      'Backend',
      `${esc(s.backend)}${s.backendsUsed.length && s.backendsUsed.join() !== s.backend ? ` <span class="muted">(trials recorded: ${s.backendsUsed.map(esc).join(', ')})</span>` : ''}` +
        (s.executionBackend ? ` · trials in ${esc(s.executionBackend)}` : '') +
        (slots ? ` · device slots ${slots}` : ''),
    ],
    ['Workers', workerList],
  ];
  if (ci) {
    rows.push([
      'Best, with interval',
      `validation accuracy ${formatNumber(ci.estimate)} (${formatInt(ci.successes)} of ${formatInt(ci.n)} right), 95% Wilson score interval ${formatNumber(ci.low)} – ${formatNumber(ci.high)}. ` +
        `<span class="muted">It covers the sampling noise of one finite validation set; picking the best of many trials on that same set still flatters it (see the validation-vs-test gap).</span>`,
    ]);
  }
  const r = s.reproducibility;
  // the text opens with its level ("bit-for-bit: …", "per trial: …"): that part in bold
  const colon = r.text.indexOf(':');
  rows.push(['Reproducibility', colon > 0 ? `<b>${esc(r.text.slice(0, colon))}</b>${esc(r.text.slice(colon))}` : esc(r.text)]);
  rows.push(['Follow-ups', followUpsLine(model)]);
  rows.push(
    ['Labels', `<div class="chips">${labels || '—'}</div>`],
    ['Data', `${esc(sizes.join(' · '))}`],
    ['Data sources', sources],
    ['Fingerprint', `<code class="fp" title="${esc(s.fingerprint)}">${esc(s.fingerprint)}</code>`],
    ['Space file', `<code>${esc(s.spaceFile)}</code>`],
    ['Trials ran', `${esc(formatTime(s.firstStart))} → ${esc(formatTime(s.lastFinish))}`],
    ['Study created', `${esc(formatTime(s.createdAt))} · ${formatInt(s.runs)} ${plural(s.runs, 'run')} · hybridtune ${esc(s.hybridtuneVersion)}`],
  );
  const details = `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
  return section('summary', 'Summary', `<div class="cards">${cards}</div>${details}`);
}

/** One line on confirm and ablate: what they found, or that they have not run. */
function followUpsLine(model: ReportModel): string {
  const { confirm: c, ablation: a } = model.followUps;
  const staleMark = (n: number) => (n > 0 ? ' <span class="tag">stale</span>' : '');
  const confirm =
    c.state === 'present' && c.winner
      ? `confirmed winner <a href="#confirmation">trial #${esc(c.winner.trial)}</a> (mean ${formatNumber(c.winner.mean)} over ${formatInt(c.seeds)} ${plural(c.seeds, 'seed')}; ${c.winner.changed ? `differs from the search's best #${esc(c.winner.searchBest)}` : "also the search's best"})${staleMark(c.stale.length)}`
      : c.state === 'invalid'
        ? `<a href="#confirmation">${esc(c.file)} could not be read</a>`
        : `not confirmed on several seeds (<code>${esc(c.command)}</code>)`;
  const matter = a.rows.filter((r) => r.verdict === 'helps' || r.verdict === 'hurts').length;
  const ablation =
    a.state === 'present'
      ? `<a href="#ablation">ablation</a> of trial #${esc(a.trial)}: ${formatInt(matter)} of ${formatInt(a.rows.length)} ${plural(a.rows.length, 'strategy', 'strategies')} ${matter === 1 ? 'matters' : 'matter'}${staleMark(a.stale.length)}`
      : a.state === 'invalid'
        ? `<a href="#ablation">${esc(a.file)} could not be read</a>`
        : `no ablation (<code>${esc(a.command)}</code>)`;
  return `${confirm} · ${ablation}`;
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
    `<td class="notes" data-v="${esc(r.reason ?? '')}">${r.reason === null ? '' : `<div class="reason${r.flagged ? ' flag' : ''}" title="${esc(r.reason)}">${esc(r.reason)}</div>`}</td>` +
    '</tr>'
  );
}

function sortHeader(title: string, type: 'num' | 'text', cls: string, first: boolean, tooltip?: string): string {
  return (
    `<th scope="col" data-type="${type}"${cls ? ` class="${cls}"` : ''}${first ? ' aria-sort="ascending"' : ''}${tooltip ? ` title="${esc(tooltip)}"` : ''}>` +
    `<button type="button">${title}</button></th>`
  );
}

export function leaderboardSection(model: ReportModel): string {
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
  const shown = model.leaderboard.slice(0, LEADERBOARD_MAX_ROWS);
  const body = shown.map((r) => leaderboardRow(r, model.summary.bestTrial, columns)).join('\n');
  const dirWord = model.summary.direction === 'maximize' ? 'highest' : 'lowest';
  const total = model.leaderboard.length;
  const lead =
    `Complete trials ranked by validation ${esc(model.summary.metric)} (${dirWord} first), then pruned and failed trials with their reasons. ` +
    (columns.length ? 'The last columns are the settings that matter most (see importance), then those that vary most. ' : '') +
    'Click a column header to sort.';
  const capped = total > shown.length;
  const file = `${model.summary.studyName}-trials.json`;
  const foot =
    `<div class="table-foot">` +
    (capped
      ? `<span><b>Showing the first ${formatInt(shown.length)} of ${formatInt(total)} trials</b> in rank order; sorting applies to the rows shown.</span>`
      : `<span>${formatInt(total)} ${plural(total, 'trial')}.</span>`) +
    ` <button type="button" class="btn" id="download-trials" data-file="${esc(file)}">Download all ${formatInt(total)} as JSON</button>` +
    `</div>`;
  return section(
    'leaderboard',
    'Leaderboard',
    `<div class="table-wrap tall"><table class="sortable leaderboard"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>${foot}` +
      `<script type="application/json" id="${TRIALS_JSON_ID}">${jsonForScript(trialsJson(model))}</script>`,
    lead,
  );
}

/** Every row of the leaderboard with every setting: what the download button saves. Never executed. */
export function trialsJson(model: ReportModel): unknown {
  return {
    study: model.summary.studyName,
    metric: model.summary.metric,
    direction: model.summary.direction,
    trials: model.leaderboard.map((r) => ({
      rank: r.rank,
      trial: r.trial,
      state: r.state,
      value: r.value,
      accuracy: r.accuracy,
      macroF1: r.macroF1,
      bestEpoch: r.bestEpoch,
      epochs: r.epochs,
      duration: r.duration,
      worker: r.worker,
      reason: r.reason,
      params: r.params,
    })),
  };
}

function recipeYaml(model: ReportModel): string {
  const b = model.best!;
  const params: Record<string, ParamValue> = {};
  for (const p of b.params) params[p.key] = p.value;
  return stringify({ study: model.summary.studyName, trial: b.trial, seed: b.seed, metric: model.summary.metric, value: b.value, params }, { lineWidth: 0 });
}

export function bestRecipeSection(model: ReportModel): string {
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
  // the best single run is not always the winner a confirmation picked
  const c = model.followUps.confirm;
  const confirmedElse =
    c.state === 'present' && c.winner && c.winner.trial !== b.trial && c.stale.length === 0
      ? `<div class="warn">Re-run on ${formatInt(c.seeds)} ${plural(c.seeds, 'seed')}, trial <b>#${esc(c.winner.trial)}</b> has the best mean: it is the <a href="#confirmation">confirmed winner</a>, the one <code>export</code> and <code>ablate</code> take. This card shows the best single run of the sweep.</div>`
      : '';
  const body =
    `<div class="recipe-head"><div class="recipe-title">Trial <b>#${esc(b.trial)}</b></div><div class="stats">${statHtml}</div></div>` +
    `<div class="meta-line">${metaHtml}</div>${notes}${confirmedElse}` +
    `<div class="recipe-grid"><div class="pgroups">${groupHtml || emptyNote('This recipe has no settings.')}</div>` +
    `<div class="yaml"><div class="yaml-title">recipe.yaml</div><pre><code>${esc(recipeYaml(model))}</code></pre></div></div>`;
  return section('best-recipe', 'Best recipe', body, `Every setting of the winning trial, sorted by key, and the same as YAML.`);
}

