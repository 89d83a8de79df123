/**
 * A sweep that confirms its top trials when the search ends (--confirm-top, or
 * sweep.confirm-top in the space file): confirm.json beside study.json, and
 * the report written after it shows the confirmation.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, tempDir as makeTempDir, write } from '../helpers/cli.js';
import { smallSpaceYaml, writeSmallSpam } from '../helpers/small-task.js';

interface ConfirmJson {
  top: number;
  completeTrials: number;
  seeds: number[];
  confirmed: Array<{ trial: number; values: Array<number | null> }>;
  original: Array<{ trial: number }>;
  winner: { trial: number; changed: boolean; model: string };
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

describe('sweep --confirm-top', () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    const d = makeTempDir(prefix);
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('confirms the top trials on several seeds after the search, before the report, which shows it', { timeout: 240_000 }, async () => {
    const dir = tempDir('ht-e2e-sweep-confirm-');
    writeSmallSpam(dir);
    write(dir, 'small.yaml', smallSpaceYaml('small', 4));
    const r = await runCli(['sweep', 'small.yaml', '--confirm-top', '2', '--confirm-seeds', '2', '--workers', '2'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /then confirm the top 2 on 2 seeds/);
    assert.match(r.stdout, /confirming the top 2 trials on 2 seeds each/);
    assert.match(r.stdout, /^winner {3}trial \d+/m);
    // the confirmation is printed before the final summary and the report line
    assert.ok(r.stdout.indexOf('confirming the top') < r.stdout.indexOf('report   reports/small/index.html'), r.stdout);

    const c = readJson<ConfirmJson>(path.join(dir, 'trials/small/confirm.json'));
    assert.equal(c.top, 2);
    assert.equal(c.seeds.length, 2);
    assert.equal(c.confirmed.length, 2);
    assert.ok(c.confirmed.every((e) => e.values.length === 2 && e.values.every((v) => typeof v === 'number' && v > 0.5)), JSON.stringify(c.confirmed));
    const trials = readJson<{ trials: Array<{ state: string }> }>(path.join(dir, 'trials/small/trials.json')).trials;
    assert.equal(c.completeTrials, trials.filter((t) => t.state === 'complete').length);
    assert.ok(existsSync(path.join(dir, 'trials/small', c.winner.model, 'model.json')));

    const html = readFileSync(path.join(dir, 'reports/small/index.html'), 'utf8');
    const section = html.slice(html.indexOf('<section id="confirmation"'), html.indexOf('</section>', html.indexOf('<section id="confirmation"')));
    assert.match(section, new RegExp(`Confirmed winner: trial <b>#${c.winner.trial}</b>`));
    assert.equal((section.match(/<tr data-trial=/g) ?? []).length, 2);
    assert.match(section, c.winner.changed ? /differs from the search's best single run/ : /also the search's best single run/);
    assert.ok(!section.includes('class="warn stale"'), 'written for this study as it is');
    // no ablation yet: the page gives the command
    assert.match(html, /<section id="ablation"[\s\S]*?hybridtune ablate trials\/small --seeds 5/);

    // `hybridtune report` reads the same file again
    const rep = await runCli(['report', 'trials/small', '--out', 'again'], dir);
    assert.equal(rep.code, 0, rep.stderr);
    assert.equal(rep.stderr, '');
    assert.match(readFileSync(path.join(dir, 'again/index.html'), 'utf8'), new RegExp(`Confirmed winner: trial <b>#${c.winner.trial}</b>`));
  });

  it('takes sweep.confirm-top and sweep.confirm-seeds from the space file', { timeout: 240_000 }, async () => {
    const dir = tempDir('ht-e2e-sweep-confirm-');
    writeSmallSpam(dir);
    write(dir, 'small.yaml', smallSpaceYaml('keys', 2).replace('  workers: 2\n', '  workers: 2\n  confirm-top: 1\n  confirm-seeds: 2\n'));
    const r = await runCli(['sweep', 'small.yaml', '--no-report'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const c = readJson<ConfirmJson>(path.join(dir, 'trials/keys/confirm.json'));
    assert.equal(c.top, 1);
    assert.equal(c.seeds.length, 2);
    assert.equal(c.winner.changed, false, 'one trial confirmed: the best one');
    // without the key (the default 0) a sweep confirms nothing
    write(dir, 'plain.yaml', smallSpaceYaml('plain', 1));
    const plain = await runCli(['sweep', 'plain.yaml', '--no-report'], dir);
    assert.equal(plain.code, 0, plain.stderr + plain.stdout);
    assert.ok(!existsSync(path.join(dir, 'trials/plain/confirm.json')));
    assert.doesNotMatch(plain.stdout, /confirming the top|then confirm/);
  });

  it('does not confirm after a sweep stopped by failures, and says how to confirm later', { timeout: 120_000 }, async () => {
    const dir = tempDir('ht-e2e-sweep-confirm-');
    writeSmallSpam(dir);
    write(dir, 'small.yaml', smallSpaceYaml('failing', 3));
    process.env['HYBRIDTUNE_TEST_FAULT'] = 'throw@trial=0';
    try {
      const r = await runCli(['sweep', 'small.yaml', '--workers', '1', '--max-failures', '1', '--confirm-top', '2', '--confirm-seeds', '2', '--no-report'], dir);
      assert.equal(r.code, 3, r.stderr + r.stdout);
      assert.match(r.stdout, /confirm {2}skipped: the sweep ended by max-failures; confirm later: hybridtune confirm trials\/failing --top 2 --seeds 2/);
      assert.ok(!existsSync(path.join(dir, 'trials/failing/confirm.json')));
    } finally {
      delete process.env['HYBRIDTUNE_TEST_FAULT'];
    }
  });

  it('refuses bad values, naming the flag or the key, before anything is written', async () => {
    const dir = tempDir('ht-e2e-sweep-confirm-');
    writeSmallSpam(dir);
    write(dir, 'small.yaml', smallSpaceYaml('bad', 2));
    const flag = await runCli(['sweep', 'small.yaml', '--confirm-top', '-1'], dir);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /E_BAD_FLAG[\s\S]*--confirm-top/);
    const seeds = await runCli(['sweep', 'small.yaml', '--confirm-top', '2', '--confirm-seeds', '0'], dir);
    assert.equal(seeds.code, 2);
    assert.match(seeds.stderr, /E_BAD_FLAG[\s\S]*--confirm-seeds/);
    write(dir, 'key.yaml', smallSpaceYaml('badkey', 2).replace('  workers: 2\n', '  workers: 2\n  confirm-top: many\n'));
    const key = await runCli(['sweep', 'key.yaml'], dir);
    assert.equal(key.code, 2);
    assert.match(key.stderr, /key\.yaml:\d+[\s\S]*confirm-top/);
    assert.ok(!existsSync(path.join(dir, 'trials')), 'nothing written');
  });
});
