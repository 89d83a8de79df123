import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isHybridTuneError } from '../../../src/errors.js';
import {
  ABLATION_POINTS_CLASS,
  ablationVerdict,
  buildAblationView,
  buildConfirmView,
  buildReportModel,
  CONFIRM_MEANS_CLASS,
  CONFIRM_SWEEP_CLASS,
  parseAblationJson,
  parseConfirmJson,
  readFollowUps,
  renderCharts,
  renderReportHtml,
  writeReport,
} from '../../../src/report/index.js';
import { reproducibility } from '../../../src/study/status.js';
import { handTrials, makeMeta, makeTrial, XSS_PARAM } from './fixture.js';
import { ablationJson, confirmJson } from './followups-fixture.js';

const meta = makeMeta();
const file = (name: string) => `/study/${name}`;
const mi = (mean: number, low: number, high: number, n = 3) => ({ n, mean, sd: 0.01, low, high, level: 0.95, method: 't' as const });

/** Marks of a named vega layer in an SVG string. */
function countMarks(svg: string, name: string): number {
  const start = svg.indexOf(`role-mark ${name}"`);
  assert.ok(start >= 0, `layer ${name}`);
  const end = svg.indexOf('</g>', start);
  return (svg.slice(start, end).match(/<path /g) ?? []).length;
}

describe('ablation verdicts', () => {
  it('says a strategy matters only when the paired interval excludes 0, in the right direction', () => {
    assert.equal(ablationVerdict(mi(-0.02, -0.03, -0.01), 'maximize').verdict, 'helps');
    assert.match(ablationVerdict(mi(-0.02, -0.03, -0.01), 'maximize').text, /^matters: removing it costs 0\.0200/);
    assert.equal(ablationVerdict(mi(0.02, 0.01, 0.03), 'maximize').verdict, 'hurts');
    assert.equal(ablationVerdict(mi(0.001, -0.01, 0.012), 'maximize').verdict, 'not-distinguishable');
    assert.equal(ablationVerdict(mi(0.001, -0.01, 0.012), 'maximize').text, 'not distinguishable from 0');
    // a loss-like metric: removing it raising the value means it helped
    assert.equal(ablationVerdict(mi(0.02, 0.01, 0.03), 'minimize').verdict, 'helps');
    assert.equal(ablationVerdict(mi(-0.02, -0.02, -0.02, 1), 'maximize').verdict, 'no-interval');
    assert.equal(ablationVerdict(null, 'maximize', 3).verdict, 'failed');
    assert.equal(ablationVerdict({ ...mi(-0.02, -0.02, -0.02), sd: 0 }, 'maximize').text, 'matters: removing it costs 0.0200 (every seed gave the same change)');
  });
});

describe('follow-up files are checked before the report trusts them', () => {
  it('accepts what ablate and confirm write', () => {
    const trials = handTrials();
    assert.equal(parseAblationJson(ablationJson(meta, trials), file('ablation.json')).trial, 5);
    assert.equal(parseConfirmJson(confirmJson(meta, trials), file('confirm.json')).winner.trial, 1);
  });

  it('names the file and the key at fault', () => {
    const trials = handTrials();
    const cases: Array<[() => unknown, RegExp]> = [
      [() => parseAblationJson({ ...ablationJson(meta, trials), format: 'other' }, file('ablation.json')), /format/],
      [() => parseAblationJson({ ...ablationJson(meta, trials), formatVersion: 9 }, file('ablation.json')), /formatVersion/],
      [
        () => {
          const a = ablationJson(meta, trials) as unknown as { rows: Array<{ change: { mean: unknown } }> };
          a.rows[1]!.change.mean = 'x';
          return parseAblationJson(a, file('ablation.json'));
        },
        /rows\[1\]\.change\.mean/,
      ],
      [() => parseConfirmJson({ ...confirmJson(meta, trials), winner: undefined }, file('confirm.json')), /winner/],
      [() => parseConfirmJson({ ...confirmJson(meta, trials), confirmed: [{ rank: 1 }] }, file('confirm.json')), /confirmed\[0\]\.trial/],
      [() => parseConfirmJson([1, 2], file('confirm.json')), /JSON object/],
    ];
    for (const [f, key] of cases) {
      assert.throws(f, (e: unknown) => {
        assert.ok(isHybridTuneError(e));
        assert.equal(e.details.file?.endsWith('.json'), true);
        assert.match(`${e.details.key} ${e.message}`, key);
        return true;
      });
    }
  });
});

describe('buildAblationView', () => {
  it('without ablation.json: absent, with the command that writes it', () => {
    const v = buildAblationView(meta, handTrials(), { studyPath: 'runs/x' });
    assert.equal(v.state, 'absent');
    assert.equal(v.command, 'hybridtune ablate runs/x --seeds 5');
    assert.deepEqual(v.rows, []);
  });

  it('one row per strategy with its paired change, interval, seeds and verdict, and the default recipe', () => {
    const trials = handTrials();
    const v = buildAblationView(meta, trials, { ablation: { file: file('ablation.json'), raw: ablationJson(meta, trials) } });
    assert.equal(v.state, 'present');
    assert.deepEqual(v.stale, []);
    assert.equal(v.trial, 5);
    assert.equal(v.seeds, 3);
    assert.deepEqual(
      v.rows.map((r) => [r.label, r.to, r.verdict]),
      [
        ['balance: oversample', 'none', 'helps'],
        ['augment.eda', 'off', 'not-distinguishable'],
        ['regularize.dropout = 0.2', '0', 'hurts'],
        [`head: ${XSS_PARAM}`, 'linear', 'failed'],
      ],
    );
    const first = v.rows[0]!;
    assert.ok(Math.abs(first.change!.mean - -0.0273333) < 1e-6);
    assert.ok(first.change!.low < first.change!.mean && first.change!.mean < first.change!.high && first.change!.high < 0);
    assert.equal(v.rows[3]!.failed, 3);
    assert.equal(v.rows[3]!.firstError, 'out of memory');
    assert.equal(v.baseline!.label, 'every strategy (the default recipe)');
    assert.equal(v.baseline!.verdict, 'helps');
    assert.ok(Math.abs(v.full!.mean - 0.91) < 1e-12);
  });

  it('notes when the ablated trial is no longer the winner, or another study wrote the file', () => {
    const trials = handTrials();
    const t1 = trials.find((t) => t.number === 1)!;
    const a = ablationJson(meta, trials, t1);
    const v = buildAblationView(meta, trials, { ablation: { file: file('ablation.json'), raw: a } });
    assert.equal(v.stale.length, 1);
    assert.match(v.stale[0]!, /ablates trial #1 .* now trial #5 \(the best trial\)/);
    // the confirmed winner is #1: the same ablation is current
    const c = confirmJson(meta, trials);
    assert.equal(c.winner.trial, 1);
    assert.deepEqual(buildAblationView(meta, trials, { ablation: { file: file('ablation.json'), raw: a }, confirm: { file: file('confirm.json'), raw: c } }).stale, []);
    // ... unless the study ran more trials since confirm: then the best trial stands for it again
    const more = [...trials, makeTrial(9, 'complete', { value: 0.7, start: 11, end: 12 })];
    assert.equal(buildAblationView(meta, more, { ablation: { file: file('ablation.json'), raw: a }, confirm: { file: file('confirm.json'), raw: c } }).stale.length, 1);
    const other = buildAblationView(meta, trials, { ablation: { file: file('ablation.json'), raw: { ...ablationJson(meta, trials), study: 'elsewhere' } } });
    assert.match(other.stale.join(' '), /written for study 'elsewhere'/);
    const changed = ablationJson(meta, trials);
    changed.params = { ...changed.params, 'optimize.lr': 0.5 };
    assert.match(buildAblationView(meta, trials, { ablation: { file: file('ablation.json'), raw: changed } }).stale.join(' '), /another recipe/);
  });

  it('a file that cannot be read is shown as such, naming it', () => {
    const v = buildAblationView(meta, handTrials(), { ablation: { file: file('ablation.json'), raw: { format: 'hybridtune-ablation' } } });
    assert.equal(v.state, 'invalid');
    assert.match(v.error!, /ablation\.json/);
    assert.match(v.error!, /formatVersion/);
  });
});

describe('buildConfirmView', () => {
  it('ranks by mean over seeds, names the winner and whether it differs from the search best', () => {
    const trials = handTrials();
    const v = buildConfirmView(meta, trials, { confirm: { file: file('confirm.json'), raw: confirmJson(meta, trials) } });
    assert.equal(v.state, 'present');
    assert.deepEqual(v.stale, []);
    assert.deepEqual(
      v.rows.map((r) => [r.rank, r.trial, r.originalRank]),
      [
        [1, 1, 2],
        [2, 5, 1],
        [3, 6, 3],
      ],
    );
    assert.equal(v.winner!.trial, 1);
    assert.equal(v.winner!.changed, true);
    assert.equal(v.winner!.searchBest, 5);
    assert.equal(v.winner!.clearOfRunnerUp, true);
    assert.equal(v.winner!.runnerUp, 5);
    assert.ok(v.rows[0]!.isWinner && v.rows[1]!.isSearchBest);
    assert.equal(v.seeds, 3);
    assert.equal(v.command, 'hybridtune confirm trials/report-fixture --top 3 --seeds 3', 'refresh with the same top and seeds');
  });

  it('notes a confirm.json computed before more trials completed, or for another best', () => {
    const trials = handTrials();
    const c = confirmJson(meta, trials);
    const more = [...trials, makeTrial(9, 'complete', { value: 0.99, start: 11, end: 12 })];
    const v = buildConfirmView(meta, more, { confirm: { file: file('confirm.json'), raw: c } });
    assert.equal(v.stale.length, 2);
    assert.match(v.stale[0]!, /5 complete trials; it has 6 now/);
    assert.match(v.stale[1]!, /best single run is now trial #9, not #5/);
  });

  it('reads both files from a study folder, a broken one as an error naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ht-followups-'));
    try {
      assert.deepEqual(await readFollowUps(dir), {});
      await writeFile(join(dir, 'confirm.json'), JSON.stringify(confirmJson(meta, handTrials())));
      await writeFile(join(dir, 'ablation.json'), '{ not json');
      const f = await readFollowUps(dir);
      assert.ok(f.confirm && 'raw' in f.confirm);
      assert.ok(f.ablation && 'error' in f.ablation && /not valid JSON/.test(f.ablation.error));
      const out = join(dir, 'report');
      const r = await writeReport(meta, handTrials(), out, { studyDir: dir });
      assert.equal(r.notes.length, 1);
      assert.match(r.notes[0]!, /ablation\.json was not read: not valid JSON/);
      const html = await readFile(r.file, 'utf8');
      assert.match(html, /Could not read <code>[^<]*ablation\.json<\/code>/);
      assert.match(html, /Confirmed winner: trial <b>#1<\/b>/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the page', () => {
  it('without the files: both sections say which command produces them; the summary states the reproducibility guarantee', async () => {
    const trials = handTrials();
    const m = buildReportModel(meta, trials);
    assert.deepEqual(m.summary.reproducibility, reproducibility(meta, trials));
    const html = renderReportHtml(m, await renderCharts(m));
    assert.match(html, /<section id="confirmation"[\s\S]*?hybridtune confirm trials\/report-fixture --top 5 --seeds 5/);
    assert.match(html, /<section id="ablation"[\s\S]*?hybridtune ablate trials\/report-fixture --seeds 5/);
    const text = reproducibility(meta, trials).text;
    assert.match(text, /^per trial: /);
    assert.ok(html.includes(`<dt>Reproducibility</dt><dd><b>per trial</b>${text.slice('per trial'.length).replace(/'/g, '&#39;')}</dd>`));
  });

  it('with them: tables, verdicts, the winner, interval charts with one mark per row, escaped labels, stale notes', async () => {
    const trials = handTrials();
    const t1 = trials.find((t) => t.number === 1)!;
    const m = buildReportModel(meta, trials, {
      ablation: { file: file('ablation.json'), raw: ablationJson(meta, trials, t1) },
      confirm: { file: file('confirm.json'), raw: confirmJson(meta, trials) },
    });
    const charts = await renderCharts(m);
    // four rows with a change (one failed) and the default recipe
    assert.equal(countMarks(charts.ablation!, ABLATION_POINTS_CLASS), 4);
    assert.equal(countMarks(charts.confirm!, CONFIRM_MEANS_CLASS), 3);
    assert.equal(countMarks(charts.confirm!, CONFIRM_SWEEP_CLASS), 3);
    const html = renderReportHtml(m, charts);
    const ablation = html.slice(html.indexOf('<section id="ablation"'), html.indexOf('</section>', html.indexOf('<section id="ablation"')));
    assert.match(ablation, /matters: removing it costs 0\.0273/);
    assert.match(ablation, /not distinguishable from 0/);
    assert.match(ablation, /matters: removing it gains/);
    assert.match(ablation, /id="chart-ablation"/);
    assert.ok(!ablation.includes(XSS_PARAM) && ablation.includes('&lt;script&gt;'), 'labels from the data are escaped');
    // ablation of #1 = the confirmed winner: current
    assert.ok(!ablation.includes('class="warn stale"'));
    const confirm = html.slice(html.indexOf('<section id="confirmation"'), html.indexOf('</section>', html.indexOf('<section id="confirmation"')));
    assert.match(confirm, /Confirmed winner: trial <b>#1<\/b>/);
    assert.match(confirm, /differs from the search's best single run<\/b>, trial #5 \(0\.9000 in the sweep/);
    assert.match(confirm, /id="chart-confirm"/);
    assert.match(html, /<dt>Follow-ups<\/dt><dd>confirmed winner <a href="#confirmation">trial #1<\/a>/);
    const best = html.slice(html.indexOf('<section id="best-recipe"'), html.indexOf('</section>', html.indexOf('<section id="best-recipe"')));
    assert.match(best, /trial <b>#1<\/b> has the best mean: it is the <a href="#confirmation">confirmed winner<\/a>/);

    // one more complete trial after both ran: both are flagged
    const more = [...trials, makeTrial(9, 'complete', { value: 0.99, start: 11, end: 12 })];
    const m2 = buildReportModel(meta, more, {
      ablation: { file: file('ablation.json'), raw: ablationJson(meta, trials, t1) },
      confirm: { file: file('confirm.json'), raw: confirmJson(meta, trials) },
    });
    const html2 = renderReportHtml(m2, await renderCharts(m2));
    assert.equal((html2.match(/class="warn stale"/g) ?? []).length, 2);
    assert.match(html2, /the study&#39;s winner is now trial #9/);
  });
});
