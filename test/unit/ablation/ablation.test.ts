import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAblation, type AblationReport } from '../../../src/ablation/ablate.js';
import { runConfirm, type ConfirmReport } from '../../../src/ablation/confirm.js';
import { meanInterval, pairedInterval, studentTCdf, studentTQuantile } from '../../../src/ablation/stats.js';
import { ablations, defaultRecipeOn } from '../../../src/ablation/variants.js';
import { loadTask } from '../../../src/data/load-task.js';
import { exportBest } from '../../../src/recipe/export.js';
import { loadSpace } from '../../../src/space/load-space.js';
import { LowdbStore } from '../../../src/store/lowdb-store.js';
import { resolveRecipe } from '../../../src/strategies/registry.js';
import type { Params, StudyMeta, Trial } from '../../../src/study/types.js';
import { initBackend } from '../../../src/trainer/tf-backend.js';

describe('Student-t intervals', () => {
  it('matches tabulated t quantiles', () => {
    const table: Array<[number, number]> = [
      [1, 12.706205],
      [2, 4.302653],
      [4, 2.776445],
      [9, 2.262157],
      [30, 2.042272],
      [1000, 1.962339],
    ];
    for (const [df, t] of table) assert.ok(Math.abs(studentTQuantile(0.975, df) - t) < 1e-5, `df ${df}: ${studentTQuantile(0.975, df)}`);
    assert.ok(Math.abs(studentTQuantile(0.95, 4) - 2.131847) < 1e-5);
    assert.ok(Math.abs(studentTQuantile(0.025, 4) + 2.776445) < 1e-5);
    assert.ok(Math.abs(studentTCdf(0, 3) - 0.5) < 1e-12);
  });

  it('mean ± t·sd/√n, and paired differences', () => {
    const m = meanInterval([1, 2, 3, 4, 5]);
    assert.equal(m.mean, 3);
    const half = 2.776445 * (Math.sqrt(2.5) / Math.sqrt(5));
    assert.ok(Math.abs(m.low - (3 - half)) < 1e-5 && Math.abs(m.high - (3 + half)) < 1e-5);
    assert.equal(m.method, 't');
    const one = meanInterval([0.7]);
    assert.deepEqual([one.low, one.mean, one.high, one.sd], [0.7, 0.7, 0.7, 0]);
    const p = pairedInterval([0.8, 0.82, 0.81], [0.78, 0.79, 0.8]);
    assert.ok(Math.abs(p.mean - 0.02) < 1e-12);
    assert.ok(p.low < p.mean && p.mean < p.high);
  });
});

describe('ablation variants', () => {
  it('removes each strategy the recipe uses: choice → neutral, toggle → off, setting → neutral value', () => {
    const params: Params = {
      balance: 'smote',
      'balance.smote.k': 3,
      'augment.mixup': true,
      'augment.eda': false,
      distill: true,
      schedule: 'cosine',
      'schedule.warmup': 0.1,
      'regularize.dropout': 0.2,
      'regularize.patience': 0,
      head: 'mlp',
      optimizer: 'adamw',
      'optimizer.lr': 0.03,
      'backbone.ngram-hash.word-ngrams': 3,
    };
    const a = ablations(params);
    assert.deepEqual(
      a.map((x) => [x.strategy, x.key, x.from, x.to]),
      [
        ['balance.smote', 'balance', 'smote', 'none'],
        ['distill', 'distill', true, false],
        ['augment.mixup', 'augment.mixup', true, false],
        ['optimizer.adamw', 'optimizer', 'adamw', 'adam'],
        ['schedule.cosine', 'schedule', 'cosine', 'constant'],
        ['schedule.warmup', 'schedule.warmup', 0.1, 0],
        ['regularize.dropout', 'regularize.dropout', 0.2, 0],
        ['head.mlp', 'head', 'mlp', 'linear'],
      ],
    );
    const smote = a[0]!.params;
    assert.equal(smote['balance'], 'none');
    assert.equal('balance.smote.k' in smote, false, "the removed strategy's settings go with it");
    assert.equal(smote['augment.mixup'], true, 'everything else stays');
    assert.equal(smote['optimizer.lr'], 0.03);
    assert.equal(smote['backbone.ngram-hash.word-ngrams'], 3);
    assert.deepEqual(ablations({}), [], 'the default recipe has nothing to remove');
  });

  it('the default recipe keeps the backbone and nothing else', () => {
    const d = defaultRecipeOn({ balance: 'focal', 'optimizer.lr': 0.2, 'backbone.ngram-hash.char-ngrams': 3 });
    assert.deepEqual(d, resolveRecipe({ 'backbone.ngram-hash.char-ngrams': 3 }).params);
  });
});

describe('ablate and confirm on a tiny real study', () => {
  let root: string;
  let studyDir: string;
  const recipe: Params = { balance: 'oversample', 'augment.mixup': true, 'augment.mixup.alpha': 0.3, 'regularize.dropout': 0.1, 'optimizer.epochs': 2, 'optimizer.lr': 0.05 };

  before(async () => {
    await initBackend();
    root = mkdtempSync(path.join(os.tmpdir(), 'ht-ablate-'));
    const spaceFile = path.join(root, 'tiny.yaml');
    writeFileSync(
      spaceFile,
      `name: tiny
seed: 4
task:
  data:
    train: builtin:spam-assassin
    split: { validation: 0.2, test: 0.2 }
    max-train: 300
  text: text
  label: label
  metric: macro-f1
search:
  optimizer.lr: { float: [0.01, 0.1], log: true }
`,
    );
    const space = loadSpace(spaceFile);
    const data = await loadTask(space.task, { baseDir: root, seed: space.seed, specFile: spaceFile });
    const meta: StudyMeta = {
      format: 'hybridtune-study',
      formatVersion: 1,
      name: 'tiny',
      createdAt: new Date().toISOString(),
      hybridtuneVersion: 'test',
      spaceFile,
      space: space.raw,
      seed: 4,
      sampler: 'random',
      scheduler: 'fifo',
      nTrials: 3,
      workers: 1,
      backend: 'test',
      direction: 'maximize',
      metric: 'macro-f1',
      data: { fingerprint: data.fingerprint, labels: data.labels, sizes: { train: 300, validation: 1, test: 1 }, sources: {} },
      runs: [],
    };
    studyDir = path.join(root, 'trials', 'tiny');
    const store = await LowdbStore.create(studyDir, meta);
    const trial = (number: number, params: Params, value: number): Trial => ({
      number,
      state: 'complete',
      params,
      seed: 100 + number,
      intermediate: [],
      createdAt: new Date().toISOString(),
      metrics: { value, bestEpoch: 1, validation: { accuracy: value, macroF1: value, confusion: [], perClass: [] }, trainExamples: 300, notes: [] },
    });
    await store.addTrial(trial(0, recipe, 0.95));
    await store.addTrial(trial(1, { 'optimizer.epochs': 1, 'optimizer.lr': 0.001 }, 0.94));
    await store.addTrial(trial(2, { 'optimizer.epochs': 2, 'optimizer.lr': 0.05 }, 0.5));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a study that a live sweep holds', async () => {
    const lock = path.join(studyDir, 'sweep.lock');
    writeFileSync(lock, String(process.ppid));
    try {
      await assert.rejects(runAblation(studyDir, { seeds: 1, workers: 1 }), (e: unknown) => (e as { code?: string }).code === 'E_STUDY_LOCKED');
      await assert.rejects(runConfirm(studyDir, { seeds: 1, workers: 1 }), (e: unknown) => (e as { code?: string }).code === 'E_STUDY_LOCKED');
    } finally {
      rmSync(lock);
    }
  });

  it('ablate: one row per strategy the winner uses, each with a finite paired interval, and the default recipe', async () => {
    const { report, file } = await runAblation(studyDir, { seeds: 3, workers: 1 });
    assert.equal(file, path.join(studyDir, 'ablation.json'));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as AblationReport;
    assert.deepEqual(stored.rows.map((r) => r.strategy), ['balance.oversample', 'augment.mixup', 'regularize.dropout']);
    assert.equal(stored.trial, 0);
    assert.equal(stored.pickedBy, 'best');
    assert.equal(stored.seeds.length, 3);
    assert.equal(new Set(stored.seeds).size, 3);
    for (const r of [...stored.rows, stored.baseline]) {
      assert.equal(r.values.length, 3);
      assert.ok(r.values.every((v) => typeof v === 'number' && v > 0.5 && v <= 1), `${r.strategy}: ${r.values}`);
      const c = r.change!;
      assert.ok(Number.isFinite(c.mean) && Number.isFinite(c.low) && Number.isFinite(c.high), r.strategy);
      assert.ok(c.low <= c.mean && c.mean <= c.high);
      assert.equal(c.n, 3);
      // the change is exactly the paired mean of (without − with)
      const diffs = r.values.map((v, i) => v! - stored.full.values[i]!);
      assert.ok(Math.abs(c.mean - diffs.reduce((a, b) => a + b, 0) / 3) < 1e-12);
      assert.ok(r.testChange && Number.isFinite(r.testChange.mean), 'the study has a test split');
    }
    assert.equal(stored.baseline.kind, 'all');
    assert.deepEqual(stored.baseline.params, resolveRecipe({}).params);
    assert.deepEqual(report.rows.length, 3);
  });

  it('confirm: retrains the top trials, records both rankings, keeps the winner model, and export takes it', async () => {
    const { report, file } = await runConfirm(studyDir, { top: 2, seeds: 2, workers: 1 });
    const stored = JSON.parse(readFileSync(file, 'utf8')) as ConfirmReport;
    assert.deepEqual(stored.original, [
      { rank: 1, trial: 0, value: 0.95 },
      { rank: 2, trial: 1, value: 0.94 },
    ]);
    assert.equal(stored.confirmed.length, 2);
    const means = stored.confirmed.map((e) => e.summary!.mean);
    assert.ok(means[0]! >= means[1]!, 'ranked by mean');
    assert.deepEqual(stored.confirmed.map((e) => e.rank), [1, 2]);
    assert.deepEqual(new Set(stored.confirmed.map((e) => e.trial)), new Set([0, 1]));
    for (const e of stored.confirmed) assert.ok(e.summary!.low <= e.summary!.mean && e.summary!.mean <= e.summary!.high);
    assert.equal(stored.winner.trial, stored.confirmed[0]!.trial);
    assert.equal(stored.winner.changed, stored.winner.trial !== 0);
    assert.ok(existsSync(path.join(studyDir, stored.winner.model, 'model.json')));
    assert.equal(stored.completeTrials, 3);
    assert.equal(report.winner.trial, stored.winner.trial);

    const store = await LowdbStore.open(studyDir);
    const out = path.join(root, 'export');
    const r = exportBest(store, out);
    assert.equal(r.trial.number, stored.winner.trial);
    assert.equal(r.confirmed, true);
    assert.ok(existsSync(path.join(out, 'model', 'weights.bin')));

    // ablate now works on the confirmed winner
    const again = await runAblation(studyDir, { seeds: 2, workers: 1 });
    assert.equal(again.report.trial, stored.winner.trial);
    assert.equal(again.report.pickedBy, 'confirmed');
  });
});

describe('README', () => {
  it('documents confirm and ablate with their flags and the files they write', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const c of ['### `hybridtune confirm', '### `hybridtune ablate', '--top', '--seeds', 'confirm.json', 'ablation.json', '"format": "hybridtune-ablation"', '"format": "hybridtune-confirm"']) {
      assert.ok(readme.includes(c), c);
    }
  });
});
