/** The sections that explain the search: history, importance, parallel coordinates, learning curves, timeline. */
import type { ParamImportance } from '../analysis/importance.js';
import type { ReportModel } from './build.js';
import { CURVES_PRUNED_SAMPLE, CURVES_TOP_COMPLETE } from './build-curves.js';
import { MAX_IMPORTANCE_BARS } from './chart-importance.js';
import type { ChartId } from './charts.js';
import { formatDuration, formatInt, formatPercent, formatTime } from './format.js';
import { chart, emptyNote, esc, figure, note, plural, section } from './html-parts.js';

type Charts = Readonly<Partial<Record<ChartId, string>>>;

export function historySection(model: ReportModel, charts: Charts): string {
  const s = model.summary;
  const better = s.direction === 'maximize' ? 'higher' : 'lower';
  const missingTimes = model.history.length - model.historyOverTime.length;
  const body =
    `<div class="grid-2">` +
    figure('By trial number', chart('history', charts.history, 'optimization history by trial number')) +
    figure(
      'Over wall-clock time',
      chart('history-time', charts['history-time'], 'optimization history over wall-clock time', 'No complete trial has a recorded finish time.') +
        (missingTimes > 0 ? note(`${formatInt(missingTimes)} complete ${plural(missingTimes, 'trial has', 'trials have')} no finish time and ${plural(missingTimes, 'is', 'are')} left out here.`) : ''),
    ) +
    `</div>`;
  const lead =
    `Validation ${esc(s.metric)} of every complete trial (${formatInt(model.history.length)}), and the best so far (${better} is better). ` +
    `On the right each trial sits where it finished, so the line shows how soon the sweep found its best recipes. The ringed point is the best trial.`;
  return section('history', 'Optimization history', body, lead);
}

function importanceFootnote(rows: readonly ParamImportance[]): string {
  const parts: string[] = [];
  const notEstimable = rows.filter((r) => !r.estimable).map((r) => r.key);
  if (notEstimable.length) parts.push(`Too few trials to say for: ${notEstimable.map((k) => `<code>${esc(k)}</code>`).join(', ')}.`);
  if (rows.length > MAX_IMPORTANCE_BARS) parts.push(`${formatInt(rows.length - MAX_IMPORTANCE_BARS)} less important settings not drawn.`);
  return parts.length ? note(parts.join(' ')) : '';
}

export function importanceSection(model: ReportModel, charts: Charts): string {
  const imp = model.importance;
  const metric = esc(model.summary.metric);
  if (imp.params.length === 0) return section('importance', 'Parameter and strategy importance', emptyNote('The study searched no settings that vary.'));
  const few = imp.trials < 20 ? `<p class="warn">Only ${formatInt(imp.trials)} complete ${plural(imp.trials, 'trial')}: read these as hints, not findings.</p>` : '';
  const nothing = imp.params.every((p) => p.explained === 0)
    ? `<p class="warn">No setting's main effect stands out from the noise between trials${imp.trials >= 20 ? '; the metric may depend on interactions, or barely on the settings at all' : ''}.</p>`
    : '';
  const quietStrategies = imp.strategies.length > 0 && imp.strategies.some((p) => p.estimable) && imp.strategies.every((p) => p.explained === 0);
  const strategies = imp.strategies.length
    ? chart('importance-strategies', charts['importance-strategies'], 'strategy importance', 'Too few trials per strategy choice to estimate.') +
      (quietStrategies ? note('No strategy choice stands out from the noise between trials yet.') : '') +
      importanceFootnote(imp.strategies)
    : emptyNote('The study did not search over strategies (no family choice such as balance, schedule, head, optimizer or augment.* varied).');
  const effects = charts['strategy-effects']
    ? `<h3>Validation ${metric} by strategy choice</h3>` +
      chart('strategy-effects', charts['strategy-effects'], 'mean metric by strategy choice') +
      note('Mean over the complete trials that made the choice, with a 95% interval of that mean; n is the number of trials.')
    : '';
  const body =
    few +
    nothing +
    `<div class="grid-2">` +
    figure('Settings', chart('importance-params', charts['importance-params'], 'parameter importance', 'Too few trials to estimate.') + importanceFootnote(imp.params)) +
    figure('Strategies', strategies + effects) +
    `</div>`;
  const lead =
    `Main-effect importance in the spirit of fANOVA: for each searched setting, the share of the variance of validation ${metric} that its main effect explains, ` +
    `over the ${formatInt(imp.trials)} complete trials where the setting is active. Numeric settings are cut into up to 10 quantile bins, choices grouped by value; ` +
    `the share is bias-corrected (ε², so noise scores about 0) and the bars are normalised to sum to 100%. Strategies are the family choices alone (balance, schedule, head, optimizer, augment.*), normalised among themselves. ` +
    `Interactions are not separated, and a sampler that focuses on good regions shrinks the variance it can explain.`;
  return section('importance', 'Parameter and strategy importance', body, lead);
}

export function parallelSection(model: ReportModel, charts: Charts): string {
  const p = model.parallel;
  const n = p.lines.length;
  const omitted = p.omitted.length
    ? note(`${formatInt(p.omitted.length)} less important ${plural(p.omitted.length, 'setting')} left off for room: ${p.omitted.map((k) => `<code>${esc(k)}</code>`).join(', ')}.`)
    : '';
  const fromTrials = model.searched.some((s) => s.source === 'trials')
    ? note('The study carries no readable space, so the axes and their ranges come from the values the trials used.')
    : '';
  const lead =
    `One line per complete trial (${formatInt(n)}), darker the better it ranks on validation ${esc(model.summary.metric)} (the last axis); the best trial is the orange line. ` +
    `Numeric axes run from the low to the high end of the searched range (on a log scale where the space says <code>log</code>); choices are evenly spaced in the space's order; ` +
    `<i>n/a</i> is a setting that was not active in that trial (its strategy was not chosen).`;
  return section('parallel', 'Parallel coordinates', chart('parallel', charts.parallel, 'parallel coordinates', 'Needs complete trials and at least one searched setting.') + omitted + fromTrials, lead);
}

export function curvesSection(model: ReportModel, charts: Charts): string {
  const c = model.curves;
  const s = model.summary;
  const totalCurves = c.total.complete + c.total.pruned + c.total.other;
  const shownCurves = c.shown.complete + c.shown.pruned + c.shown.other;
  const cap = c.capped
    ? note(
        `Showing ${formatInt(shownCurves)} of ${formatInt(totalCurves)} curves: the ${formatInt(Math.min(CURVES_TOP_COMPLETE, c.total.complete))} best complete trials and ` +
          `${formatInt(Math.min(CURVES_PRUNED_SAMPLE, c.total.pruned))} of ${formatInt(c.total.pruned)} pruned ones, spread evenly over the sweep.`,
      )
    : '';
  const promoted = c.trials.reduce((n, t) => n + t.promotions.length, 0);
  const rungs =
    c.rungs.length > 0
      ? note(
          `Scheduler <code>${esc(s.scheduler)}</code>: dashed lines are its rungs (epoch${c.rungs.length > 1 ? 's' : ''} ${c.rungs.map((r) => esc(r)).join(', ')}). ` +
            `A ▲ marks a trial that passed a rung and trained on (${formatInt(promoted)} promotion${promoted === 1 ? '' : 's'} shown); a ✕ one that was stopped.`,
        )
      : '';
  const best = model.best;
  const body =
    `<div class="grid-2">` +
    figure('All trials', chart('curves', charts.curves, 'learning curves') + cap + rungs) +
    figure(
      best ? `Best trial <span class="muted">#${esc(best.trial)}, validation ${esc(s.metric)} and loss</span>` : 'Best trial',
      chart('learning-curve', charts['learning-curve'], 'learning curve of the best trial', 'No complete trial yet.') +
        (best ? note(`The dotted line marks epoch ${esc(best.bestEpoch)}, whose weights the trial kept.`) : ''),
    ) +
    `</div>`;
  const lead =
    `Validation ${esc(s.metric)} after each epoch. Pruned trials end with a ✕ where the scheduler stopped them; the best trial is drawn in orange.`;
  return section('learning-curves', 'Learning curves', body, lead);
}

export function timelineSection(model: ReportModel, charts: Charts): string {
  const t = model.timeline;
  if (t.bars.length === 0) return section('timeline', 'Timeline', emptyNote('No trial has started yet.'));
  const idle = t.workers.filter((w) => w.busyShare < 0.5).map((w) => w.worker);
  const resumes = t.resumes.length ? ` Dashed lines mark where a resumed run began.` : '';
  const lead =
    `Each row is a worker; each bar a trial, from its start to its finish, coloured by how it ended. ` +
    `The sweep ran for ${formatDuration(t.wallSeconds)} from ${esc(formatTime(t.t0))}; on the right, the share of that time each worker had a trial running.${resumes}`;
  const body =
    `<div class="kpis"><div><span class="kpi">${formatPercent(t.busyShare)}</span> mean busy share</div>` +
    `<div><span class="kpi">${formatInt(t.workers.length)}</span> ${plural(t.workers.length, 'worker')}</div>` +
    `<div><span class="kpi">${formatDuration(model.summary.computeSeconds)}</span> of training</div></div>` +
    chart('timeline', charts.timeline, 'timeline of trials per worker') +
    (idle.length && t.workers.length > 1
      ? note(`Busy under half the time: ${idle.map((w) => `<code>${esc(w)}</code>`).join(', ')}. More trials than workers in flight, or cheaper trials, would use the machine better.`)
      : '');
  return section('timeline', 'Timeline', body, lead);
}
