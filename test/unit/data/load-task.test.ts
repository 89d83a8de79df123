import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError, type ErrorCode } from '../../../src/errors.js';
import { loadTask } from '../../../src/data/load-task.js';
import type { DataSpec, TaskSpec } from '../../../src/data/types.js';
import { tempDir } from './temp-files.js';

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, check: (e: HybridTuneError) => void = () => {}): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HybridTuneError, `expected a HybridTuneError, got ${String(e)}`);
    assert.equal(e.code, code, e.describe());
    check(e);
    return true;
  });
}

/** A folder holding `files`, and a task over it with columns text / label. */
async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  await Promise.all(Object.entries(files).map(([name, content]) => writeFile(path.join(dir, name), content)));
  return dir;
}

function task(data: DataSpec, columns: { text?: string; label?: string } = {}): TaskSpec {
  return { data, text: columns.text ?? 'text', label: columns.label ?? 'label', metric: 'macro-f1' };
}

/** `n` rows per label, texts numbered so every row is distinct. */
function tsv(counts: Record<string, number>): string {
  let out = 'text\tlabel\n';
  for (const [label, n] of Object.entries(counts)) for (let i = 0; i < n; i++) out += `${label} example ${i}\t${label}\n`;
  return out;
}

function classCounts(y: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c]!++;
  return counts;
}

describe('loadTask', () => {
  it('loads train and validation files, maps sorted labels, records absolute sources', async () => {
    const dir = await fixture({
      'train.tsv': 'text\tlabel\ngood\tpos\nbad\tneg\nfine\tpos\n',
      'dev.tsv': 'text\tlabel\nawful\tneg\n',
      'test.jsonl': '{"text": "great", "label": "pos"}\n',
    });
    const data = await loadTask(task({ train: 'train.tsv', validation: 'dev.tsv', test: 'test.jsonl' }), { baseDir: dir, seed: 1 });
    assert.deepEqual(data.labels, ['neg', 'pos']);
    assert.deepEqual(data.train.texts, ['good', 'bad', 'fine']);
    assert.deepEqual(Array.from(data.train.y), [1, 0, 1]);
    assert.deepEqual(data.validation.texts, ['awful']);
    assert.deepEqual(Array.from(data.validation.y), [0]);
    assert.deepEqual(data.test?.texts, ['great']);
    assert.deepEqual(data.sources, {
      train: path.join(dir, 'train.tsv'),
      validation: path.join(dir, 'dev.tsv'),
      test: path.join(dir, 'test.jsonl'),
    });
    assert.equal(data.dropped, 0);
  });

  it('sorts numeric labels numerically', async () => {
    const dir = await fixture({ 'train.csv': 'text,label\na,10\nb,2\nc,1\nd,2\ne,10\nf,1\n' });
    const data = await loadTask(task({ train: 'train.csv', split: { validation: 0.5 } }), { baseDir: dir, seed: 0 });
    assert.deepEqual(data.labels, ['1', '2', '10']);
  });

  it('carves a stratified validation (default 20%) and test split from train, by seed', async () => {
    const dir = await fixture({ 'train.tsv': tsv({ a: 100, b: 50 }) });
    const spec = { train: 'train.tsv', split: { test: 0.1 } };
    const data = await loadTask(task(spec), { baseDir: dir, seed: 5 });
    assert.deepEqual(classCounts(data.validation.y, 2), [20, 10]);
    assert.deepEqual(classCounts(data.test!.y, 2), [10, 5]);
    assert.deepEqual(classCounts(data.train.y, 2), [70, 35]);
    // Texts stay paired with their labels.
    data.train.texts.forEach((t, i) => assert.equal(t[0], data.labels[data.train.y[i]!]));
    const seen = new Set([...data.train.texts, ...data.validation.texts, ...data.test!.texts]);
    assert.equal(seen.size, 150);
    assert.match(data.sources.validation, /train\.tsv \[stratified validation 0\.2, seed 5\]$/);

    const again = await loadTask(task(spec), { baseDir: dir, seed: 5 });
    assert.deepEqual(again.validation.texts, data.validation.texts);
    assert.equal(again.fingerprint, data.fingerprint);
    const other = await loadTask(task(spec), { baseDir: dir, seed: 6 });
    assert.notDeepEqual(other.validation.texts, data.validation.texts);
    assert.notEqual(other.fingerprint, data.fingerprint);
  });

  it('subsamples train to maxTrain, stratified, without changing validation', async () => {
    const dir = await fixture({ 'train.tsv': tsv({ a: 300, b: 100 }) });
    const full = await loadTask(task({ train: 'train.tsv' }), { baseDir: dir, seed: 3 });
    const small = await loadTask(task({ train: 'train.tsv', maxTrain: 40 }), { baseDir: dir, seed: 3 });
    assert.equal(full.train.texts.length, 320);
    assert.deepEqual(classCounts(small.train.y, 2), [30, 10]);
    assert.deepEqual(small.validation.texts, full.validation.texts);
    assert.ok(small.train.texts.every((t) => full.train.texts.includes(t)));
    assert.notEqual(small.fingerprint, full.fingerprint);
    await rejectsWith(loadTask(task({ train: 'train.tsv', maxTrain: 1 }), { baseDir: dir, seed: 3 }), ERROR_CODES.OUT_OF_RANGE);
  });

  it('fingerprints bytes, columns and split settings', async () => {
    const dir = await fixture({
      'train.tsv': tsv({ a: 10, b: 10 }),
      'copy.tsv': tsv({ a: 10, b: 10 }),
      'edited.tsv': tsv({ a: 10, b: 9 }),
      'dev.tsv': tsv({ a: 2, b: 2 }),
    });
    const fp = async (data: DataSpec, seed = 1) => (await loadTask(task(data), { baseDir: dir, seed })).fingerprint;
    const base = await fp({ train: 'train.tsv' });
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(await fp({ train: 'copy.tsv' }), base, 'same bytes, same fingerprint');
    assert.notEqual(await fp({ train: 'edited.tsv' }), base);
    assert.notEqual(await fp({ train: 'train.tsv', split: { validation: 0.3 } }), base);
    assert.notEqual(await fp({ train: 'train.tsv', split: { test: 0.1 } }), base);
    assert.notEqual(await fp({ train: 'train.tsv' }, 2), base);
    // With fixed files no row depends on the seed, so the fingerprint does not either.
    assert.equal(await fp({ train: 'train.tsv', validation: 'dev.tsv' }, 1), await fp({ train: 'train.tsv', validation: 'dev.tsv' }, 2));
  });

  it('drops and counts empty or whitespace-only texts', async () => {
    const dir = await fixture({
      'train.tsv': 'text\tlabel\ngood\tpos\n   \tneg\n""\tpos\nbad\tneg\nok\tpos\nmeh\tneg\n',
      'dev.tsv': 'text\tlabel\n\tpos\nfine\tpos\n',
    });
    const data = await loadTask(task({ train: 'train.tsv', validation: 'dev.tsv' }), { baseDir: dir, seed: 0 });
    assert.deepEqual(data.train.texts, ['good', 'bad', 'ok', 'meh']);
    assert.deepEqual(data.validation.texts, ['fine']);
    assert.equal(data.dropped, 3);
  });

  it('names the file, the column asked for and the columns that exist', async () => {
    const dir = await fixture({ 'sms.tsv': 'Label\tSMS\nham\thi\nspam\twin\n' });
    await rejectsWith(loadTask(task({ train: 'sms.tsv' }), { baseDir: dir, seed: 0 }), ERROR_CODES.MISSING_COLUMN, (e) => {
      assert.equal(e.details.file, path.join(dir, 'sms.tsv'));
      assert.equal(e.details.value, 'text');
      assert.equal(e.details.key, 'task.text');
      assert.match(e.message, /no column 'text'/);
      assert.match(e.message, /its columns are: Label, SMS/);
    });
    await rejectsWith(loadTask(task({ train: 'sms.tsv' }, { text: 'SMS' }), { baseDir: dir, seed: 0 }), ERROR_CODES.MISSING_COLUMN, (e) => {
      assert.equal(e.details.value, 'label');
      assert.match(e.details.hint ?? '', /did you mean 'Label'/);
    });
  });

  it('rejects training data with one class', async () => {
    const dir = await fixture({ 'train.tsv': tsv({ pos: 5 }) });
    await rejectsWith(loadTask(task({ train: 'train.tsv' }), { baseDir: dir, seed: 0 }), ERROR_CODES.ONE_CLASS, (e) => {
      assert.equal(e.details.file, path.join(dir, 'train.tsv'));
      assert.match(e.message, /only one class \('pos'\)/);
    });
  });

  it('rejects a validation label unseen in training, naming file, line and the known labels', async () => {
    const dir = await fixture({
      'train.tsv': tsv({ neg: 3, pos: 3 }),
      'dev.tsv': 'text\tlabel\nfine\tpos\n"two\nlines"\tneg\nhuh\tneutral\n',
    });
    await rejectsWith(loadTask(task({ train: 'train.tsv', validation: 'dev.tsv' }), { baseDir: dir, seed: 0 }), ERROR_CODES.UNSEEN_LABEL, (e) => {
      assert.equal(e.details.file, path.join(dir, 'dev.tsv'));
      assert.equal(e.details.line, 5);
      assert.equal(e.details.value, 'neutral');
      assert.match(e.message, /'neutral'/);
      assert.match(e.details.expected ?? '', /neg, pos/);
    });
  });

  it('rejects a row with text but no label, and a missing train file', async () => {
    const dir = await fixture({ 'train.tsv': 'text\tlabel\na\tx\nb\t \nc\ty\n' });
    await rejectsWith(loadTask(task({ train: 'train.tsv' }), { baseDir: dir, seed: 0 }), ERROR_CODES.BAD_VALUE, (e) => assert.equal(e.details.line, 3));
    await rejectsWith(loadTask(task({ train: 'missing.tsv' }), { baseDir: dir, seed: 0 }), ERROR_CODES.FILE_NOT_FOUND, (e) =>
      assert.equal(e.details.file, path.join(dir, 'missing.tsv')),
    );
  });

  it('rejects a zero validation share when there is no validation file', async () => {
    const dir = await fixture({ 'train.tsv': tsv({ a: 5, b: 5 }) });
    await rejectsWith(
      loadTask(task({ train: 'train.tsv', split: { validation: 0 } }), { baseDir: dir, seed: 0, specFile: '/x/space.yaml' }),
      ERROR_CODES.OUT_OF_RANGE,
      (e) => {
        assert.equal(e.details.file, '/x/space.yaml');
        assert.equal(e.details.key, 'task.data.split.validation');
      },
    );
  });

  it('loads builtin:spam-assassin, and lists the known sets for an unknown name', async () => {
    const data = await loadTask(task({ train: 'builtin:spam-assassin', maxTrain: 500 }), { baseDir: '/nowhere', seed: 9 });
    assert.deepEqual(data.labels, ['ham', 'spam']);
    assert.equal(data.train.texts.length, 500);
    // 6046 * 0.2 split per class: ham 830, spam 379.
    assert.deepEqual(classCounts(data.validation.y, 2), [830, 379]);
    assert.equal(data.sources.train, 'builtin:spam-assassin');
    await rejectsWith(loadTask(task({ train: 'builtin:nope' }), { baseDir: '/', seed: 0, specFile: '/s.yaml' }), ERROR_CODES.BAD_VALUE, (e) => {
      assert.equal(e.details.file, '/s.yaml');
      assert.match(e.details.expected ?? '', /builtin:spam-assassin/);
    });
  });
});
