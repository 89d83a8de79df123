/** The sections about the winner's quality: confusion matrices, validation against test, strategy notes, failures. */
import type { ConfusionView, ReportModel } from './build.js';
import type { ChartId } from './charts.js';
import { formatInt, formatNumber, formatSigned } from './format.js';
import { chart, emptyNote, esc, figure, note, paramChips, plural, section, trialList } from './html-parts.js';

type Charts = Readonly<Partial<Record<ChartId, string>>>;

/** Failed trials listed one per row; past that, grouped by reason only. */
export const MAX_FAILED_ROWS = 100;

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

export function confusionSection(model: ReportModel, charts: Charts): string {
  if (model.confusion.length === 0) return section('confusion', 'Confusion matrix', emptyNote('No confusion matrix: no complete trial yet.'));
  const blocks = model.confusion
    .map((c) => {
      const title = c.split === 'validation' ? 'Validation' : 'Test';
      return (
        `<div class="split" id="confusion-${c.split}"><h3>${title} <span class="muted">accuracy ${formatNumber(c.accuracy)} · macro-F1 ${formatNumber(c.macroF1)}</span></h3>` +
        `<div class="split-grid">${chart(`confusion-${c.split}`, charts[`confusion-${c.split}` as const], `${c.split} confusion matrix`)}` +
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


function gapCell(v: number, gap: boolean): string {
  if (!gap) return `<td class="num">${formatNumber(v)}</td>`;
  const cls = v < -0.02 ? 'gap-bad' : v < 0 ? 'gap-warn' : 'gap-ok';
  return `<td class="num gap ${cls}">${formatSigned(v)}</td>`;
}

export function gapSection(model: ReportModel, charts: Charts): string {
  const g = model.gap;
  if (!g) return section('val-test-gap', 'Validation vs test', emptyNote('No test split in this study (or no complete trial yet): nothing to compare validation with.'));
  const name = g.field === 'macroF1' ? 'macro-F1' : 'accuracy';
  const rows = g.rows
    .map(
      (r) =>
        `<tr${r.trial === model.summary.bestTrial ? ' class="is-best"' : ''}><td class="num">${esc(r.rank)}</td><td class="num">#${esc(r.trial)}</td>` +
        gapCell(r.valAccuracy, false) + gapCell(r.testAccuracy, false) + gapCell(r.testAccuracy - r.valAccuracy, true) +
        gapCell(r.valMacroF1, false) + gapCell(r.testMacroF1, false) + gapCell(r.testMacroF1 - r.valMacroF1, true) +
        `</tr>`,
    )
    .join('');
  const table =
    `<div class="table-wrap"><table class="gap-table"><thead><tr><th scope="col" class="num">Rank</th><th scope="col" class="num">Trial</th>` +
    `<th scope="col" class="num">Val. acc.</th><th scope="col" class="num">Test acc.</th><th scope="col" class="num">Gap</th>` +
    `<th scope="col" class="num">Val. F1</th><th scope="col" class="num">Test F1</th><th scope="col" class="num">Gap</th></tr></thead><tbody>${rows}</tbody></table></div>`;
  const rho = g.rankCorrelation;
  const agreement =
    rho === null
      ? ''
      : ` Validation and test ${name} rank the trials ${rho >= 0.8 ? 'much the same' : rho >= 0.5 ? 'fairly alike' : 'differently'} (Spearman ρ = ${rho.toFixed(2)}).`;
  const facts =
    `<p>Over the ${formatInt(g.withTest)} complete ${plural(g.withTest, 'trial')} with test metrics, test ${name} is on average <b>${formatSigned(g.meanGap)}</b> from validation.${agreement}</p>`;
  const body =
    `<div class="grid-2 gap-grid">` +
    figure(`Best ${formatInt(g.rows.length)} by validation`, table + facts + note('Gap = test − validation. The winner of a search is chosen on validation, so some loss on test is expected; a large one means the search fitted the validation set.')) +
    figure(`Validation vs test ${name}, every trial`, chart('val-test', charts['val-test'], 'validation against test') + note('On the dashed diagonal, test equals validation; below it, the trial did worse on test.')) +
    `</div>`;
  return section('val-test-gap', 'Validation vs test', body, 'How the best trials do on the test split, which the search never looked at.');
}

export function notesSection(model: ReportModel): string {
  if (model.notes.length === 0) return section('notes', 'Strategy notes', emptyNote('No trial has strategy notes: no combination double-counted.'));
  const flagged = new Set(model.notes.flatMap((n) => n.trials)).size;
  const items = model.notes
    .map(
      (n) =>
        `<li><div class="note-text">⚠ ${esc(n.note)}${n.includesBest ? ' <span class="badge badge-best">best trial</span>' : ''}</div>` +
        `<div class="muted"><span class="count">${formatInt(n.trials.length)}</span> ${plural(n.trials.length, 'trial')}: ${trialList(n.trials)}</div></li>`,
    )
    .join('');
  return section(
    'notes',
    'Strategy notes',
    `<ul class="flag-list">${items}</ul>`,
    `${formatInt(flagged)} ${plural(flagged, 'trial combines', 'trials combine')} strategies that overlap, e.g. oversampling and class weights both correcting the same imbalance. They are allowed, and flagged so that a good score is not read as two separate gains.`,
  );
}

export function failuresSection(model: ReportModel): string {
  const failed = model.failures.filter((f) => f.state === 'failed');
  const pruned = model.failures.filter((f) => f.state === 'pruned');
  let body = '';
  if (failed.length === 0) body += emptyNote('No trial failed.');
  else {
    const byReason = new Map<string, number>();
    for (const f of failed) byReason.set(f.reason, (byReason.get(f.reason) ?? 0) + 1);
    const grouped =
      failed.length > 5 && byReason.size < failed.length
        ? `<ul class="pruned-list">${[...byReason.entries()]
            .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
            .slice(0, 12)
            .map(([reason, n]) => `<li><span class="count">${formatInt(n)}×</span> <code>${esc(reason)}</code></li>`)
            .join('')}</ul>`
        : '';
    const rows = failed
      .slice(0, MAX_FAILED_ROWS)
      .map(
        (f) =>
          `<tr data-trial="${esc(f.trial)}"><td class="num narrow">${esc(f.trial)}</td><td class="num narrow">${esc(f.epochs)}</td>` +
          `<td><pre class="error">${esc(f.reason)}</pre></td>` +
          `<td><details><summary>${f.params.length} settings</summary><div class="chips">${paramChips(f.params)}</div></details></td></tr>`,
      )
      .join('');
    const more = failed.length > MAX_FAILED_ROWS ? note(`The first ${formatInt(MAX_FAILED_ROWS)} of ${formatInt(failed.length)} failed trials; the leaderboard's JSON has them all.`) : '';
    body += `<h3>Failed <span class="muted">${formatInt(failed.length)}</span></h3>${grouped}<div class="table-wrap tall"><table class="failed"><thead><tr><th scope="col" class="num narrow">Trial #</th><th scope="col" class="num narrow">Epochs</th><th scope="col">Reason</th><th scope="col">Recipe</th></tr></thead><tbody>${rows}</tbody></table></div>${more}`;
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

