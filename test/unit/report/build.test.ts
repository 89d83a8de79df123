import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildReportModel,
  CHART_IDS,
  compactSvg,
  escapeHtml,
  formatDuration,
  formatParam,
  formatSigned,
  HISTORY_POINTS_CLASS,
  jsonForScript,
  LEADERBOARD_MAX_ROWS,
  PARALLEL_LINES_CLASS,
  renderCharts,
  renderReportHtml,
  SECTION_IDS,
  TRIALS_JSON_ID,
  varyingParamNames,
  writeReport,
} from '../../../src/report/index.js';
import { handTrials, makeMeta, makeTrial, syntheticSpace, syntheticTrials, XSS_LABEL, XSS_PARAM } from './fixture.js';

/** Points the history chart drew, counted the way vega writes them. */
function countHistoryPoints(svg: string): number {
  const start = svg.indexOf(`class="mark-symbol role-mark ${HISTORY_POINTS_CLASS}"`);
  assert.ok(start >= 0, 'the history chart has its named point layer');
  const end = svg.indexOf('</g>', start);
  return (svg.slice(start, end).match(/aria-roledescription="point"/g) ?? []).length;
}

/** Trial lines in the parallel coordinates: one subpath (an `M`) per trial, in the band paths. */
function countParallelLines(svg: string): number {
  let n = 0;
  for (const m of svg.matchAll(new RegExp(`class="mark-line role-mark ${PARALLEL_LINES_CLASS}"[^>]*><path [^>]*?d="([^"]*)"`, 'g'))) n += (m[1]!.match(/M/g) ?? []).length;
  return n;
}

/** The page's embedded trial list, parsed back. */
function embeddedTrials(html: string): { trials: Array<{ trial: number; params: Record<string, unknown> }> } {
  const open = `<script type="application/json" id="${TRIALS_JSON_ID}">`;
  const start = html.indexOf(open);
  assert.ok(start >= 0, 'the page embeds the trial list');
  const body = html.slice(start + open.length, html.indexOf('</script>', start));
  assert.ok(!/[<>]/.test(body), 'no raw < or > inside the JSON block');
  return JSON.parse(body) as { trials: Array<{ trial: number; params: Record<string, unknown> }> };
}

describe('buildReportModel', () => {
  const model = buildReportModel(makeMeta(), handTrials());

  it('counts trials by state and finds the best', () => {
    const s = model.summary;
    assert.deepEqual(s.byState, { complete: 5, pruned: 1, failed: 1, running: 1, waiting: 1 });
    assert.equal(s.totalTrials, 9);
    assert.equal(s.plannedTrials, 20);
    assert.equal(s.bestValue, 0.9);
    assert.equal(s.bestTrial, 5);
    assert.equal(s.studyName, 'report-fixture');
    assert.deepEqual(s.sources, [
      { name: 'test', path: 'data/test.csv' },
      { name: 'train', path: 'data/train.csv' },
    ]);
    assert.deepEqual(s.sizes, { train: 4200, validation: 900, test: 946 });
    assert.equal(s.endReason, 'trial budget reached (20 trials)');
  });

  it('measures wall time from the first start to the last finish', () => {
    assert.equal(model.summary.firstStart, '2025-01-01T22:00:00.000Z');
    assert.equal(model.summary.lastFinish, '2025-01-01T22:10:00.000Z');
    assert.equal(model.summary.wallTimeSeconds, 600);
  });

  it('ranks complete trials best first, ties to the earlier trial, then lists pruned and failed with reasons', () => {
    const lb = model.leaderboard;
    assert.deepEqual(
      lb.map((r) => [r.rank, r.trial, r.state]),
      [
        [1, 5, 'complete'],
        [2, 1, 'complete'],
        [3, 6, 'complete'],
        [4, 3, 'complete'],
        [5, 0, 'complete'],
        [null, 2, 'pruned'],
        [null, 4, 'failed'],
      ],
    );
    assert.equal(lb[0]!.value, 0.9);
    assert.equal(lb[0]!.accuracy, 0.9);
    assert.equal(lb[0]!.bestEpoch, 4);
    assert.equal(lb[2]!.reason, 'oversample + class-weight double-count');
    assert.equal(lb[5]!.reason, 'pruned by the scheduler after epoch 2');
    assert.equal(lb[5]!.value, 0.62, 'a pruned trial shows its last reported value');
    assert.equal(lb[6]!.reason, 'NaN loss at epoch 3');
    assert.deepEqual(
      model.failures.map((f) => [f.trial, f.state]),
      [
        [2, 'pruned'],
        [4, 'failed'],
      ],
    );
  });

  it('builds a monotone best-so-far history over complete trials in trial order', () => {
    assert.deepEqual(
      model.history.map((p) => [p.trial, p.value, p.bestSoFar, p.improved]),
      [
        [0, 0.8, 0.8, true],
        [1, 0.85, 0.85, true],
        [3, 0.83, 0.85, false],
        [5, 0.9, 0.9, true],
        [6, 0.85, 0.9, false],
      ],
    );
    for (let i = 1; i < model.history.length; i++) assert.ok(model.history[i]!.bestSoFar >= model.history[i - 1]!.bestSoFar);
  });

  it("keeps the best trial's recipe (sorted keys), curve and confusion matrices", () => {
    const b = model.best!;
    assert.equal(b.trial, 5);
    assert.equal(b.seed, 1005);
    assert.deepEqual(
      b.params.map((p) => p.key),
      ['augment.eda.alpha', 'optimize.batchSize', 'optimize.lr'],
    );
    assert.deepEqual(
      model.bestCurve.map((e) => e.epoch),
      [1, 2, 3, 4],
    );
    assert.deepEqual(
      model.confusion.map((c) => c.split),
      ['validation', 'test'],
    );
    assert.deepEqual(model.confusion[0]!.labels, ['ham', 'spam', XSS_LABEL]);
    assert.deepEqual(model.confusion[0]!.matrix[0], [90, 10, 0]);
    assert.equal(model.confusion[1]!.accuracy, 0.88);
  });

  it('honours direction: minimize ranks the lowest value first and best-so-far never rises', () => {
    const m = buildReportModel(makeMeta({ direction: 'minimize' }), handTrials());
    assert.equal(m.summary.bestTrial, 0);
    assert.equal(m.summary.bestValue, 0.8);
    assert.deepEqual(
      m.leaderboard.filter((r) => r.rank !== null).map((r) => r.trial),
      [0, 3, 1, 6, 5],
    );
    assert.deepEqual(
      m.history.map((p) => p.bestSoFar),
      [0.8, 0.8, 0.8, 0.8, 0.8],
    );
  });

  it('copes with a study that has no complete trial', () => {
    const m = buildReportModel(makeMeta({ endReason: undefined }), [makeTrial(0, 'running', { start: 0 }), makeTrial(1, 'failed', { start: 0, end: 1, error: 'boom' })]);
    assert.equal(m.best, null);
    assert.equal(m.summary.bestValue, null);
    assert.deepEqual(m.history, []);
    assert.deepEqual(m.confusion, []);
    assert.equal(m.summary.endReason, null);
    assert.equal(m.summary.wallTimeSeconds, 60);
  });

  it('picks the params that vary as key params', () => {
    const trials = [
      makeTrial(0, 'complete', { params: { a: 1, b: 'x', c: true } }),
      makeTrial(1, 'complete', { params: { a: 2, b: 'x', c: true, d: 0.5 } }),
    ];
    assert.deepEqual(varyingParamNames(trials), ['a', 'd']);
  });

  it('does not mutate its input', () => {
    const trials = handTrials();
    const before = JSON.stringify(trials);
    buildReportModel(makeMeta(), trials);
    assert.equal(JSON.stringify(trials), before);
  });
});

describe('the page at scale', () => {
  it('renders the first rows of a long leaderboard and embeds all of them as JSON', async () => {
    const trials = syntheticTrials(LEADERBOARD_MAX_ROWS + 100, 5);
    const m = buildReportModel(makeMeta({ space: syntheticSpace() }), trials);
    const html = renderReportHtml(m, {});
    const lb = html.slice(html.indexOf('<table class="sortable leaderboard"'), html.indexOf('</table>', html.indexOf('<table class="sortable leaderboard"')));
    assert.equal((lb.match(/<tr data-trial=/g) ?? []).length, LEADERBOARD_MAX_ROWS);
    assert.match(html, new RegExp(`Showing the first ${LEADERBOARD_MAX_ROWS} of ${trials.length} trials`));
    const data = embeddedTrials(html);
    assert.equal(data.trials.length, trials.length);
    assert.deepEqual(
      new Set(data.trials.map((t) => t.trial)),
      new Set(trials.map((t) => t.number)),
    );
    for (const id of SECTION_IDS) assert.ok(html.includes(`<section id="${id}"`), id);
  });
});

describe('formatting', () => {
  it('writes JSON that cannot close its script element', () => {
    const text = jsonForScript({ a: '</script><!-- & \u2028' });
    assert.ok(!/[<>&\u2028]/.test(text));
    assert.deepEqual(JSON.parse(text), { a: '</script><!-- & \u2028' });
  });
  it('signs differences with a real minus', () => {
    assert.equal(formatSigned(-0.0052), '−0.0052');
    assert.equal(formatSigned(0.01), '+0.0100');
    assert.equal(formatSigned(0), '±0.0000');
  });
  it('escapes the five HTML specials', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
  it('formats durations and params for people', () => {
    assert.equal(formatDuration(4.25), '4.3 s');
    assert.equal(formatDuration(75), '1 m 15 s');
    assert.equal(formatDuration(3 * 3600 + 120), '3 h 02 m');
    assert.equal(formatDuration(null), '—');
    assert.equal(formatParam(3e-4), '3e-4');
    assert.equal(formatParam(0.123456), '0.1235');
    assert.equal(formatParam(64), '64');
    assert.equal(formatParam(true), 'true');
  });
});

describe('charts and page', () => {
  const meta = makeMeta({ name: 'study </title><script>alert("name")</script>', metric: 'f1 <em class="m">' });
  const trials = handTrials();
  trials[0]!.params['augment.generate.prompt'] = XSS_PARAM;
  const model = buildReportModel(meta, trials);

  it('renders every chart to SVG, one history point and one parallel line per complete trial', async () => {
    const charts = await renderCharts(model);
    // Five complete trials are too few for importance (6 at least), and the hand study searches no strategy;
    // without ablation.json and confirm.json there is nothing to plot for them (followups.test.ts has those charts).
    assert.deepEqual(
      Object.keys(charts),
      CHART_IDS.filter((id) => !['importance-params', 'importance-strategies', 'strategy-effects', 'confirm', 'ablation'].includes(id)),
    );
    for (const svg of Object.values(charts)) assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(countHistoryPoints(charts.history!), 5);
    assert.equal(countParallelLines(charts.parallel!), 5);
    // vega escapes the label in axis text and aria labels
    assert.ok(charts['confusion-validation']!.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!charts['confusion-validation']!.includes(XSS_LABEL));
  });

  it('counts hundreds of history points and parallel lines exactly, and renders every chart', async () => {
    const trials = syntheticTrials(600);
    const m = buildReportModel(makeMeta({ space: syntheticSpace() }), trials);
    const charts = await renderCharts(m);
    assert.deepEqual(Object.keys(charts), CHART_IDS.filter((id) => id !== 'confirm' && id !== 'ablation'));
    const complete = trials.filter((t) => t.state === 'complete').length;
    assert.equal(countHistoryPoints(charts.history!), complete);
    assert.equal(countParallelLines(charts.parallel!), complete);
  });

  it('keeps coordinates short and text intact', () => {
    const svg = '<path transform="translate(8.000000000000036,42.622222222222234)" d="M1.5811,0L-0.0000001,2"/><text transform="translate(1.23456,0)">0.123456</text>';
    assert.equal(compactSvg(svg), '<path transform="translate(8,42.62)" d="M1.58,0L0,2"/><text transform="translate(1.23,0)">0.123456</text>');
  });

  it('escapes every string from the data, the space and the params', async () => {
    const html = renderReportHtml(model, await renderCharts(model));
    assert.ok(!html.includes(XSS_LABEL), 'raw label');
    assert.ok(!html.includes(XSS_PARAM), 'raw param');
    assert.ok(!html.includes('<script>alert'), 'raw script anywhere');
    assert.ok(!html.includes('<em class="m">'), 'raw metric name');
    assert.ok(html.includes('f1 &lt;em class=&quot;m&quot;&gt;'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(html.includes('&lt;script&gt;alert(&quot;param&quot;)&lt;/script&gt;'));
    assert.equal((html.match(/<script>/g) ?? []).length, 1, 'one executable script: the page script');
    assert.equal((html.match(/<script/g) ?? []).length, 2, 'and the JSON data block');
    const data = embeddedTrials(html);
    assert.equal(data.trials.length, model.leaderboard.length);
    assert.equal(data.trials.find((t) => t.trial === trials[0]!.number)!.params['augment.generate.prompt'], XSS_PARAM, 'JSON keeps the string exactly');
    assert.equal((html.match(/<img/g) ?? []).length, 0);
    // Real tags only (text has no raw '<'), quoted values blanked: no on*= handler attribute remains.
    for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) {
      assert.ok(!/\son[a-z]+\s*=/i.test(tag.replace(/"[^"]*"/g, '""')), tag);
    }
  });

  it('escapes strings in the new sections too: axes, importance, workers, devices, notes, end reason', async () => {
    const trials = syntheticTrials(60, 8);
    trials[0]!.worker = XSS_LABEL;
    trials[1]!.device = XSS_LABEL;
    const noted = trials.find((t) => t.metrics)!;
    noted.metrics!.notes = [XSS_PARAM];
    const m = buildReportModel(
      makeMeta({
        space: syntheticSpace(),
        endedBy: XSS_PARAM,
        execution: { backend: XSS_LABEL, devices: [{ id: XSS_LABEL, slots: 2 }], staleTrials: 'retry' },
      }),
      trials,
    );
    assert.ok(m.parallel.axes.some((a) => a.key === 'data.text-column'), 'the script tag is a choice on an axis');
    const html = renderReportHtml(m, await renderCharts(m));
    assert.ok(!html.includes(XSS_LABEL), 'raw label');
    assert.ok(!html.includes(XSS_PARAM), 'raw param');
    assert.equal((html.match(/<img/g) ?? []).length, 0);
    assert.equal((html.match(/<script>/g) ?? []).length, 1);
    for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) {
      assert.ok(!/\son[a-z]+\s*=/i.test(tag.replace(/"[^"]*"/g, '""')), tag);
    }
  });

  it('references no URL but the SVG namespaces, and has every section', async () => {
    const html = renderReportHtml(model, await renderCharts(model));
    const urls = html.match(/https?:\/\/[^\s"'<>)]*/g) ?? [];
    assert.ok(urls.length > 0, 'the SVG namespaces are there');
    for (const u of urls) assert.match(u, /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/);
    for (const m of html.matchAll(/\s(src|href)="([^"]*)"/g)) assert.match(m[2]!, /^(#[a-z-]+|data:,)$/, `${m[1]}=${m[2]}`);
    for (const id of SECTION_IDS) assert.ok(html.includes(`<section id="${id}"`), id);
    assert.match(html, /Content-Security-Policy/);
  });

  it('says how the best value\'s interval was computed, the budget used and why the sweep ended', () => {
    const html = renderReportHtml(model, {});
    assert.match(html, /95% Wilson score interval 0\.8\d{3} – 0\.9\d{3}/);
    assert.match(html, /270 of 300 right/);
    assert.match(html, /9 of 20 trials \(45%\) · 22 epochs trained/);
    assert.match(html, /<b>trial budget reached \(20 trials\)<\/b>/);
  });

  it('writes index.html, creating the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ht-report-'));
    try {
      const out = join(dir, 'a', 'b');
      const { file, bytes } = await writeReport(makeMeta(), handTrials(), out);
      assert.equal(file, join(out, 'index.html'));
      const text = await readFile(file, 'utf8');
      assert.equal(Buffer.byteLength(text), bytes);
      assert.match(text, /^<!doctype html>/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('renders a page for a study with no complete trial', async () => {
    const m = buildReportModel(makeMeta(), [makeTrial(0, 'failed', { start: 0, end: 1, error: 'E_TRIAL_FAILED: <oops>' })]);
    const charts = await renderCharts(m);
    assert.deepEqual(Object.keys(charts), ['timeline'], 'only the timeline has data');
    const html = renderReportHtml(m, charts);
    for (const id of SECTION_IDS) assert.ok(html.includes(`<section id="${id}"`), id);
    assert.ok(html.includes('E_TRIAL_FAILED: &lt;oops&gt;'));
  });
});
