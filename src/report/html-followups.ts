/** The sections for `hybridtune confirm` and `hybridtune ablate`: their results when the files exist, else how to produce them. */
import type { MeanInterval } from '../ablation/stats.js';
import type { AblationView, AblationViewRow, ConfirmView } from './build-followups.js';
import type { ReportModel } from './build.js';
import type { ChartId } from './charts.js';
import { formatDuration, formatInt, formatNumber, formatSigned, formatTime } from './format.js';
import { chart, emptyNote, esc, note, plural, section } from './html-parts.js';

type Charts = Readonly<Partial<Record<ChartId, string>>>;

const pct = (level: number) => `${Math.round(level * 100)}%`;

function ci(m: MeanInterval | null, fmt: (v: number) => string = (v) => formatNumber(v)): string {
  if (!m) return '—';
  if (m.n < 2) return '<span class="muted">one seed</span>';
  return `${fmt(m.low)} … ${fmt(m.high)}`;
}

function numCell(v: number | null | undefined, html: string, extra = ''): string {
  return `<td class="num${extra}" data-v="${v === null || v === undefined || !Number.isFinite(v) ? '' : v}">${html}</td>`;
}

function commandBlock(cmd: string): string {
  return `<pre class="cmd"><code>${esc(cmd)}</code></pre>`;
}

function staleBox(view: { stale: string[]; command: string }): string {
  if (view.stale.length === 0) return '';
  return `<div class="warn stale" role="note"><b>Stale:</b> this file may not describe the study as it is now. ${view.stale.map(esc).join(' ')} Refresh it with <code>${esc(view.command)}</code>.</div>`;
}

function invalidBox(view: { file: string; error: string | null; command: string }): string {
  return `<div class="warn invalid" role="note"><b>Could not read <code>${esc(view.file)}</code>:</b> ${esc(view.error ?? '')}<br>Write it again with <code>${esc(view.command)}</code>.</div>`;
}

function provenance(view: { createdAt: string | null; durationSec: number | null; file: string }): string {
  return note(`From <code>${esc(view.file)}</code>${view.createdAt ? `, written ${esc(formatTime(view.createdAt))}` : ''}${view.durationSec !== null ? ` in ${formatDuration(view.durationSec)}` : ''}.`);
}

export function confirmSection(model: ReportModel, charts: Charts): string {
  const v: ConfirmView = model.followUps.confirm;
  const lead =
    'A sweep ranks trials by one run each, so its best trial is partly a lucky seed. <code>hybridtune confirm</code> retrains the top trials with the same fresh seeds and ranks them by their mean, with a Student-t interval; <code>export</code> and <code>ablate</code> then take the confirmed winner.';
  if (v.state === 'absent') {
    return section(
      'confirmation',
      'Confirmation',
      `<p class="empty">Not run for this study yet. To re-rank the top trials on several seeds:</p>${commandBlock(v.command)}` +
        note('or let the sweep do it when the search ends: <code>hybridtune sweep … --confirm-top 5</code> (space-file key <code>sweep.confirm-top</code>).'),
      lead,
    );
  }
  if (v.state === 'invalid') return section('confirmation', 'Confirmation', invalidBox(v), lead);
  const w = v.winner!;
  const wRow = v.rows.find((r) => r.isWinner);
  const searchRow = v.rows.find((r) => r.isSearchBest);
  const better = v.direction === 'maximize' ? 'higher' : 'lower';
  const agree = w.changed
    ? `<b>It differs from the search's best single run</b>, trial #${esc(w.searchBest)} (${formatNumber(searchRow?.value)} in the sweep, mean ${formatNumber(searchRow?.summary?.mean)} here).`
    : `It is also the search's best single run.`;
  const separation =
    w.clearOfRunnerUp === null || w.runnerUp === null
      ? ''
      : w.clearOfRunnerUp
        ? ` Its interval lies clear of the runner-up's (#${esc(w.runnerUp)}).`
        : ` Its interval overlaps the runner-up's (#${esc(w.runnerUp)}): at ${formatInt(v.seeds)} ${plural(v.seeds, 'seed')} the two are not distinguishable.`;
  const model_ =
    w.model !== null
      ? ` Its model (trained with its own trial seed) is in <code>${esc(w.model)}</code>${w.reproduced === false && w.modelValue !== null ? `, retrained: ${formatNumber(w.modelValue)}` : ''}.`
      : '';
  const callout =
    `<div class="confirm-winner"><div class="cw-title">Confirmed winner: trial <b>#${esc(w.trial)}</b></div>` +
    `<div>mean validation ${esc(v.metric)} <b>${formatNumber(w.mean)}</b> over ${formatInt(wRow?.summary?.n ?? v.seeds)} ${plural(v.seeds, 'seed')}, ${pct(v.level)} interval ${ci(wRow?.summary ?? null)}. ${agree}${separation}${model_}</div></div>`;
  const head =
    '<tr><th scope="col" class="num">Rank</th><th scope="col" class="num">Trial #</th><th scope="col" class="num">Sweep value (rank)</th>' +
    `<th scope="col" class="num">Mean</th><th scope="col" class="num">${pct(v.level)} interval</th><th scope="col" class="num">Seeds</th>` +
    (v.hasTest ? `<th scope="col" class="num">Test mean</th><th scope="col" class="num">Test interval</th>` : '') +
    '<th scope="col">Note</th></tr>';
  const rows = v.rows
    .map((r) => {
      const marks = [r.isWinner ? '<span class="badge badge-best">winner</span>' : '', r.isSearchBest ? '<span class="tag">best single run</span>' : '', r.failed ? `<span class="reason flag">${formatInt(r.failed)} failed: ${esc(r.firstError ?? '')}</span>` : '']
        .filter(Boolean)
        .join(' ');
      return (
        `<tr data-trial="${esc(r.trial)}"${r.isWinner ? ' class="is-best"' : ''}>` +
        numCell(r.rank, esc(r.rank)) +
        numCell(r.trial, `#${esc(r.trial)}`) +
        numCell(r.value, `${formatNumber(r.value)} <span class="muted">(${esc(r.originalRank)})</span>`) +
        numCell(r.summary?.mean, formatNumber(r.summary?.mean)) +
        `<td class="num">${ci(r.summary)}</td>` +
        numCell(r.summary?.n, formatInt(r.summary?.n ?? 0)) +
        (v.hasTest ? numCell(r.test?.mean, formatNumber(r.test?.mean)) + `<td class="num">${ci(r.test)}</td>` : '') +
        `<td>${marks}</td></tr>`
      );
    })
    .join('');
  const body =
    staleBox(v) +
    callout +
    `<div class="table-wrap"><table class="confirm-table"><thead>${head}</thead><tbody>${rows}</tbody></table></div>` +
    chart('confirm', charts.confirm, 'mean over seeds of each top trial with its interval, and its single run in the sweep', 'No trial has a value over seeds.') +
    (charts.confirm ? note('Filled circles: each trial\'s mean over the seeds, its interval as a line, the confirmed winner in colour. Hollow diamonds: the trial\'s single run in the sweep.') : '') +
    note(`The top ${formatInt(v.top)} ${plural(v.top, 'trial')} by the sweep, each retrained with the same ${formatInt(v.seeds)} ${plural(v.seeds, 'seed')}; ranked by mean (${better} is better). Interval: Student t over the seeds (mean ± t·sd/√n).`) +
    provenance(v);
  return section('confirmation', 'Confirmation', body, lead);
}

function ablationRow(r: AblationViewRow, test: boolean, baseline = false): string {
  return (
    `<tr data-strategy="${esc(r.strategy)}" class="v-${r.verdict}${baseline ? ' is-baseline' : ''}">` +
    `<th scope="row"><code>${esc(r.label)}</code></th>` +
    `<td><code>${esc(r.to)}</code></td>` +
    numCell(r.without?.mean, formatNumber(r.without?.mean)) +
    numCell(r.change?.mean, formatSigned(r.change?.mean)) +
    `<td class="num">${ci(r.change, (x) => formatSigned(x))}</td>` +
    numCell(r.change?.n, r.change ? formatInt(r.change.n) : '0') +
    (test ? numCell(r.testChange?.mean, formatSigned(r.testChange?.mean)) + `<td class="num">${ci(r.testChange, (x) => formatSigned(x))}</td>` : '') +
    `<td class="verdict">${esc(r.verdictText)}${r.failed ? ` <span class="reason flag">${formatInt(r.failed)} failed: ${esc(r.firstError ?? '')}</span>` : ''}</td></tr>`
  );
}

export function ablationSection(model: ReportModel, charts: Charts): string {
  const v: AblationView = model.followUps.ablation;
  const lead =
    "What the winner owes to each of its strategies. <code>hybridtune ablate</code> retrains the winning recipe with each strategy removed in turn (replaced by its neutral choice or default), every recipe on the same seeds, and reports the paired change of the metric (without it − with it) with a Student-t interval.";
  if (v.state === 'absent') {
    return section('ablation', 'Ablation', `<p class="empty">Not run for this study yet. To measure each strategy of the winner:</p>${commandBlock(v.command)}`, lead);
  }
  if (v.state === 'invalid') return section('ablation', 'Ablation', invalidBox(v), lead);
  const worse = v.direction === 'maximize' ? 'negative' : 'positive';
  const matter = v.rows.filter((r) => r.verdict === 'helps' || r.verdict === 'hurts');
  const head =
    `<tr><th scope="col">Removed</th><th scope="col">Replaced by</th><th scope="col" class="num">Mean without</th><th scope="col" class="num">Change</th><th scope="col" class="num">${pct(v.level)} interval</th><th scope="col" class="num" title="seeds where both recipes trained">Seeds</th>` +
    (v.hasTest ? '<th scope="col" class="num">Test change</th><th scope="col" class="num">Test interval</th>' : '') +
    '<th scope="col">Verdict</th></tr>';
  const fullRow =
    `<tr class="is-full"><th scope="row">the full recipe <span class="muted">(mean and its interval)</span></th><td></td>` +
    numCell(v.full?.mean, formatNumber(v.full?.mean)) +
    `<td></td><td class="num" title="${pct(v.level)} interval of the full recipe's mean">${ci(v.full)}</td>` +
    numCell(v.full?.n, formatInt(v.full?.n ?? 0)) +
    (v.hasTest ? `<td class="num">${formatNumber(v.fullTest?.mean)}</td><td class="num">${ci(v.fullTest)}</td>` : '') +
    '<td class="muted">reference</td></tr>';
  const rows = v.rows.map((r) => ablationRow(r, v.hasTest)).join('') + (v.baseline ? ablationRow(v.baseline, v.hasTest, true) : '');
  const summary =
    v.rows.length === 0
      ? emptyNote('The recipe uses no strategy beyond the defaults: nothing to remove. The last row compares it with the default recipe.')
      : `<p>Trial <b>#${esc(v.trial)}</b> (${v.pickedBy === 'confirmed' ? 'the confirmed winner' : 'the best trial'}, ${esc(v.metric)} ${formatNumber(v.trialValue)} in the sweep), ${formatInt(v.seeds)} ${plural(v.seeds, 'seed')} per recipe: ` +
        `${formatInt(matter.length)} of ${formatInt(v.rows.length)} ${plural(v.rows.length, 'strategy', 'strategies')} ${matter.length === 1 ? 'matters' : 'matter'} (the interval excludes 0)${matter.length ? `: ${matter.map((r) => `<code>${esc(r.label)}</code>`).join(', ')}` : ''}.</p>`;
  const body =
    staleBox(v) +
    summary +
    `<div class="table-wrap"><table class="ablation-table"><thead>${head}</thead><tbody>${fullRow}${rows}</tbody></table></div>` +
    chart('ablation', charts.ablation, 'paired change of the metric when each strategy is removed, with its interval', 'No paired change to plot (every retraining failed).') +
    note(`A ${worse} change means the metric gets worse without the strategy: the strategy helps. "Not distinguishable from 0": at these seeds the interval covers no change. The last row retrains the default recipe on the same backbone: what the whole recipe buys.`) +
    provenance(v);
  return section('ablation', 'Ablation', body, lead);
}
