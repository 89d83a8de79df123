import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HybridTuneError, ERROR_CODES, type ErrorCode } from '../../../src/errors.js';
import { readTable } from '../../../src/data/read-table.js';
import { tempDir, tempFile } from './temp-files.js';

/** Asserts a rejection with a HybridTuneError of `code`, then runs `check` on it. */
async function rejectsWith(p: Promise<unknown>, code: ErrorCode, check: (e: HybridTuneError) => void = () => {}): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof HybridTuneError, `expected a HybridTuneError, got ${String(e)}`);
    assert.equal(e.code, code, e.describe());
    check(e);
    return true;
  });
}

describe('readTable: delimited files', () => {
  it('reads a TSV whose quoted fields hold newlines, tabs and doubled quotes', async () => {
    const file = await tempFile(
      'reviews.tsv',
      'sentence\tlabel\n"first line\nsecond line"\t1\n"has\ta tab and ""quotes"""\t0\nplain\t1\n',
    );
    const t = await readTable(file, {});
    assert.equal(t.format, 'tsv');
    assert.deepEqual(t.columns, ['sentence', 'label']);
    assert.deepEqual(t.rows, [
      { sentence: 'first line\nsecond line', label: '1' },
      { sentence: 'has\ta tab and "quotes"', label: '0' },
      { sentence: 'plain', label: '1' },
    ]);
    // The first row spans lines 2-3, so the second starts on line 4.
    assert.deepEqual(t.lines, [2, 4, 5]);
  });

  it('reads CRLF files with quoted LF inside fields, skipping blank lines, with correct lines', async () => {
    const file = await tempFile('crlf.tsv', 'text\tlabel\r\n"a\nb"\t0\r\n\r\n\r\nc\t1\r\n');
    const t = await readTable(file, {});
    assert.deepEqual(t.rows, [
      { text: 'a\nb', label: '0' },
      { text: 'c', label: '1' },
    ]);
    assert.deepEqual(t.lines, [2, 6]);
  });

  it('reads a CSV with a quoted comma', async () => {
    const file = await tempFile('d.csv', 'text,label\n"hello, world",pos\nbye,neg\n');
    const t = await readTable(file, {});
    assert.equal(t.format, 'csv');
    assert.deepEqual(t.rows, [
      { text: 'hello, world', label: 'pos' },
      { text: 'bye', label: 'neg' },
    ]);
  });

  it('reads a TSV whose unbalanced quotes are ordinary characters (quoting auto)', async () => {
    const content = 'Label\tSMS\nham\t"Happy day" I know\nspam\tsay "hi\nham\tok\n';
    const file = await tempFile('sms.tsv', content);
    const t = await readTable(file, {});
    assert.deepEqual(t.rows.map((r) => r.SMS), ['"Happy day" I know', 'say "hi', 'ok']);
    assert.deepEqual(t.lines, [2, 3, 4]);
    // With RFC 4180 quoting forced, the same file is a parse error at the first bad quote.
    await rejectsWith(readTable(file, { quoting: 'csv' }), ERROR_CODES.MALFORMED_ROW, (e) => {
      assert.equal(e.details.line, 2);
      assert.match(e.details.hint ?? '', /quoting: none/);
    });
  });

  it('uses `columns` for a file without a header, and replaces the header when header: true', async () => {
    const file = await tempFile('noheader.tsv', 'good movie\tpos\nbad movie\tneg\n');
    const t = await readTable(file, { columns: ['review', 'sentiment'] });
    assert.deepEqual(t.columns, ['review', 'sentiment']);
    assert.equal(t.rows.length, 2);
    assert.deepEqual(t.rows[0], { review: 'good movie', sentiment: 'pos' });
    assert.deepEqual(t.lines, [1, 2]);

    const withHeader = await readTable(file, { header: true, columns: ['review', 'sentiment'] });
    assert.equal(withHeader.rows.length, 1);
    assert.deepEqual(withHeader.rows[0], { review: 'bad movie', sentiment: 'neg' });

    const numbered = await readTable(file, { header: false });
    assert.deepEqual(numbered.columns, ['column1', 'column2']);
    assert.equal(numbered.rows.length, 2);

    await rejectsWith(readTable(file, { header: true, columns: ['only-one'] }), ERROR_CODES.FILE_FORMAT);
  });

  it('reports a malformed row with its file, line and the expected field count', async () => {
    const file = await tempFile('bad.tsv', 'text\tlabel\nok\t1\n"multi\nline"\t0\nthree\tfields\there\n');
    await rejectsWith(readTable(file, {}), ERROR_CODES.MALFORMED_ROW, (e) => {
      assert.equal(e.details.file, file);
      assert.equal(e.details.line, 5);
      assert.match(e.details.expected ?? '', /^2 fields \(text, label\)/);
      assert.equal(e.details.value, 3);
    });
  });

  it('rejects a duplicated header name', async () => {
    const file = await tempFile('dup.csv', 'text,text\na,b\n');
    await rejectsWith(readTable(file, {}), ERROR_CODES.FILE_FORMAT, (e) => assert.match(e.message, /'text' appears twice/));
  });
});

describe('readTable: JSONL', () => {
  it('reads one object per line, skips blank lines, stringifies values and keeps source lines', async () => {
    const file = await tempFile(
      'd.jsonl',
      '{"text": "great", "label": 1}\n\n   \n{"text": "awful", "label": 0, "extra": true}\r\n{"text": "meh"}\n',
    );
    const t = await readTable(file, {});
    assert.equal(t.format, 'jsonl');
    assert.deepEqual(t.columns, ['text', 'label', 'extra']);
    assert.deepEqual(t.rows, [
      { text: 'great', label: '1', extra: '' },
      { text: 'awful', label: '0', extra: 'true' },
      { text: 'meh', label: '', extra: '' },
    ]);
    assert.deepEqual(t.lines, [1, 4, 5]);
  });

  it('names the file and line of a bad JSON line', async () => {
    const file = await tempFile('bad.ndjson', '{"text": "a", "label": 1}\n{"text": "b", label: 0}\n');
    await rejectsWith(readTable(file, {}), ERROR_CODES.MALFORMED_ROW, (e) => {
      assert.equal(e.details.file, file);
      assert.equal(e.details.line, 2);
      assert.ok(e.describe().includes(`${file}:2`));
    });
    const notObject = await tempFile('arr.jsonl', '["a", 1]\n');
    await rejectsWith(readTable(notObject, {}), ERROR_CODES.MALFORMED_ROW, (e) => assert.equal(e.details.line, 1));
  });
});

describe('readTable: encodings', () => {
  it('detects Latin-1 bytes in auto mode and decodes them', async () => {
    // "café" and "naïve" in Latin-1: 0xE9 and 0xEF are invalid as UTF-8 here.
    const bytes = Buffer.from([
      ...Buffer.from('text\tlabel\ncaf'), 0xe9, ...Buffer.from('\t1\nna'), 0xef, ...Buffer.from('ve\t0\n'),
    ]);
    const file = await tempFile('latin.tsv', bytes);
    const t = await readTable(file, {});
    assert.equal(t.encoding, 'latin1');
    assert.deepEqual(t.rows.map((r) => r.text), ['café', 'naïve']);
    assert.ok(t.bytes.equals(bytes));
  });

  it('decodes Windows-1252 punctuation in the 0x80-0x9F range', async () => {
    const file = await tempFile('cp.tsv', Buffer.from([...Buffer.from('text\nwait'), 0x85, 0x20, 0x93, 0x68, 0x69, 0x94, 0x0a]));
    const t = await readTable(file, {});
    assert.equal(t.rows[0]!.text, 'wait… “hi”');
  });

  it('reads valid UTF-8 as UTF-8 and strips a BOM from the first column name', async () => {
    const file = await tempFile('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('text,label\ncafé,1\n', 'utf8')]));
    const t = await readTable(file, {});
    assert.equal(t.encoding, 'utf-8');
    assert.deepEqual(t.columns, ['text', 'label']);
    assert.equal(t.rows[0]!.text, 'café');
  });

  it('honours an explicit encoding', async () => {
    const utf8 = Buffer.from('text\ncafé\n', 'utf8');
    const file = await tempFile('u.tsv', utf8);
    const asLatin = await readTable(file, { encoding: 'latin1' });
    assert.equal(asLatin.encoding, 'latin1');
    assert.equal(asLatin.rows[0]!.text, 'cafÃ©');
    const latinBytes = await tempFile('l.tsv', Buffer.from([...Buffer.from('text\ncaf'), 0xe9, 0x0a]));
    const asUtf8 = await readTable(latinBytes, { encoding: 'utf-8' });
    assert.equal(asUtf8.encoding, 'utf-8');
    assert.equal(asUtf8.rows[0]!.text, 'caf\uFFFD');
  });
});

describe('readTable: files that cannot be read', () => {
  it('names the absolute path of a missing file', async () => {
    const dir = await tempDir();
    const relative = path.relative(process.cwd(), path.join(dir, 'nope.csv'));
    await rejectsWith(readTable(relative, {}), ERROR_CODES.FILE_NOT_FOUND, (e) => {
      assert.equal(e.details.file, path.join(dir, 'nope.csv'));
      assert.ok(e.message.includes(path.join(dir, 'nope.csv')));
    });
  });

  it('rejects an empty file and a header without rows', async () => {
    await rejectsWith(readTable(await tempFile('empty.csv', ''), {}), ERROR_CODES.EMPTY_DATA);
    await rejectsWith(readTable(await tempFile('blank.jsonl', '\n  \n'), {}), ERROR_CODES.EMPTY_DATA);
    await rejectsWith(readTable(await tempFile('head.tsv', 'text\tlabel\n'), {}), ERROR_CODES.EMPTY_DATA, (e) =>
      assert.match(e.message, /header but no rows/),
    );
  });

  it('asks for `format:` when the extension does not say', async () => {
    const file = await tempFile('data.txt', 'text;label\na;b\n');
    await rejectsWith(readTable(file, {}), ERROR_CODES.FILE_FORMAT, (e) => {
      assert.equal(e.details.key, 'format');
      assert.match(e.details.expected ?? '', /format: csv \| tsv \| jsonl/);
    });
    const t = await readTable(file, { format: 'csv', header: false, columns: ['line'] });
    assert.deepEqual(t.rows, [{ line: 'text;label' }, { line: 'a;b' }]);
  });
});
