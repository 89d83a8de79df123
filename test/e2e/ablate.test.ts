import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import Papa from 'papaparse';
import { loadBuiltin } from '../../src/data/builtin.js';
import { runCli, tempDir, write } from '../helpers/cli.js';

/** Real messages from the built-in corpus: 200 ham, 100 spam for training, 60 + 30 for validation. */
function writeSpamCsv(dir: string): void {
  const table = loadBuiltin('spam-assassin');
  const ham = table.rows.filter((r) => r['label'] === 'ham');
  const spam = table.rows.filter((r) => r['label'] === 'spam');
  const pick = (rows: typeof ham, from: number, to: number) => rows.slice(from, to).map((r) => ({ text: r['text']!.slice(0, 400), label: r['label'] }));
  writeFileSync(path.join(dir, 'train.csv'), Papa.unparse([...pick(ham, 0, 200), ...pick(spam, 0, 100)]));
  writeFileSync(path.join(dir, 'dev.csv'), Papa.unparse([...pick(ham, 200, 260), ...pick(spam, 100, 130)]));
}

const SPACE = `name: catalogue
seed: 3
task:
  data:
    train: train.csv
    validation: dev.csv
  text: text
  label: label
  metric: macro-f1
sweep:
  n-trials: 4
  workers: 2
search:
  optimizer.lr: { float: [0.02, 0.2], log: true }
  optimizer.epochs: 2
  balance: { choices: [smote, oversample] }
  balance.reweight: { float: [0.0, 1.0] }
  augment.mixup: true
  augment.mixup.alpha: { float: [0.1, 0.4] }
  augment.feature-noise: { choices: [false, true] }
  distill: true
  distill.weight: { float: [0.2, 0.6] }
  regularize.dropout: { float: [0.05, 0.3] }
`;

describe('ablate and confirm, as a user runs them (the built binary, a fresh folder)', () => {
  let dir: string;
  before(async () => {
    dir = tempDir('ht-e2e-ablate-');
    writeSpamCsv(dir);
    write(dir, 'catalogue.yaml', SPACE);
    const sweep = await runCli(['sweep', 'catalogue.yaml', '--no-report'], dir);
    assert.equal(sweep.code, 0, sweep.stderr + sweep.stdout);
    assert.match(sweep.stdout, /4 complete/);
  });

  it('confirm ranks the top trials by mean over seeds, and export takes the confirmed winner', async () => {
    const r = await runCli(['confirm', 'trials/catalogue', '--top', '2', '--seeds', '2', '--workers', '2'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /top 2 trials of catalogue retrained with 2 seeds/);
    assert.match(r.stdout, /^winner {3}trial \d+/m);
    const c = JSON.parse(readFileSync(path.join(dir, 'trials/catalogue/confirm.json'), 'utf8')) as { winner: { trial: number; model: string }; confirmed: Array<{ trial: number; values: number[] }> };
    assert.equal(c.confirmed.length, 2);
    assert.ok(c.confirmed.every((e) => e.values.length === 2 && e.values.every((v) => v > 0.5)));
    assert.ok(existsSync(path.join(dir, 'trials/catalogue', c.winner.model, 'model.json')));
    const ex = await runCli(['export', 'trials/catalogue', '--out', 'recipe'], dir);
    assert.equal(ex.code, 0, ex.stderr + ex.stdout);
    assert.match(ex.stdout, new RegExp(`exported trial ${c.winner.trial}, the confirmed winner,`));
    const recipe = JSON.parse(readFileSync(path.join(dir, 'recipe/recipe.json'), 'utf8')) as { trial: number; params: Record<string, unknown>; strategies: Array<{ id: string; stage: string }> };
    assert.equal(recipe.trial, c.winner.trial);
    assert.equal(recipe.params['distill.teacher'], 'best', "a word, not a path: export leaves it alone");
    // the recipe records the resolved order of the strategies
    const ids = recipe.strategies.map((s) => s.id);
    assert.ok(ids.indexOf('distill') < ids.indexOf('augment.mixup') && ids.indexOf('augment.mixup') < ids.indexOf('optimizer.adam'), ids.join(' '));
    const pred = await runCli(['predict', 'recipe', '--text', 'FREE money, click now to claim your prize'], dir);
    assert.equal(pred.code, 0, pred.stderr);
  });

  it('ablate reports one row per strategy of the winner with a finite interval, and writes ablation.json', async () => {
    const r = await runCli(['ablate', 'trials/catalogue', '--seeds', '2', '--workers', '2'], dir);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const a = JSON.parse(readFileSync(path.join(dir, 'trials/catalogue/ablation.json'), 'utf8')) as {
      format: string;
      pickedBy: string;
      rows: Array<{ strategy: string; change: { mean: number; low: number; high: number } }>;
      baseline: { change: { mean: number } };
    };
    assert.equal(a.format, 'hybridtune-ablation');
    assert.equal(a.pickedBy, 'confirmed');
    const names = a.rows.map((x) => x.strategy);
    for (const s of ['distill', 'augment.mixup', 'regularize.dropout']) assert.ok(names.includes(s), `${s} in ${names.join(', ')}`);
    assert.ok(names.includes('balance.smote') || names.includes('balance.oversample'));
    for (const row of a.rows) {
      assert.ok([row.change.mean, row.change.low, row.change.high].every(Number.isFinite), row.strategy);
      assert.match(r.stdout, new RegExp(row.strategy.startsWith('balance.') ? 'balance: ' : row.strategy.replace('.', '\\.')));
    }
    assert.ok(Number.isFinite(a.baseline.change.mean));
    assert.match(r.stdout, /all \(default recipe\)/);
    assert.match(r.stdout, /written {2}trials\/catalogue\/ablation\.json/);
  });

  it('refuses a folder without a study and bad flags, with exit code 2', async () => {
    const none = await runCli(['ablate', 'trials/nothing'], dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /E_STUDY_NOT_FOUND/);
    const bad = await runCli(['confirm', 'trials/catalogue', '--seeds', '0'], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /E_BAD_FLAG.*--seeds/s);
  });
});
