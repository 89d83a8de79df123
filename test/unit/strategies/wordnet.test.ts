import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadWordNet, mapLexicon, readWordNet, wordNetDictPath } from '../../../src/strategies/augment/wordnet.js';

test('loadWordNet reads the lexicon once per process', async () => {
  const a = await loadWordNet();
  const b = await loadWordNet();
  assert.equal(a, b);
  assert.ok(a.size > 50_000, `expected tens of thousands of words with synonyms, got ${a.size}`);
});

test('synonyms of common words come from their synsets', async () => {
  const lex = await loadWordNet();
  const happy = lex.synonyms('happy');
  assert.ok(happy.includes('felicitous') || happy.includes('glad'), `happy -> ${happy.join(', ')}`);
  assert.ok(!happy.includes('happy'), 'the word itself is excluded');
  assert.ok(lex.synonyms('car').includes('automobile'));
  assert.ok(lex.synonyms('quickly').includes('rapidly'));
});

test('multiword lemmas come with spaces, everything lower-case, no duplicates', async () => {
  const lex = await loadWordNet();
  const car = lex.synonyms('car');
  assert.ok(car.includes('railway car'), `car -> ${car.join(', ')}`);
  for (const word of ['car', 'dog', 'good', 'run', 'new york']) {
    const syns = lex.synonyms(word);
    assert.equal(new Set(syns).size, syns.length, `duplicates for ${word}`);
    for (const s of syns) {
      assert.ok(!s.includes('_'), `underscore in ${s}`);
      assert.equal(s, s.toLowerCase());
      assert.ok(!/\((a|p|ip)\)$/.test(s), `adjective marker left in ${s}`);
    }
  }
  assert.ok(lex.synonyms('new york').includes('new york city'), 'a multiword query is looked up with underscores');
  assert.ok(!lex.synonyms('new york').includes('new york'));
});

test('lookups ignore case and surrounding space; unknown words and stop-only words have none', async () => {
  const lex = await loadWordNet();
  assert.deepEqual(lex.synonyms('  Happy '), lex.synonyms('happy'));
  assert.deepEqual(lex.synonyms('CAR'), lex.synonyms('car'));
  assert.deepEqual(lex.synonyms('xyzzyplugh'), []);
  assert.deepEqual(lex.synonyms('the'), []);
  assert.deepEqual(lex.synonyms(''), []);
});

test('inflected forms fall back to their base lemma, which is then excluded', async () => {
  const lex = await loadWordNet();
  const cars = lex.synonyms('cars');
  assert.ok(cars.includes('automobile'));
  assert.ok(!cars.includes('car') && !cars.includes('cars'));
});

test('the order is deterministic: a fresh read gives identical lists', async () => {
  const a = await loadWordNet();
  const b = await readWordNet(wordNetDictPath());
  assert.notEqual(a, b);
  assert.equal(a.size, b.size);
  for (const word of ['happy', 'car', 'dog', 'good', 'bank', 'set']) assert.deepEqual(a.synonyms(word), b.synonyms(word));
  // Sense order from the index: the first synset of "car" is the automobile one.
  assert.deepEqual(a.synonyms('car').slice(0, 4), ['auto', 'automobile', 'machine', 'motorcar']);
});

test('a missing dict folder is a clear, coded error', async () => {
  await assert.rejects(readWordNet('/nonexistent/wordnet/dict'), (e: unknown) => {
    assert.equal((e as { code?: string }).code, 'E_FILE_NOT_FOUND');
    return true;
  });
});

test('mapLexicon normalises its table', () => {
  const lex = mapLexicon({ Big: ['LARGE', 'big', 'great_big', 'large'], empty: [] });
  assert.equal(lex.size, 1);
  assert.deepEqual(lex.synonyms('big'), ['large', 'great big']);
  assert.deepEqual(lex.synonyms('BIG'), ['large', 'great big']);
  assert.deepEqual(lex.synonyms('empty'), []);
});
