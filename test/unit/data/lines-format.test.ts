/** `format: lines`: one example a line, cut into columns by a pattern's named groups (TREC, emotion). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadTask } from '../../../src/data/load-task.js';
import { readTable } from '../../../src/data/read-table.js';
import { HybridTuneError } from '../../../src/errors.js';
import { loadSpace } from '../../../src/space/load-space.js';
import { tempFile } from './temp-files.js';

const TREC = '^(?<label>[A-Z]+):\\S+ (?<text>.+)$';

describe('readTable: format lines', () => {
  it('reads TREC-style lines into the named groups, keeping source lines; blank lines are skipped', async () => {
    const file = await tempFile('q.label', 'DESC:manner How did serfdom develop ?\n\nHUM:ind Who killed Gandhi ?\nNUM:date When : was it ?\n');
    const t = await readTable(file, { format: 'lines', pattern: TREC });
    assert.deepEqual(t.columns, ['label', 'text']);
    assert.deepEqual(t.rows, [
      { label: 'DESC', text: 'How did serfdom develop ?' },
      { label: 'HUM', text: 'Who killed Gandhi ?' },
      { label: 'NUM', text: 'When : was it ?' },
    ]);
    assert.deepEqual(t.lines, [1, 3, 4]);
  });

  it('skips a header line when told, and splits at the last separator', async () => {
    const file = await tempFile('e.txt', 'text;label_name\ni feel good; really;joy\ni am scared;fear\n');
    const t = await readTable(file, { format: 'lines', pattern: '^(?<text>.*);(?<label>[a-z]+)$', header: true });
    assert.deepEqual(t.rows, [
      { text: 'i feel good; really', label: 'joy' },
      { text: 'i am scared', label: 'fear' },
    ]);
  });

  it('names the line that does not match, and asks for a pattern with named groups', async () => {
    const file = await tempFile('bad.label', 'DESC:manner fine\nno label here\n');
    await assert.rejects(readTable(file, { format: 'lines', pattern: TREC }), (e: unknown) => e instanceof HybridTuneError && e.code === 'E_MALFORMED_ROW' && e.details.line === 2);
    await assert.rejects(readTable(file, { format: 'lines' }), (e: unknown) => e instanceof HybridTuneError && e.details.key === 'pattern');
    await assert.rejects(readTable(file, { format: 'lines', pattern: '^(.+)$' }), (e: unknown) => e instanceof HybridTuneError && e.details.key === 'pattern');
    await assert.rejects(readTable(file, { format: 'lines', pattern: '(?<x>[' }), (e: unknown) => e instanceof HybridTuneError && /not a valid regular expression/.test(e.message));
  });
});

describe('the shipped trec and emotion spaces read the shared data', () => {
  const spaces = path.resolve('search-spaces');
  for (const [name, sizes, labels] of [
    ['trec', [4635, 817, 500], ['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM']],
    ['emotion', [16000, 2000, 2000], ['anger', 'fear', 'joy', 'love', 'sadness', 'surprise']],
  ] as const) {
    it(`${name}: ${sizes.join(' / ')} examples, ${labels.length} classes`, async (t) => {
      const space = loadSpace(path.join(spaces, `${name}.yaml`));
      if (!existsSync(path.resolve(spaces, space.task.data.train))) return t.skip('../shared/data absent');
      const data = await loadTask(space.task, { baseDir: spaces, seed: space.seed, specFile: space.file });
      assert.deepEqual([data.train.texts.length, data.validation.texts.length, data.test!.texts.length], sizes);
      assert.deepEqual(data.labels, labels);
      assert.ok(data.train.texts.every((x) => x.length > 0 && !/^[A-Z]+:/.test(x) && !x.includes(';sadness')));
    });
  }
});
