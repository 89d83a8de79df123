/**
 * The report as a person sees it: written for a hand-made study, opened from
 * disk in headless Chromium, checked for errors, content, escaping and sorting,
 * and photographed to test-artifacts/report.png.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import { ABLATION_POINTS_CLASS, buildCurves, CHART_IDS, CONFIRM_MEANS_CLASS, HISTORY_POINTS_CLASS, PARALLEL_LINES_CLASS, SECTION_IDS, TRIALS_JSON_ID, schedulerRungs, writeReport } from '../../src/report/index.js';
import { ablationJson, confirmJson } from '../unit/report/followups-fixture.js';
import { makeMeta, syntheticSpace, syntheticTrials, XSS_LABEL, XSS_PARAM } from '../unit/report/fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const MISSING = `Chromium not found at ${CHROMIUM}; install it with: apt-get update && apt-get install -y chromium`;
const ARTIFACTS = resolve('test-artifacts');

describe('report in headless Chromium', () => {
  it('opens clean, shows every section and chart, escapes labels, sorts the leaderboard and saves the trials', { timeout: 120_000, skip: !HAVE_CHROMIUM && !process.env.CI ? MISSING : false }, async () => {
    // In CI a missing browser is a failure, not a silent skip.
    if (!HAVE_CHROMIUM) assert.fail(MISSING);

    const trials = syntheticTrials(24, 11);
    const complete = trials.filter((t) => t.state === 'complete').length;
    assert.ok(complete >= 12 && trials.some((t) => t.state === 'pruned') && trials.some((t) => t.state === 'failed'), 'fixture mix');

    const dir = await mkdtemp(join(tmpdir(), 'ht-report-e2e-'));
    let browser: Browser | undefined;
    try {
      // the study folder holds what `confirm` and `ablate` wrote: the confirmed winner's ablation
      const meta = makeMeta({ nTrials: 24, space: syntheticSpace() });
      const confirm = confirmJson(meta, trials);
      const ablation = ablationJson(meta, trials, trials.find((t) => t.number === confirm.winner.trial));
      await writeFile(join(dir, 'confirm.json'), JSON.stringify(confirm));
      await writeFile(join(dir, 'ablation.json'), JSON.stringify(ablation));
      const { file, notes } = await writeReport(meta, trials, dir, { studyDir: dir });
      assert.deepEqual(notes, [], 'both files current');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      });
      const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
      const consoleErrors: string[] = [];
      const pageErrors: string[] = [];
      const dialogs: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('request', (r) => {
        if (!/^(file|data|blob):/.test(r.url())) requests.push(r.url());
      });

      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      for (const id of SECTION_IDS) assert.equal(await page.locator(`section#${id}`).count(), 1, `section #${id}`);
      for (const id of CHART_IDS) assert.equal(await page.locator(`#chart-${id} svg`).count(), 1, `chart ${id}`);
      const points = await page.locator(`#chart-history g.${HISTORY_POINTS_CLASS} > path[aria-roledescription="point"]`).count();
      assert.equal(points, complete, 'one history point per complete trial');
      const timePoints = await page.locator('#chart-history-time g.history_time_points_marks > path[aria-roledescription="point"]').count();
      assert.equal(timePoints, complete, 'one point per complete trial over wall-clock time too');
      // Parallel coordinates: lines are drawn in colour bands, one subpath per trial.
      const subpaths = await page
        .locator(`#chart-parallel g.${PARALLEL_LINES_CLASS} > path`)
        .evaluateAll((paths) => paths.reduce((n, p) => n + ((p.getAttribute('d') ?? '').match(/M/g) ?? []).length, 0));
      assert.equal(subpaths, complete, 'one parallel-coordinates line per complete trial');
      const workers = new Set(trials.map((t) => t.worker)).size;
      assert.equal(await page.locator('#chart-timeline g.timeline_bars_marks > path').count(), trials.length, 'one timeline bar per trial');
      assert.ok(workers >= 2, 'the fixture uses a pool');
      // asha's rungs: a ▲ where a trial passed one and trained on
      const promotions = buildCurves(trials, 'maximize', schedulerRungs(meta)).trials.reduce((n, t) => n + t.promotions.length, 0);
      assert.ok(promotions > 0, 'the fixture has promotions');
      assert.equal(await page.locator('#chart-curves g.curves_promotions_marks > path[aria-roledescription="point"]').count(), promotions, 'one ▲ per promotion');
      assert.equal(await page.locator('#importance .empty').count(), 0, 'importance has data');

      // Confirmation and ablation: the winner, one mark per retrained recipe, a verdict per strategy, no stale note.
      assert.match((await page.locator('#confirmation .confirm-winner').textContent())!, new RegExp(`Confirmed winner: trial #${confirm.winner.trial}`));
      assert.equal(await page.locator('#confirmation table.confirm-table tbody tr').count(), confirm.confirmed.length);
      assert.equal(await page.locator(`#chart-confirm g.${CONFIRM_MEANS_CLASS} > path`).count(), confirm.confirmed.length);
      assert.equal(await page.locator('#ablation table.ablation-table tbody tr').count(), ablation.rows.length + 2, 'full recipe, each strategy, the default recipe');
      const withChange = [...ablation.rows, ablation.baseline].filter((r) => r.change !== null).length;
      assert.equal(await page.locator(`#chart-ablation g.${ABLATION_POINTS_CLASS} > path`).count(), withChange);
      const verdicts = await page.locator('#ablation td.verdict').allTextContents();
      assert.ok(verdicts.some((v) => v.startsWith('matters')) && verdicts.includes('not distinguishable from 0'), verdicts.join(' | '));
      assert.ok((await page.locator('#ablation').textContent())!.includes(XSS_PARAM), 'a strategy value from the data shows as text');
      assert.equal(await page.locator('.warn.stale, .warn.invalid').count(), 0);
      assert.match((await page.locator('#summary .facts').textContent())!, /Reproducibilityper trial: each trial's metrics reproduce/);

      // The XSS label is text on the page, no element came of it.
      const labelTexts = await page.locator('#summary .label-chip').allTextContents();
      assert.ok(labelTexts.includes(XSS_LABEL), `labels shown: ${labelTexts.join(' | ')}`);
      assert.ok((await page.locator('#confusion .perclass').first().textContent())!.includes(XSS_LABEL));
      assert.equal(await page.locator('img').count(), 0);
      assert.equal(await page.locator('script:not([type="application/json"])').count(), 1, 'one executable script');
      const embedded = JSON.parse((await page.locator(`script#${TRIALS_JSON_ID}`).textContent())!) as { trials: Array<{ params: Record<string, unknown> }> };
      assert.equal(embedded.trials.length, trials.length);
      assert.ok(embedded.trials.some((t) => t.params['data.text-column'] === XSS_PARAM), 'the data keeps the script tag as a string');
      // The parallel-coordinates axis shows the same string as text.
      assert.ok((await page.locator('#chart-parallel svg').textContent())!.includes(XSS_PARAM.slice(0, 8)));

      // Saving the full list: a download of the embedded JSON, no network.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-trials').click()]);
      assert.equal(download.suggestedFilename(), 'report-fixture-trials.json');
      const saved = JSON.parse(await readFile((await download.path())!, 'utf8')) as { trials: unknown[] };
      assert.equal(saved.trials.length, trials.length);

      // Sorting: by trial number ascending, then descending; by value with empty cells last.
      const rowTrials = () => page.locator('table.leaderboard tbody tr').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-trial'))));
      const initial = await rowTrials();
      assert.equal(initial.length, trials.filter((t) => t.state !== 'running' && t.state !== 'waiting').length);
      const header = page.locator('table.leaderboard thead th', { hasText: 'Trial #' });
      await header.locator('button').click();
      const asc = await rowTrials();
      assert.deepEqual(asc, [...initial].sort((a, b) => a - b));
      assert.equal(await header.getAttribute('aria-sort'), 'ascending');
      await header.locator('button').click();
      assert.deepEqual(await rowTrials(), [...initial].sort((a, b) => b - a));
      assert.equal(await header.getAttribute('aria-sort'), 'descending');

      await page.locator('table.leaderboard thead th', { hasText: 'Accuracy' }).locator('button').click();
      const acc = await page
        .locator('table.leaderboard tbody tr td:nth-child(5)')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-v') ?? ''));
      const filled = acc.filter((v) => v !== '').map(Number);
      assert.equal(filled.length, complete);
      assert.deepEqual(filled, [...filled].sort((a, b) => a - b), 'accuracy ascending');
      assert.ok(acc.slice(filled.length).every((v) => v === ''), 'trials without accuracy last');

      // Back to rank order for the screenshot.
      await page.locator('table.leaderboard thead th', { hasText: 'Rank' }).locator('button').click();
      assert.deepEqual((await rowTrials()).slice(0, complete), initial.slice(0, complete));

      // Back to the top, so the sticky header sits where it belongs in the full-page photo.
      await page.evaluate('window.scrollTo({ top: 0, behavior: "instant" })');
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });

      assert.deepEqual(dialogs, [], 'no dialog fired');
      assert.deepEqual(pageErrors, [], 'no page errors');
      assert.deepEqual(consoleErrors, [], 'no console errors');
      assert.deepEqual(requests, [], 'no network requests');
    } finally {
      await browser?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
