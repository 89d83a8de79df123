/** The loaders against the real data sets in ../shared/data (see its README for the figures). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadTask } from '../../../src/data/load-task.js';
import { readTable } from '../../../src/data/read-table.js';
import { SHARED_DATA } from './temp-files.js';

/** The file's absolute path, or undefined after marking the test skipped when it is absent. */
function shared(t: TestContext, relative: string): string | undefined {
  const file = path.join(SHARED_DATA, relative);
  if (existsSync(file)) return file;
  t.skip(`${file} absent`);
  return undefined;
}

describe('real data sets', () => {
  it('sst2 train.tsv: 67,349 rows, labels 0 and 1, 44% negative', async (t) => {
    const file = shared(t, 'sst2/train.tsv');
    if (!file) return;
    const table = await readTable(file, {});
    assert.deepEqual(table.columns, ['sentence', 'label']);
    assert.equal(table.rows.length, 67349);
    assert.equal(table.encoding, 'utf-8');
    assert.deepEqual(table.lines.slice(0, 2), [2, 3]);
    assert.equal(table.lines.at(-1), 67350);
    const data = await loadTask(
      { data: { train: 'sst2/train.tsv', validation: 'sst2/dev.tsv' }, text: 'sentence', label: 'label', metric: 'accuracy' },
      { baseDir: SHARED_DATA, seed: 0 },
    );
    assert.deepEqual(data.labels, ['0', '1']);
    assert.equal(data.train.texts.length, 67349);
    assert.equal(data.validation.texts.length, 872);
    const negative = data.train.y.reduce((n, c) => n + (c === 0 ? 1 : 0), 0) / data.train.y.length;
    assert.ok(Math.abs(negative - 0.44) < 0.01, `negative share ${negative}`);
  });

  it('amazon books train.tsv: 1,700 quoted reviews with newlines, balanced', async (t) => {
    const file = shared(t, 'amazon_blitzer/books/train.tsv');
    if (!file) return;
    const table = await readTable(file, {});
    assert.equal(table.rows.length, 1700);
    assert.deepEqual(table.columns, ['sentence', 'label']);
    assert.ok(table.rows.filter((r) => r.sentence!.includes('\n')).length > 1000);
    assert.ok(table.rows.every((r) => r.label === '0' || r.label === '1'));
    // The second review starts on line 6: the first spans lines 2-5.
    assert.deepEqual(table.lines.slice(0, 3), [2, 6, 9]);
    assert.equal(table.rows.filter((r) => r.label === '1').length, 850);
  });

  it('rt_polarity: Latin-1 (cp1252), one sentence a line', async (t) => {
    const file = shared(t, 'rt_polarity/rt-polarity.pos');
    if (!file) return;
    const table = await readTable(file, { format: 'tsv', columns: ['text'] });
    assert.equal(table.encoding, 'latin1');
    assert.equal(table.rows.length, 5331);
    assert.ok(table.rows.some((r) => /[éèàï]/.test(r.text!)), 'accented letters decoded');
    assert.ok(!table.rows.some((r) => r.text!.includes('\uFFFD')));
  });

  it('sms_spam: columns Label and SMS, 5,574 messages, 13% spam, quotes kept', async (t) => {
    const file = shared(t, 'sms_spam/SMSSpamCollection.tsv');
    if (!file) return;
    const table = await readTable(file, {});
    assert.deepEqual(table.columns, ['Label', 'SMS']);
    assert.equal(table.rows.length, 5574);
    const spam = table.rows.filter((r) => r.Label === 'spam').length / table.rows.length;
    assert.ok(Math.abs(spam - 0.134) < 0.005, `spam share ${spam}`);
    // Unbalanced quotes in this file are ordinary characters (quoting: auto).
    assert.ok(table.rows.some((r) => r.SMS!.startsWith('"Happy valentines day" I know')));
  });
});
