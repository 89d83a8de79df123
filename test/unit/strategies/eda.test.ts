import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  EDA_STOP_WORDS,
  edaAugmentDataset,
  edaAugmentText,
  randomDelete,
  randomInsert,
  randomSwap,
  synonymReplace,
  tokenize,
} from '../../../src/strategies/augment/eda.js';
import { loadWordNet, mapLexicon } from '../../../src/strategies/augment/wordnet.js';
import { Rng } from '../../../src/math/rng.js';

const TWENTY =
  'the quick brown fox jumped over a lazy dog while happy children played loud music near an old red barn';
const toy = mapLexicon({
  happy: ['glad', 'felicitous'],
  movie: ['film', 'picture'],
  great: ['outstanding', 'bang-up'],
  plot: ['story line'],
  // Stop words given synonyms on purpose: SR must still leave them alone.
  the: ['thee'],
  it: ['information technology'],
  was: ['wa'],
});

function changedPositions(a: readonly string[], b: readonly string[]): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

test('tokenize splits on any whitespace and drops empty pieces', () => {
  assert.deepEqual(tokenize('  a\tb \n c  '), ['a', 'b', 'c']);
  assert.deepEqual(tokenize(''), []);
});

test('synonym replacement never touches stop words', async () => {
  const words = tokenize('the movie was great and it was the plot');
  for (let seed = 0; seed < 50; seed++) {
    const out = synonymReplace(words, 20, toy, new Rng(seed));
    for (let i = 0; i < words.length; i++) {
      if (EDA_STOP_WORDS.has(words[i]!)) assert.equal(out[i], words[i], `stop word ${words[i]} replaced (seed ${seed})`);
    }
    // The three content words with synonyms are all replaced when n is large.
    assert.equal(changedPositions(words, out), 3);
  }
  const wn = await loadWordNet();
  assert.ok(wn.synonyms('it').length > 0, 'WordNet has synonyms for "it" (information technology)');
  const stopOnly = tokenize('it is in the way that we do it');
  const out = synonymReplace(stopOnly, 10, wn, new Rng(3));
  for (let i = 0; i < stopOnly.length; i++) if (EDA_STOP_WORDS.has(stopOnly[i]!)) assert.equal(out[i], stopOnly[i]);
});

test('synonym replacement keeps punctuation and capitalisation around a replaced word', () => {
  const out = synonymReplace(tokenize('Happy, happy "movie".'), 3, toy, new Rng(7));
  assert.match(out[0]!, /^(Glad|Felicitous),$/);
  assert.match(out[1]!, /^(glad|felicitous)$/);
  assert.match(out[2]!, /^"(film|picture)"\.$/);
});

test('alpha = 0.1 on a 20-word sentence changes 2 words by synonym replacement', async () => {
  const wordnet = await loadWordNet();
  // Single-word synonyms only, so the output re-tokenises position by position.
  const lex = { size: wordnet.size, synonyms: (w: string) => wordnet.synonyms(w).filter((s) => !s.includes(' ')) };
  const words = tokenize(TWENTY);
  assert.equal(words.length, 20);
  const sr = { alpha: 0.1, copies: 16, ops: { sr: true, ri: false, rs: false, rd: false } };
  for (let seed = 0; seed < 10; seed++) {
    for (const text of edaAugmentText(TWENTY, sr, lex, new Rng(seed))) {
      assert.equal(changedPositions(words, tokenize(text)), 2, text);
    }
  }
  // With the full lexicon (multiword synonyms kept as one element) the word array still changes in 2 places.
  for (let seed = 0; seed < 10; seed++) assert.equal(changedPositions(words, synonymReplace(words, 2, wordnet, new Rng(seed))), 2);
});

test('random insertion adds n synonyms of the text\'s content words and keeps the originals in order', () => {
  const words = tokenize('a happy movie with a great plot');
  const out = randomInsert(words, 3, toy, new Rng(11));
  assert.equal(out.length, words.length + 3);
  const allowed = new Set(['glad', 'felicitous', 'film', 'picture', 'outstanding', 'bang-up', 'story line']);
  // Removing the originals in order leaves exactly the inserted synonyms.
  let j = 0;
  const rest: string[] = [];
  for (const w of out) {
    if (j < words.length && w === words[j]) j++;
    else rest.push(w);
  }
  assert.equal(j, words.length);
  assert.equal(rest.length, 3);
  for (const w of rest) assert.ok(allowed.has(w), `unexpected insertion ${w}`);
  assert.deepEqual(randomInsert(tokenize('of the and'), 2, toy, new Rng(1)), ['of', 'the', 'and'], 'nothing to insert without candidates');
});

test('random swap preserves the multiset of words and leaves punctuation tokens in place', () => {
  const words = tokenize('one two three , four five six .');
  let moved = 0;
  for (let seed = 0; seed < 30; seed++) {
    const out = randomSwap(words, 2, new Rng(seed));
    assert.deepEqual([...out].sort(), [...words].sort());
    assert.equal(out[3], ',');
    assert.equal(out[7], '.');
    if (out.join(' ') !== words.join(' ')) moved++;
  }
  assert.ok(moved >= 25, `swaps should usually change the order (${moved}/30)`);
  assert.deepEqual(randomSwap(['alone'], 3, new Rng(1)), ['alone']);
});

test('random deletion with p = 1 leaves exactly one word; p = 0 leaves all', () => {
  const words = tokenize('alpha beta gamma delta epsilon');
  const seenSurvivors = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const out = randomDelete(words, 1, new Rng(seed));
    assert.equal(out.length, 1);
    assert.ok(words.includes(out[0]!));
    seenSurvivors.add(out[0]!);
  }
  assert.ok(seenSurvivors.size > 1, 'the survivor is chosen at random');
  assert.deepEqual(randomDelete(words, 0, new Rng(1)), words);
  assert.equal(randomDelete(tokenize('hello , world !'), 1, new Rng(2)).filter((t) => /\w/.test(t)).length, 1);
  assert.deepEqual(randomDelete(['solo'], 1, new Rng(3)), ['solo']);
  assert.throws(() => randomDelete(words, 1.5, new Rng(1)), { code: 'E_OUT_OF_RANGE' });
});

test('edaAugmentText returns `copies` texts; same seed same output, different seed different output', async () => {
  const lex = await loadWordNet();
  const settings = { alpha: 0.2, copies: 8 };
  const a = edaAugmentText(TWENTY, settings, lex, new Rng(42));
  const b = edaAugmentText(TWENTY, settings, lex, new Rng(42));
  const c = edaAugmentText(TWENTY, settings, lex, new Rng(43));
  assert.equal(a.length, 8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const t of a) assert.ok(t.length > 0);
  assert.ok(new Set(a).size > 1, 'copies differ from each other');
});

test('only the enabled operations are used', () => {
  const text = 'one two three four five six seven eight nine ten';
  // Swap only: every copy is a permutation of the words.
  for (const t of edaAugmentText(text, { alpha: 0.3, copies: 16, ops: { sr: false, ri: false, rd: false } }, toy, new Rng(5))) {
    assert.deepEqual(tokenize(t).sort(), tokenize(text).sort());
  }
  // Deletion only: every copy is a subsequence, never empty.
  for (const t of edaAugmentText(text, { alpha: 0.5, copies: 16, ops: { sr: false, ri: false, rs: false } }, toy, new Rng(6))) {
    const out = tokenize(t);
    assert.ok(out.length >= 1 && out.length <= 10);
    let j = 0;
    for (const w of tokenize(text)) if (w === out[j]) j++;
    assert.equal(j, out.length);
  }
});

test('settings out of range are rejected with the key at fault', () => {
  assert.throws(() => edaAugmentText('a b', { alpha: 0.6, copies: 1 }, toy, new Rng(1)), { code: 'E_OUT_OF_RANGE' });
  assert.throws(() => edaAugmentText('a b', { alpha: 0.1, copies: 0 }, toy, new Rng(1)), { code: 'E_OUT_OF_RANGE' });
  assert.throws(() => edaAugmentText('a b', { alpha: 0.1, copies: 17 }, toy, new Rng(1)), { code: 'E_OUT_OF_RANGE' });
  assert.throws(() => edaAugmentText('a b', { alpha: 0.1, copies: 2.5 }, toy, new Rng(1)), { code: 'E_OUT_OF_RANGE' });
  assert.throws(
    () => edaAugmentText('a b', { alpha: 0.1, copies: 1, ops: { sr: false, ri: false, rs: false, rd: false } }, toy, new Rng(1)),
    { code: 'E_BAD_VALUE' },
  );
});

test('edaAugmentDataset returns only new examples, with labels and source indexes', async () => {
  const lex = await loadWordNet();
  const texts = ['a happy movie with a great plot', 'the worst film I have ever seen', 'an average story, nothing more'];
  const y = Int32Array.from([1, 0, 2]);
  const out = edaAugmentDataset(texts, y, { alpha: 0.2, copies: 3 }, lex, new Rng(9));
  assert.equal(out.texts.length, 9);
  assert.deepEqual([...out.sourceIndex], [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual([...out.y], [1, 1, 1, 0, 0, 0, 2, 2, 2]);
  assert.ok(out.y instanceof Int32Array && out.sourceIndex instanceof Int32Array);
  const again = edaAugmentDataset(texts, y, { alpha: 0.2, copies: 3 }, lex, new Rng(9));
  assert.deepEqual(again.texts, out.texts);
  const other = edaAugmentDataset(texts, y, { alpha: 0.2, copies: 3 }, lex, new Rng(10));
  assert.notDeepEqual(other.texts, out.texts);
  assert.throws(() => edaAugmentDataset(texts, Int32Array.from([1, 0]), { alpha: 0.1, copies: 1 }, lex, new Rng(1)), { code: 'E_BAD_VALUE' });
});

test('an example\'s augmentations do not depend on the other examples', async () => {
  const lex = await loadWordNet();
  const texts = ['a happy movie with a great plot', 'the worst film I have ever seen', 'an average story, nothing more'];
  const settings = { alpha: 0.2, copies: 4 };
  const full = edaAugmentDataset(texts, Int32Array.from([1, 0, 2]), settings, lex, new Rng(21));
  const reordered = edaAugmentDataset([texts[2]!, texts[0]!], Int32Array.from([2, 1]), settings, lex, new Rng(21));
  assert.deepEqual(reordered.texts.slice(4, 8), full.texts.slice(0, 4));
  assert.deepEqual(reordered.texts.slice(0, 4), full.texts.slice(8, 12));
  // A duplicated text gets its own, different augmentations.
  const dup = edaAugmentDataset([texts[0]!, texts[0]!], Int32Array.from([1, 1]), settings, lex, new Rng(21));
  assert.deepEqual(dup.texts.slice(0, 4), full.texts.slice(0, 4));
  assert.notDeepEqual(dup.texts.slice(4, 8), dup.texts.slice(0, 4));
});

test('a fixed seed gives these exact texts on any machine', () => {
  // Pinned output: a change here means augmented data (and cached encodings) change for every user.
  const out = edaAugmentText('The movie was great, and the plot made me happy .', { alpha: 0.2, copies: 6 }, toy, new Rng(2024));
  assert.deepEqual(out, [
    'The movie was great, the plot made me happy .',
    'The picture was great, and the plot made me felicitous .',
    'The film was great, and the plot made me glad .',
    'The happy the great, and was plot made me movie .',
    'The movie was bang-up, and the plot made me felicitous .',
    'The movie was bang-up, and the story line made me happy .',
  ]);
});
