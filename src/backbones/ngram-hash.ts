import type { SparseRows } from './sparse.js';

export interface NgramHashSettings {
  dims: number;
  wordNgrams: number;
  charNgrams: number;
  weighting: 'tfidf' | 'log-count';
  lowercase: boolean;
}

export const DEFAULT_NGRAM_HASH: NgramHashSettings = { dims: 262144, wordNgrams: 2, charNgrams: 0, weighting: 'tfidf', lowercase: true };

export function ngramSettingsFrom(s: Record<string, unknown>): NgramHashSettings {
  return {
    dims: (s['dims'] as number | undefined) ?? DEFAULT_NGRAM_HASH.dims,
    wordNgrams: (s['word-ngrams'] as number | undefined) ?? DEFAULT_NGRAM_HASH.wordNgrams,
    charNgrams: (s['char-ngrams'] as number | undefined) ?? DEFAULT_NGRAM_HASH.charNgrams,
    weighting: (s['weighting'] as NgramHashSettings['weighting'] | undefined) ?? DEFAULT_NGRAM_HASH.weighting,
    lowercase: (s['lowercase'] as boolean | undefined) ?? DEFAULT_NGRAM_HASH.lowercase,
  };
}

// Words (letters, digits, inner apostrophes) and single punctuation marks.
const TOKEN = /[\p{L}\p{N}_]+(?:'[\p{L}]+)*|[^\s\p{L}\p{N}_]/gu;

export function tokenize(text: string, lowercase: boolean): string[] {
  return (lowercase ? text.toLowerCase() : text).match(TOKEN) ?? [];
}

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(h: number, v: number): number {
  let x = (h ^ Math.imul(v, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const WORD_SEED = 0x811c9dc5;
const CHAR_SEED = 0x1b873593;

/** Hashed n-gram counts of one text: parallel arrays of bucket and count, buckets ascending. */
export function hashedCounts(text: string, s: NgramHashSettings): { buckets: Int32Array; counts: Float32Array } {
  const counts = new Map<number, number>();
  const add = (h: number) => {
    const b = h % s.dims;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  };
  const tokens = tokenize(text, s.lowercase);
  const th = tokens.map((t) => fnv1a(t, WORD_SEED));
  for (let i = 0; i < th.length; i++) {
    let h = th[i]!;
    add(h);
    for (let n = 2; n <= s.wordNgrams && i + n - 1 < th.length; n++) {
      h = mix(h, th[i + n - 1]! + n);
      add(h);
    }
  }
  if (s.charNgrams > 0) {
    const t = (s.lowercase ? text.toLowerCase() : text).replace(/\s+/g, ' ').trim();
    const chars = Array.from(t);
    for (let i = 0; i < chars.length; i++) {
      let h = CHAR_SEED;
      for (let n = 1; n <= s.charNgrams && i + n - 1 < chars.length; n++) {
        h = mix(h, chars[i + n - 1]!.codePointAt(0)!);
        if (n === 1 && chars[i] === ' ') continue;
        add(mix(h, 0x51ed27 + n));
      }
    }
  }
  const buckets = Int32Array.from(counts.keys()).sort();
  return { buckets, counts: Float32Array.from(buckets, (b) => counts.get(b)!) };
}

/**
 * Per-process cache of hashed counts: the data set's texts are hashed once across
 * trials with the same settings. It is an LRU bounded by the number of stored
 * (bucket, count) pairs, so texts that only one trial makes (augmented copies) are
 * evicted instead of piling up over a long sweep: each trial touches the data set's
 * texts before its own new ones, so the previous trial's copies go first.
 */
const countCache = new Map<string, { entries: Map<string, { buckets: Int32Array; counts: Float32Array }>; pairs: number }>();
const MAX_CACHED_SETTINGS = 2;
/** About 64 MiB of pairs: SST-2's 67k sentences need 2.7M. */
export const MAX_CACHED_PAIRS = 8_000_000;

function cachedCounts(texts: readonly string[], s: NgramHashSettings): Array<{ buckets: Int32Array; counts: Float32Array }> {
  const key = `${s.dims}|${s.wordNgrams}|${s.charNgrams}|${s.lowercase}`;
  let slot = countCache.get(key);
  if (slot) {
    countCache.delete(key);
    countCache.set(key, slot);
  } else {
    if (countCache.size >= MAX_CACHED_SETTINGS) countCache.delete(countCache.keys().next().value!);
    slot = { entries: new Map(), pairs: 0 };
    countCache.set(key, slot);
  }
  const cache = slot.entries;
  const out = texts.map((t) => {
    let c = cache.get(t);
    if (c) {
      cache.delete(t); // most recently used goes last
    } else {
      c = hashedCounts(t, s);
      slot!.pairs += c.buckets.length;
    }
    cache.set(t, c);
    return c;
  });
  for (const [k, v] of cache) {
    if (slot.pairs <= MAX_CACHED_PAIRS) break;
    cache.delete(k);
    slot.pairs -= v.buckets.length;
  }
  return out;
}

/** Entries in the hashed-count cache, for memory tests. */
export function cachedTextCount(): number {
  let n = 0;
  for (const c of countCache.values()) n += c.entries.size;
  return n;
}

export interface NgramHashState {
  settings: NgramHashSettings;
  /** Hash buckets seen in training, ascending; column j of the features is bucket vocab[j]. */
  vocab: number[];
  /** Inverse document frequency per column (1 for log-count). */
  idf: number[];
  documents: number;
}

/**
 * The built-in backbone: hashed word (and character) n-grams, weighted and
 * L2-normalised. Buckets never seen in training are dropped, like an
 * out-of-vocabulary word, so a model only stores rows it has trained.
 */
export class NgramHashFeaturizer {
  readonly settings: NgramHashSettings;
  private vocab = new Int32Array(0);
  private column = new Map<number, number>();
  private idf = new Float32Array(0);
  private documents = 0;

  constructor(settings: NgramHashSettings) {
    this.settings = settings;
  }

  get size(): number {
    return this.vocab.length;
  }

  fit(texts: readonly string[]): this {
    const counts = cachedCounts(texts, this.settings);
    const df = new Map<number, number>();
    for (const c of counts) for (const b of c.buckets) df.set(b, (df.get(b) ?? 0) + 1);
    this.vocab = Int32Array.from(df.keys()).sort();
    this.column = new Map(Array.from(this.vocab, (b, j) => [b, j] as [number, number]));
    this.documents = texts.length;
    const n = texts.length;
    this.idf = Float32Array.from(this.vocab, (b) => (this.settings.weighting === 'tfidf' ? Math.log((1 + n) / (1 + df.get(b)!)) + 1 : 1));
    return this;
  }

  transform(texts: readonly string[]): SparseRows {
    const counts = cachedCounts(texts, this.settings);
    let nnz = 0;
    for (const c of counts) nnz += c.buckets.length;
    const indptr = new Int32Array(texts.length + 1);
    const indices = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    let p = 0;
    for (let i = 0; i < counts.length; i++) {
      const { buckets, counts: tf } = counts[i]!;
      const start = p;
      let norm = 0;
      for (let k = 0; k < buckets.length; k++) {
        const col = this.column.get(buckets[k]!);
        if (col === undefined) continue;
        const w = (1 + Math.log(tf[k]!)) * this.idf[col]!;
        indices[p] = col;
        values[p] = w;
        norm += w * w;
        p++;
      }
      if (norm > 0) {
        const inv = 1 / Math.sqrt(norm);
        for (let k = start; k < p; k++) values[k]! *= inv;
      }
      indptr[i + 1] = p;
    }
    return { n: texts.length, dims: this.vocab.length, indptr, indices: indices.slice(0, p), values: values.slice(0, p) };
  }

  toJSON(): NgramHashState {
    return { settings: this.settings, vocab: Array.from(this.vocab), idf: Array.from(this.idf), documents: this.documents };
  }

  static fromJSON(state: NgramHashState): NgramHashFeaturizer {
    const f = new NgramHashFeaturizer(state.settings);
    f.vocab = Int32Array.from(state.vocab);
    f.column = new Map(state.vocab.map((b, j) => [b, j] as [number, number]));
    f.idf = Float32Array.from(state.idf);
    f.documents = state.documents;
    return f;
  }
}
