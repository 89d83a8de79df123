/**
 * EDA, "Easy Data Augmentation" (Wei & Zou, 2019): synonym replacement, random
 * insertion, random swap and random deletion of words. Pure functions of their
 * inputs and an Rng, so a seed reproduces every augmented text.
 *
 * Text is tokenised on whitespace. A token with no letter or digit (",", "--")
 * is punctuation: it is never replaced, swapped, deleted or counted as a word.
 * Punctuation stuck to a word ("happy,") stays where it is when the word inside
 * is replaced.
 */
import { ERROR_CODES, HybridTuneError } from '../../errors.js';
import { Rng, deriveSeed } from '../../math/rng.js';
import type { Lexicon } from './wordnet.js';

export type EdaOp = 'sr' | 'ri' | 'rs' | 'rd';

export interface EdaSettings {
  /** Fraction of words changed per operation, 0..0.5. */
  alpha: number;
  /** Augmented copies per example, 1..16. */
  copies: number;
  /** Which operations may be picked; all on when absent. */
  ops?: { sr?: boolean; ri?: boolean; rs?: boolean; rd?: boolean };
}

export interface EdaDatasetResult {
  /** The new examples only, `copies` per source example, in source order. */
  texts: string[];
  y: Int32Array;
  /** Index of the source example of each new one. */
  sourceIndex: Int32Array;
}

const OP_ORDER: readonly EdaOp[] = ['sr', 'ri', 'rs', 'rd'];

/** Function words that carry no meaning of their own; synonyms are never sought for them. */
export const EDA_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also may might must shall us yet ' +
    "i'm i've i'd i'll you're you've you'd you'll he's she's it's we're we've they're they've that's there's what's " +
    "isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't shouldn't hasn't haven't hadn't let's"
  ).split(' '),
);

const WORD_CHAR = /[\p{L}\p{N}]/u;
const AFFIXES = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/su;

function isWordToken(token: string): boolean {
  return WORD_CHAR.test(token);
}

/** Leading punctuation, the word, trailing punctuation. */
function splitAffixes(token: string): [string, string, string] {
  const m = AFFIXES.exec(token)!;
  return [m[1]!, m[2]!, m[3]!];
}

/** Gives a synonym the capitalisation of the word it replaces ("Happy" -> "Glad", "USA" -> "AMERICA"). */
function matchCase(original: string, synonym: string): string {
  if (original.length > 1 && original === original.toUpperCase() && original !== original.toLowerCase()) return synonym.toUpperCase();
  const first = original.charAt(0);
  if (first !== first.toLowerCase()) return synonym.charAt(0).toUpperCase() + synonym.slice(1);
  return synonym;
}

/** Splits on whitespace, dropping empty pieces. */
export function tokenize(text: string): string[] {
  return text.split(/\s+/u).filter((t) => t.length > 0);
}

function wordPositions(words: readonly string[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < words.length; i++) if (isWordToken(words[i]!)) out.push(i);
  return out;
}

/** Positions of words that are no stop word and have synonyms, with those synonyms. */
function replaceable(words: readonly string[], lex: Lexicon): Array<{ at: number; synonyms: readonly string[] }> {
  const out: Array<{ at: number; synonyms: readonly string[] }> = [];
  for (let i = 0; i < words.length; i++) {
    const token = words[i]!;
    if (!isWordToken(token)) continue;
    const core = splitAffixes(token)[1];
    const lower = core.toLowerCase();
    if (EDA_STOP_WORDS.has(lower)) continue;
    const synonyms = lex.synonyms(lower);
    if (synonyms.length > 0) out.push({ at: i, synonyms });
  }
  return out;
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `${name} must be a whole number >= 0`, { key: name, value: n, expected: 'an integer >= 0' });
  }
}

/** Replaces up to n distinct non-stop words that have synonyms by one of their synonyms. */
export function synonymReplace(words: readonly string[], n: number, lex: Lexicon, rng: Rng): string[] {
  checkCount('n', n);
  const out = words.slice();
  const candidates = rng.shuffle(replaceable(words, lex));
  for (const { at, synonyms } of candidates.slice(0, n)) {
    const [lead, core, trail] = splitAffixes(words[at]!);
    out[at] = lead + matchCase(core, rng.choice(synonyms)) + trail;
  }
  return out;
}

/** Inserts, n times, a synonym of a random non-stop word of the text at a random position. */
export function randomInsert(words: readonly string[], n: number, lex: Lexicon, rng: Rng): string[] {
  checkCount('n', n);
  const out = words.slice();
  const candidates = replaceable(words, lex);
  if (candidates.length === 0) return out;
  for (let i = 0; i < n; i++) {
    const { synonyms } = rng.choice(candidates);
    const synonym = rng.choice(synonyms);
    out.splice(rng.int(0, out.length), 0, synonym);
  }
  return out;
}

/** Swaps two different words, n times; punctuation tokens keep their places. */
export function randomSwap(words: readonly string[], n: number, rng: Rng): string[] {
  checkCount('n', n);
  const out = words.slice();
  const at = wordPositions(words);
  if (at.length < 2) return out;
  for (let i = 0; i < n; i++) {
    const a = rng.int(0, at.length - 1);
    let b = rng.int(0, at.length - 2);
    if (b >= a) b++;
    const ia = at[a]!;
    const ib = at[b]!;
    const t = out[ia]!;
    out[ia] = out[ib]!;
    out[ib] = t;
  }
  return out;
}

/** Deletes each word with probability p, but never every word; punctuation tokens stay. */
export function randomDelete(words: readonly string[], p: number, rng: Rng): string[] {
  if (!(p >= 0 && p <= 1)) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, 'deletion probability p must be in [0, 1]', { key: 'p', value: p, expected: '0 <= p <= 1' });
  }
  const at = wordPositions(words);
  if (at.length <= 1) return words.slice();
  const drop = new Set<number>();
  for (const i of at) if (rng.next() < p) drop.add(i);
  if (drop.size === at.length) drop.delete(at[rng.int(0, at.length - 1)]!);
  return words.filter((_, i) => !drop.has(i));
}

/** The enabled operations in a fixed order; throws with the key at fault when settings are out of range. */
export function validateEdaSettings(settings: EdaSettings): EdaOp[] {
  const { alpha, copies } = settings;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 0.5)) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, 'augment.eda alpha must be between 0 and 0.5', {
      key: 'alpha',
      value: alpha,
      expected: 'a fraction of words changed per operation, 0 <= alpha <= 0.5',
    });
  }
  if (!Number.isInteger(copies) || copies < 1 || copies > 16) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, 'augment.eda copies must be a whole number from 1 to 16', {
      key: 'copies',
      value: copies,
      expected: 'an integer, 1 <= copies <= 16',
    });
  }
  const ops = OP_ORDER.filter((op) => settings.ops?.[op] !== false);
  if (ops.length === 0) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, 'augment.eda has every operation switched off', {
      key: 'ops',
      value: settings.ops,
      expected: 'at least one of sr, ri, rs, rd enabled',
    });
  }
  return ops;
}

function applyOp(op: EdaOp, words: readonly string[], n: number, alpha: number, lex: Lexicon, rng: Rng): string[] {
  switch (op) {
    case 'sr':
      return synonymReplace(words, n, lex, rng);
    case 'ri':
      return randomInsert(words, n, lex, rng);
    case 'rs':
      return randomSwap(words, n, rng);
    case 'rd':
      return randomDelete(words, alpha, rng);
  }
}

function augmentWithOps(text: string, settings: EdaSettings, ops: readonly EdaOp[], lex: Lexicon, rng: Rng): string[] {
  const words = tokenize(text);
  const wordCount = wordPositions(words).length;
  const n = Math.max(1, Math.round(settings.alpha * wordCount));
  const out: string[] = [];
  for (let c = 0; c < settings.copies; c++) {
    const op = rng.choice(ops);
    out.push(applyOp(op, words, n, settings.alpha, lex, rng).join(' '));
  }
  return out;
}

/**
 * `copies` augmented versions of one text; each applies one operation picked at
 * random among the enabled ones, changing n = max(1, round(alpha * words)) words
 * (random deletion drops each word with probability alpha). Whitespace in the
 * result is single spaces.
 */
export function edaAugmentText(text: string, settings: EdaSettings, lex: Lexicon, rng: Rng): string[] {
  const ops = validateEdaSettings(settings);
  return augmentWithOps(text, settings, ops, lex, rng);
}

/**
 * Augments a dataset and returns only the new examples, `copies` per source in
 * source order. Each example draws from its own generator, derived from one draw
 * of `rng`, its text and how many times that text came before, so an example's
 * augmentations do not change when other examples are added, removed or
 * reordered: encodings of augmented texts can be cached across trials and folds.
 */
export function edaAugmentDataset(texts: readonly string[], y: Int32Array, settings: EdaSettings, lex: Lexicon, rng: Rng): EdaDatasetResult {
  if (texts.length !== y.length) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `augment.eda got ${texts.length} texts but ${y.length} labels`, {
      value: { texts: texts.length, labels: y.length },
      expected: 'one label per text',
    }, false);
  }
  const ops = validateEdaSettings(settings);
  const base = rng.uint32();
  const total = texts.length * settings.copies;
  const outTexts: string[] = [];
  const outY = new Int32Array(total);
  const sourceIndex = new Int32Array(total);
  const seen = new Map<string, number>();
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    const occurrence = seen.get(text) ?? 0;
    seen.set(text, occurrence + 1);
    const exampleRng = new Rng(deriveSeed(base, text, occurrence));
    for (const augmented of augmentWithOps(text, settings, ops, lex, exampleRng)) {
      outY[outTexts.length] = y[i]!;
      sourceIndex[outTexts.length] = i;
      outTexts.push(augmented);
    }
  }
  return { texts: outTexts, y: outY, sourceIndex };
}
