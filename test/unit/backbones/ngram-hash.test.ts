import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_NGRAM_HASH, hashedCounts, NgramHashFeaturizer, ngramSettingsFrom, tokenize, type NgramHashSettings } from '../../../src/backbones/ngram-hash.js';
import type { SparseRows } from '../../../src/backbones/sparse.js';

/** Large enough that the few n-grams of these tests do not collide. */
const BIG: NgramHashSettings = { dims: 4194304, wordNgrams: 2, charNgrams: 0, weighting: 'tfidf', lowercase: true };

const CORPUS = [
  'the movie was great and the cast was great',
  'the plot was thin but the music was lovely',
  'a terrible film with a terrible ending',
  'the acting was fine',
  'I loved it, truly loved it!',
  'Worst. Movie. Ever.',
];

function row(x: SparseRows, i: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) m.set(x.indices[k]!, x.values[k]!);
  return m;
}

function rowNnz(x: SparseRows, i: number): number {
  return x.indptr[i + 1]! - x.indptr[i]!;
}

/** The column of a single n-gram text's only bucket (word unigrams), or undefined when unseen. */
function columnOf(f: NgramHashFeaturizer, word: string): number | undefined {
  const { buckets } = hashedCounts(word, { ...f.settings, wordNgrams: 1, charNgrams: 0 });
  assert.equal(buckets.length, 1);
  const j = f.toJSON().vocab.indexOf(buckets[0]!);
  return j < 0 ? undefined : j;
}

describe('tokenize', () => {
  it('splits words (inner apostrophes kept), numbers and punctuation; lower-cases on request', () => {
    assert.deepEqual(tokenize("Don't stop, it's 42!", true), ["don't", 'stop', ',', "it's", '42', '!']);
    assert.deepEqual(tokenize('Hello World', false), ['Hello', 'World']);
  });

  it('keeps a run of Chinese characters without spaces as one token', () => {
    assert.deepEqual(tokenize('我喜欢这部电影', true), ['我喜欢这部电影']);
  });
});

describe('hashedCounts', () => {
  it('counts unigrams and bigrams: a 3-word text has 3 + 2 = 5 distinct features', () => {
    assert.equal(hashedCounts('red green blue', { ...BIG, wordNgrams: 1 }).buckets.length, 3);
    assert.equal(hashedCounts('red green blue', BIG).buckets.length, 5);
    assert.equal(hashedCounts('red green blue', { ...BIG, wordNgrams: 3 }).buckets.length, 6);
    // bigrams are ordered: "red green" is not "green red"
    const ab = new Set(hashedCounts('red green', BIG).buckets);
    const ba = new Set(hashedCounts('green red', BIG).buckets);
    assert.equal([...ab].filter((b) => ba.has(b)).length, 2, 'only the two unigrams are shared');
  });

  it('counts repeats, buckets ascending and inside dims', () => {
    const c = hashedCounts('spam spam spam eggs', { ...BIG, wordNgrams: 1 });
    assert.deepEqual(Array.from(c.counts).sort(), [1, 3]);
    for (let i = 1; i < c.buckets.length; i++) assert.ok(c.buckets[i]! > c.buckets[i - 1]!);
    const small = hashedCounts(CORPUS.join(' '), { ...BIG, dims: 1024 });
    for (const b of small.buckets) assert.ok(b >= 0 && b < 1024);
  });

  it('is stable across versions: a saved model depends on these exact buckets', () => {
    const s = { ...DEFAULT_NGRAM_HASH, wordNgrams: 1 };
    assert.deepEqual(Array.from(hashedCounts('hello world', s).buckets), [208043, 256147]);
    assert.deepEqual(Array.from(hashedCounts('hello world', { ...s, wordNgrams: 2 }).buckets), [34126, 208043, 256147]);
  });

  it('char n-grams give Chinese text without spaces its features; word-only mode gives one token', () => {
    const text = '我喜欢这部电影';
    assert.equal(hashedCounts(text, { ...BIG, wordNgrams: 1 }).buckets.length, 1);
    // 1 word + 7 char unigrams + 6 char bigrams
    assert.equal(hashedCounts(text, { ...BIG, wordNgrams: 1, charNgrams: 2 }).buckets.length, 14);
    // two reviews sharing characters share features only with char n-grams
    const other = '我不喜欢这部电影';
    const shared = (s: NgramHashSettings) => {
      const a = new Set(hashedCounts(text, s).buckets);
      return Array.from(hashedCounts(other, s).buckets).filter((b) => a.has(b)).length;
    };
    assert.equal(shared({ ...BIG, wordNgrams: 1 }), 0);
    assert.ok(shared({ ...BIG, wordNgrams: 1, charNgrams: 2 }) >= 11, `${shared({ ...BIG, wordNgrams: 1, charNgrams: 2 })} shared`);
  });

  it('lower-cases only when asked', () => {
    const on = Array.from(hashedCounts('Hello World', BIG).buckets);
    assert.deepEqual(on, Array.from(hashedCounts('hello world', BIG).buckets));
    assert.notDeepEqual(Array.from(hashedCounts('Hello World', { ...BIG, lowercase: false }).buckets), on);
  });
});

describe('NgramHashFeaturizer', () => {
  it('L2-normalises every row (norm 1 ± 1e-5), columns ascending and inside the vocabulary', () => {
    for (const settings of [BIG, { ...BIG, weighting: 'log-count' as const }, { ...BIG, charNgrams: 3, dims: 1 << 16 }]) {
      const f = new NgramHashFeaturizer(settings).fit(CORPUS);
      const x = f.transform(CORPUS);
      assert.equal(x.n, CORPUS.length);
      assert.equal(x.dims, f.size);
      assert.equal(x.indptr[x.n], x.indices.length);
      for (let i = 0; i < x.n; i++) {
        assert.ok(rowNnz(x, i) > 0);
        let norm = 0;
        for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) {
          norm += x.values[k]! ** 2;
          assert.ok(x.indices[k]! >= 0 && x.indices[k]! < f.size);
          if (k > x.indptr[i]!) assert.ok(x.indices[k]! > x.indices[k - 1]!);
        }
        assert.ok(Math.abs(Math.sqrt(norm) - 1) < 1e-5, `row ${i} norm ${Math.sqrt(norm)}`);
      }
    }
  });

  it('a 3-word text has 5 features (3 unigrams, 2 bigrams) after fitting on it', () => {
    const f = new NgramHashFeaturizer(BIG).fit(['red green blue']);
    assert.equal(f.size, 5);
    const x = f.transform(['red green blue']);
    assert.equal(rowNnz(x, 0), 5);
    // all counts 1, all idf equal: five equal weights
    for (const v of x.values) assert.ok(Math.abs(v - 1 / Math.sqrt(5)) < 1e-6);
  });

  it('gives an empty row for a text made only of unseen n-grams', () => {
    const f = new NgramHashFeaturizer(BIG).fit(CORPUS);
    const x = f.transform(['zebra quantum xylophone', '', 'the movie']);
    assert.equal(rowNnz(x, 0), 0);
    assert.equal(rowNnz(x, 1), 0);
    assert.equal(rowNnz(x, 2), 3, "'the', 'movie' and 'the movie' were all seen");
    assert.equal(x.n, 3);
  });

  it('tfidf weighs a rare n-gram above a common one in the same document, by the smoothed idf', () => {
    const docs = ['common rare', 'common one', 'common two', 'common three'];
    const f = new NgramHashFeaturizer({ ...BIG, wordNgrams: 1 }).fit(docs);
    const x = f.transform(['common rare']);
    const r = row(x, 0);
    const wCommon = r.get(columnOf(f, 'common')!)!;
    const wRare = r.get(columnOf(f, 'rare')!)!;
    assert.ok(wRare > wCommon, `rare ${wRare} vs common ${wCommon}`);
    // idf = ln((1 + n) / (1 + df)) + 1: common (df 4) → 1, rare (df 1) → ln(5/2) + 1
    assert.ok(Math.abs(wRare / wCommon - (Math.log(5 / 2) + 1)) < 1e-5, `ratio ${wRare / wCommon}`);
  });

  it('log-count ignores document frequency and dampens repeats by 1 + ln(count); it differs from tfidf', () => {
    const docs = ['common rare', 'common one', 'common two', 'common three'];
    const lc = new NgramHashFeaturizer({ ...BIG, wordNgrams: 1, weighting: 'log-count' }).fit(docs);
    assert.ok(lc.toJSON().idf.every((v) => v === 1));
    const r = row(lc.transform(['common rare']), 0);
    assert.ok([...r.values()].every((v) => Math.abs(v - Math.SQRT1_2) < 1e-6), 'equal weights');
    const rep = row(lc.transform(['common common common rare']), 0);
    const ratio = rep.get(columnOf(lc, 'common')!)! / rep.get(columnOf(lc, 'rare')!)!;
    assert.ok(Math.abs(ratio - (1 + Math.log(3))) < 1e-5, `ratio ${ratio}`);
    const tf = new NgramHashFeaturizer({ ...BIG, wordNgrams: 1 }).fit(docs);
    assert.notDeepEqual(Array.from(tf.transform(['common rare']).values), Array.from(lc.transform(['common rare']).values));
  });

  it('char n-grams make Chinese text comparable to other Chinese text', () => {
    const docs = ['我喜欢这部电影', '这部电影很好看', '我不喜欢'];
    const words = new NgramHashFeaturizer({ ...BIG, wordNgrams: 1 }).fit(docs);
    assert.equal(rowNnz(words.transform(['我喜欢这部']), 0), 0, 'an unseen run of characters is one unseen token');
    const chars = new NgramHashFeaturizer({ ...BIG, wordNgrams: 1, charNgrams: 2 }).fit(docs);
    // 我 喜 欢 这 部 + 我喜 喜欢 欢这 这部 were all seen
    assert.equal(rowNnz(chars.transform(['我喜欢这部']), 0), 9);
  });

  it('round-trips through toJSON/fromJSON (as stored in a recipe) with identical transforms', () => {
    for (const settings of [BIG, { ...BIG, weighting: 'log-count' as const, charNgrams: 2, dims: 1 << 15 }]) {
      const f = new NgramHashFeaturizer(settings).fit(CORPUS);
      const state = JSON.parse(JSON.stringify(f.toJSON())) as ReturnType<NgramHashFeaturizer['toJSON']>;
      const g = NgramHashFeaturizer.fromJSON(state);
      assert.equal(g.size, f.size);
      assert.deepEqual(g.toJSON(), f.toJSON());
      const probe = [...CORPUS, 'an unseen sentence about the movie', '我喜欢'];
      assert.deepEqual(g.transform(probe), f.transform(probe));
    }
  });

  it('is deterministic: two featurizers fitted on the same texts agree exactly', () => {
    const a = new NgramHashFeaturizer({ ...BIG, charNgrams: 3, dims: 1 << 16 }).fit(CORPUS);
    const b = new NgramHashFeaturizer({ ...BIG, charNgrams: 3, dims: 1 << 16 }).fit([...CORPUS]);
    assert.deepEqual(a.toJSON(), b.toJSON());
    assert.deepEqual(a.transform(CORPUS), b.transform(CORPUS));
  });

  it('reads its settings from recipe keys, defaults filled in', () => {
    assert.deepEqual(ngramSettingsFrom({}), DEFAULT_NGRAM_HASH);
    assert.deepEqual(ngramSettingsFrom({ dims: 1024, 'word-ngrams': 1, 'char-ngrams': 3, weighting: 'log-count', lowercase: false }), {
      dims: 1024,
      wordNgrams: 1,
      charNgrams: 3,
      weighting: 'log-count',
      lowercase: false,
    });
  });
});
