import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import Papa from 'papaparse';
import { loadBuiltin } from '../../src/data/builtin.js';
import { runCli, tempDir, write } from '../helpers/cli.js';

/** Real messages from the built-in corpus, written as CSV files with quoted newlines. */
function writeSpamCsv(dir: string): void {
  const table = loadBuiltin('spam-assassin');
  const ham = table.rows.filter((r) => r['label'] === 'ham').slice(0, 240);
  const spam = table.rows.filter((r) => r['label'] === 'spam').slice(0, 120);
  const pick = (rows: typeof ham, from: number, to: number) => rows.slice(from, to).map((r) => ({ text: r['text']!.slice(0, 600), label: r['label'] }));
  writeFileSync(path.join(dir, 'train.csv'), Papa.unparse([...pick(ham, 0, 180), ...pick(spam, 0, 90)]));
  writeFileSync(path.join(dir, 'dev.csv'), Papa.unparse([...pick(ham, 180, 240), ...pick(spam, 90, 120)]));
}

const SPACE = (extra = '') => `name: tiny
seed: 5
task:
  data:
    train: train.csv
    validation: dev.csv
  text: text
  label: label
  metric: accuracy
sweep:
  n-trials: 4
  workers: 2
search:
  optimizer.lr: { float: [0.01, 0.2], log: true }
  optimizer.epochs: { int: [1, 3] }
  head: { choices: [linear, mlp] }
  head.mlp.width: { int: [8, 16] }
  balance: { choices: [none, class-weight] }
${extra}`;

interface StatusJson {
  counts: Record<string, number>;
  nTrials: number;
  backend: string;
  dataFingerprint: string;
  best: { number: number; value: number; params: Record<string, unknown>; validation: { accuracy: number } };
}

describe('CLI end to end (the built binary, a fresh folder, real files)', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
    writeSpamCsv(dir);
    write(dir, 'tiny.yaml', SPACE());
  });

  it('sweep → status → report → export → predict, and predict reproduces the validation accuracy', async () => {
    const sweep = await runCli(['sweep', 'tiny.yaml'], dir);
    assert.equal(sweep.code, 0, sweep.stderr + sweep.stdout);
    assert.match(sweep.stdout, /backend (wasm|cpu|tensorflow)/);
    // which path trains the dense layers, and why when it is not the kernel
    assert.match(sweep.stdout, /dense layers (on the wasm SIMD kernel|in tfjs ops \(.+\))/);
    assert.match(sweep.stdout, /4 complete, 0 pruned, 0 failed/);
    const trials = JSON.parse(readFileSync(path.join(dir, 'trials/tiny/trials.json'), 'utf8')) as { trials: Array<{ state: string; backend: string; intermediate: unknown[]; seed: number }> };
    assert.equal(trials.trials.length, 4);
    for (const t of trials.trials) {
      assert.equal(t.state, 'complete');
      assert.ok(['wasm', 'cpu', 'tensorflow'].includes(t.backend), 'backend stored with every trial');
      assert.ok(t.intermediate.length >= 1);
    }
    // only the best trial's model is kept
    assert.equal(readdirSync(path.join(dir, 'trials/tiny/artifacts')).length, 1);

    const status = await runCli(['status', 'trials/tiny', '--json'], dir);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout) as StatusJson;
    assert.equal(s.counts['complete'], 4);
    assert.match(s.dataFingerprint, /^[0-9a-f]{64}$/);
    assert.ok(s.best.params['head'] !== undefined, 'the full recipe of the best trial');

    const report = await runCli(['report', 'trials/tiny'], dir);
    assert.equal(report.code, 0, report.stderr);
    const html = readFileSync(path.join(dir, 'reports/tiny/index.html'), 'utf8');
    assert.match(html, /<html/);
    assert.ok(!/<script[^>]+src=/.test(html), 'no external scripts');

    const exp = await runCli(['export', 'trials/tiny', '--out', 'recipe'], dir);
    assert.equal(exp.code, 0, exp.stderr);
    const recipe = JSON.parse(readFileSync(path.join(dir, 'recipe/recipe.json'), 'utf8')) as { format: string; trial: number; params: Record<string, unknown>; strategies: Array<{ id: string }> };
    assert.equal(recipe.format, 'hybridtune-recipe');
    assert.equal(recipe.trial, s.best.number);
    assert.ok(recipe.strategies.some((x) => x.id.startsWith('optimizer.')));

    const pred = await runCli(['predict', 'recipe', '--input', 'dev.csv'], dir);
    assert.equal(pred.code, 0, pred.stderr);
    const m = /accuracy ([0-9.]+)/.exec(pred.stdout);
    assert.ok(m, pred.stdout);
    assert.ok(Math.abs(Number(m[1]) - s.best.validation.accuracy) <= 0.005, `predict ${m[1]} vs trial ${s.best.validation.accuracy}`);

    const one = await runCli(['predict', 'recipe', '--text', 'FREE money!!! click now to claim your prize'], dir);
    assert.equal(one.code, 0, one.stderr);
    const line = JSON.parse(one.stdout.trim().split('\n')[0]!) as { label: string; p_ham: number; p_spam: number };
    assert.ok(['ham', 'spam'].includes(line.label));
    assert.ok(Math.abs(line.p_ham + line.p_spam - 1) < 1e-4);

    // retraining the recipe on the same data with its seed reproduces the trial
    const retrain = await runCli(['train', 'recipe/recipe.json', '--data', 'train.csv', '--validation', 'dev.csv', '--out', 'retrained'], dir);
    assert.equal(retrain.code, 0, retrain.stderr + retrain.stdout);
    const rm = /validation accuracy ([0-9.]+)/.exec(retrain.stdout);
    assert.ok(rm, retrain.stdout);
    assert.ok(Math.abs(Number(rm[1]) - s.best.validation.accuracy) <= 0.005, `retrained ${rm[1]} vs trial ${s.best.validation.accuracy}`);
    const pred2 = await runCli(['predict', 'retrained', '--input', 'dev.csv'], dir);
    assert.equal(pred2.code, 0, pred2.stderr);
    assert.match(pred2.stdout, new RegExp(`accuracy ${rm[1]}`));

    // an older recipe version is refused with a clear error
    const old = JSON.parse(readFileSync(path.join(dir, 'recipe/recipe.json'), 'utf8')) as Record<string, unknown>;
    write(dir, 'old.json', JSON.stringify({ ...old, formatVersion: 0 }));
    const oldRun = await runCli(['train', 'old.json', '--data', 'train.csv', '--out', 'x'], dir);
    assert.equal(oldRun.code, 2);
    assert.match(oldRun.stderr, /E_RECIPE_VERSION/);

    // a tampered model is refused with a clear error
    const weights = path.join(dir, 'recipe/model/weights.bin');
    const buf = readFileSync(weights);
    buf[buf.length - 1] = buf[buf.length - 1]! ^ 0xff;
    writeFileSync(weights, buf);
    const tampered = await runCli(['predict', 'recipe', '--text', 'x'], dir);
    assert.equal(tampered.code, 2);
    assert.match(tampered.stderr, /E_RECIPE_INVALID.*sha256/s);
  });

  it('resume continues a study: more trials, the finished ones untouched, a crashed running trial re-run with its seed', async () => {
    const d = tempDir();
    writeSpamCsv(d);
    write(d, 'tiny.yaml', SPACE());
    const first = await runCli(['sweep', 'tiny.yaml', '--n-trials', '2', '--name', 'r'], d);
    assert.equal(first.code, 0, first.stderr);
    const file = path.join(d, 'trials/r/trials.json');
    const before = JSON.parse(readFileSync(file, 'utf8')) as { trials: Array<Record<string, unknown>> };
    // simulate a crash while trial 1 was running
    const crashed = { ...before, trials: before.trials.map((t, i) => (i === 1 ? { ...t, state: 'running', metrics: undefined, finishedAt: undefined } : t)) };
    writeFileSync(file, JSON.stringify(crashed));
    const again = await runCli(['sweep', '--resume', 'trials/r', '--n-trials', '3'], d);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    const after = JSON.parse(readFileSync(file, 'utf8')) as { trials: Array<Record<string, any>> };
    assert.equal(after.trials.length, 3);
    assert.deepEqual(after.trials[0], before.trials[0], 'a finished trial is not touched');
    assert.equal(after.trials[1]!['state'], 'complete');
    assert.deepEqual(after.trials[1]!['params'], before.trials[1]!['params']);
    assert.equal(after.trials[1]!['seed'], before.trials[1]!['seed']);
    assert.equal(after.trials[1]!['metrics'].value, (before.trials[1]!['metrics'] as { value: number }).value, 'same params and seed, same result');
    const meta = JSON.parse(readFileSync(path.join(d, 'trials/r/study.json'), 'utf8')) as { runs: unknown[] };
    assert.equal(meta.runs.length, 2);
    // a second sweep under the same name is refused, not mixed in
    const dup = await runCli(['sweep', 'tiny.yaml', '--name', 'r'], d);
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /E_STUDY_EXISTS/);
  });

  describe('bad input: one clear error, exit code 2, nothing written', () => {
    const cases: Array<{ name: string; files: Record<string, string | Buffer>; args?: string[]; code: string; mentions: RegExp[] }> = [
      { name: 'missing space file', files: {}, args: ['sweep', 'nope.yaml'], code: 'E_FILE_NOT_FOUND', mentions: [/nope\.yaml/] },
      { name: 'missing data file', files: { 's.yaml': SPACE().replace('train.csv', 'absent.csv') }, code: 'E_FILE_NOT_FOUND', mentions: [/absent\.csv/] },
      {
        name: 'missing column (the columns that exist are listed)',
        files: { 's.yaml': SPACE().replace('text: text', 'text: body') },
        code: 'E_MISSING_COLUMN',
        mentions: [/body/, /text/, /label/],
      },
      { name: 'one-class data', files: { 'train.csv': 'text,label\na,x\nb,x\nc,x\n', 'dev.csv': 'text,label\nd,x\n' }, code: 'E_ONE_CLASS', mentions: [/train\.csv/] },
      {
        name: 'a validation label unseen in training',
        files: { 'train.csv': 'text,label\na,x\nb,y\nc,x\nd,y\n', 'dev.csv': 'text,label\ne,x\nf,z\n' },
        code: 'E_UNSEEN_LABEL',
        mentions: [/dev\.csv:3/, /'?z'?/],
      },
      { name: 'a malformed row', files: { 'train.csv': 'text,label\na,x\nb,y,extra\nc,x\n', 'dev.csv': 'text,label\nd,x\ne,y\n' }, code: 'E_MALFORMED_ROW', mentions: [/train\.csv:3/] },
      {
        name: 'an unknown strategy',
        files: { 's.yaml': SPACE().replace('[none, class-weight]', '[none, smote-xl]') },
        code: 'E_UNKNOWN_STRATEGY',
        mentions: [/s\.yaml:18\b/, /smote-xl/, /class-weight/],
      },
      { name: 'a value out of range', files: { 's.yaml': SPACE('  regularize.dropout: { float: [0.1, 1.5] }\n') }, code: 'E_OUT_OF_RANGE', mentions: [/regularize\.dropout/, /\[0, 0\.9\]/] },
      { name: 'a YAML syntax error', files: { 's.yaml': SPACE().replace('  n-trials: 4', '  n-trials: [4') }, code: 'E_YAML_SYNTAX', mentions: [/s\.yaml:1[12]\b/, /\]/] },
      { name: 'a bad flag value', files: {}, args: ['sweep', 's.yaml', '--n-trials', '0'], code: 'E_BAD_FLAG', mentions: [/n-trials/] },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const d = tempDir();
        writeSpamCsv(d);
        write(d, 's.yaml', SPACE());
        for (const [name, content] of Object.entries(c.files)) write(d, name, content);
        const r = await runCli(c.args ?? ['sweep', 's.yaml'], d);
        assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
        assert.match(r.stderr, new RegExp(`\\[${c.code}\\]`));
        for (const m of c.mentions) assert.match(r.stderr, m);
        assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('error')).length, 1, 'one error');
        assert.ok(!existsSync(path.join(d, 'trials')) || readdirSync(path.join(d, 'trials')).length === 0, 'no study folder written');
      });
    }

    it('status of a folder without a study', async () => {
      const r = await runCli(['status', 'trials/none'], tempDir());
      assert.equal(r.code, 2);
      assert.match(r.stderr, /E_STUDY_NOT_FOUND/);
    });
  });
});
