/**
 * Reads a CSV, TSV or JSONL file into rows of strings, keeping the source line
 * of every row so that later checks (missing labels, unseen labels) can say
 * exactly where the bad value is.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import iconv from 'iconv-lite';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { DataSpec } from './types.js';

export type TableFormat = NonNullable<DataSpec['format']>;
export type TableEncoding = 'utf-8' | 'latin1';

/** As in DataSpec. `header`, `columns` and `quoting` apply to CSV/TSV; JSONL names its own columns. */
export interface ReadTableOptions {
  format?: DataSpec['format'];
  encoding?: DataSpec['encoding'];
  /** Default: true, unless `columns` is given. */
  header?: boolean;
  /** Names for a headerless file; with `header: true` they replace the header's names. */
  columns?: string[];
  quoting?: DataSpec['quoting'];
  /** `lines` format: the regular expression whose named groups are the columns. */
  pattern?: string;
}

export interface Table {
  columns: string[];
  rows: Array<Record<string, string>>;
  /** 1-based source line where each row starts. */
  lines: number[];
  /** How the bytes were decoded. */
  encoding: TableEncoding;
  /** The raw file, for fingerprints. */
  bytes: Buffer;
  format: TableFormat;
}

const EXTENSION_FORMATS: Readonly<Record<string, TableFormat>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** The characters String#trim removes, which papaparse's greedy skip of blank rows relies on. */
const BLANK = /\s/;

export async function readTable(file: string, opts: ReadTableOptions = {}): Promise<Table> {
  const absolute = path.resolve(file);
  // A missing file is the first thing to fix, so read before judging the extension.
  const bytes = await readBytes(absolute);
  const format = opts.format ?? formatFromExtension(absolute);
  const { text, encoding } = decode(bytes, opts.encoding ?? 'auto', absolute);
  if (text.trim() === '') {
    throw new HybridTuneError(ERROR_CODES.EMPTY_DATA, 'the data file is empty', {
      file: absolute,
      expected: 'at least one row of examples',
    });
  }
  const parsed = format === 'jsonl' ? parseJsonl(text, absolute) : format === 'lines' ? parseLines(text, absolute, opts) : parseDelimited(text, format, absolute, opts);
  if (parsed.rows.length === 0) {
    throw new HybridTuneError(ERROR_CODES.EMPTY_DATA, 'the data file has a header but no rows', {
      file: absolute,
      expected: 'at least one row of examples after the header',
    });
  }
  return { ...parsed, encoding, bytes, format };
}

export function formatFromExtension(file: string): TableFormat {
  const ext = path.extname(file).toLowerCase();
  const format = EXTENSION_FORMATS[ext];
  if (!format) {
    throw new HybridTuneError(ERROR_CODES.FILE_FORMAT, `cannot tell the format of a '${ext || '(no extension)'}' file`, {
      file,
      key: 'format',
      expected: `a file ending in ${Object.keys(EXTENSION_FORMATS).join(', ')}, or 'format: csv | tsv | jsonl' in the data section`,
    });
  }
  return format;
}

async function readBytes(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `data file not found: ${file}`, {
        file,
        expected: 'an existing file; relative paths are resolved against the space file',
      });
    }
    if (code === 'EISDIR') {
      throw new HybridTuneError(ERROR_CODES.FILE_FORMAT, `expected a file but found a folder: ${file}`, { file });
    }
    throw e;
  }
}

function decode(bytes: Buffer, wanted: NonNullable<DataSpec['encoding']>, file: string): { text: string; encoding: TableEncoding } {
  const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b);
  const body = hasBom ? bytes.subarray(UTF8_BOM.length) : bytes;
  if (wanted === 'latin1') return { text: decodeLatin1(body), encoding: 'latin1' };
  if (wanted === 'utf-8') {
    // Asked for explicitly: honour it, with U+FFFD for any bad bytes.
    return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(body), encoding: 'utf-8' };
  }
  if (wanted !== 'auto') {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `unknown encoding '${String(wanted)}'`, {
      file,
      key: 'encoding',
      value: wanted,
      expected: "'auto', 'utf-8' or 'latin1'",
    });
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), encoding: 'utf-8' };
  } catch {
    return { text: decodeLatin1(body), encoding: 'latin1' };
  }
}

/** Windows-1252, the superset of Latin-1 that "Latin-1" files usually are (0x85 is '…', not NEL). */
function decodeLatin1(bytes: Uint8Array): string {
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'win1252');
}

interface Parsed {
  columns: string[];
  rows: Array<Record<string, string>>;
  lines: number[];
}

interface RawParse {
  records: string[][];
  lines: number[];
  /** The first quoting problem papaparse reported, with its line. */
  quoteError?: { line: number; message: string };
}

function parseDelimited(text: string, format: 'csv' | 'tsv', file: string, opts: ReadTableOptions): Parsed {
  const delimiter = format === 'tsv' ? '\t' : ',';
  const quoting = opts.quoting ?? 'auto';
  const records = parseRecords(text, delimiter, quoting !== 'none');
  if (quoting !== 'auto' || format !== 'tsv') return shapeRecords(records, file, opts);
  try {
    return shapeRecords(records, file, opts);
  } catch (quotedError) {
    // Many TSV files never quote yet contain '"' inside fields; read them
    // literally if that gives a clean table, else report the quoted read's problem.
    try {
      return shapeRecords(parseRecords(text, delimiter, false), file, opts);
    } catch {
      throw quotedError;
    }
  }
}

function parseRecords(text: string, delimiter: string, quoted: boolean): RawParse {
  const records: string[][] = [];
  const lines: number[] = [];
  let quoteError: RawParse['quoteError'];
  // Line bookkeeping: `scanned` is how far newlines have been counted.
  let scanned = 0;
  let line = 1;
  let rowEnd = 0;
  const advanceTo = (end: number) => {
    for (; scanned < end; scanned++) if (text.charCodeAt(scanned) === 10) line++;
  };
  Papa.parse<string[]>(text, {
    delimiter,
    header: false,
    // Rows whose fields are all blank are skipped, like blank lines.
    skipEmptyLines: 'greedy',
    // fastMode treats '"' as an ordinary character.
    fastMode: quoted ? false : true,
    step: (result) => {
      // The row starts at the first non-blank character after the previous one.
      let start = rowEnd;
      while (start < text.length && BLANK.test(text[start]!)) start++;
      advanceTo(start);
      const rowLine = line;
      rowEnd = result.meta.cursor;
      advanceTo(rowEnd);
      records.push(result.data);
      lines.push(rowLine);
      if (quoteError === undefined && result.errors.length > 0) {
        quoteError = { line: rowLine, message: result.errors[0]!.message };
      }
    },
  });
  return quoteError === undefined ? { records, lines } : { records, lines, quoteError };
}

function shapeRecords(raw: RawParse, file: string, opts: ReadTableOptions): Parsed {
  if (raw.quoteError) {
    throw new HybridTuneError(ERROR_CODES.MALFORMED_ROW, `cannot parse the row: ${raw.quoteError.message.toLowerCase()}`, {
      file,
      line: raw.quoteError.line,
      expected: 'a field that starts with \'"\' ends with \'"\' followed by a delimiter or a line end; a \'"\' inside it is written \'""\'',
      hint: "if quotes in this file are ordinary characters, set 'quoting: none' in the data section",
    });
  }
  const header = opts.header ?? opts.columns === undefined;
  let columns: string[];
  let firstData = 0;
  if (header) {
    columns = (raw.records[0] ?? []).map((name, i) => name.trim() || `column${i + 1}`);
    firstData = 1;
    if (opts.columns) {
      // Explicit names replace the header's.
      if (opts.columns.length !== columns.length) {
        throw new HybridTuneError(ERROR_CODES.FILE_FORMAT, `'columns' names ${opts.columns.length} columns but the header has ${columns.length}`, {
          file,
          line: raw.lines[0] ?? 1,
          key: 'columns',
          value: opts.columns,
          expected: `${columns.length} names`,
          hint: `the header is: ${columns.join(', ')}`,
        });
      }
      columns = [...opts.columns];
    }
  } else {
    columns = opts.columns ? [...opts.columns] : (raw.records[0] ?? []).map((_, i) => `column${i + 1}`);
  }
  const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
  if (duplicate !== undefined) {
    throw new HybridTuneError(ERROR_CODES.FILE_FORMAT, `the column name '${duplicate}' appears twice`, {
      file,
      line: header ? (raw.lines[0] ?? 1) : undefined,
      key: 'columns',
      expected: 'distinct column names',
    });
  }

  const rows: Array<Record<string, string>> = [];
  const lines: number[] = [];
  for (let r = firstData; r < raw.records.length; r++) {
    const fields = raw.records[r]!;
    const line = raw.lines[r]!;
    if (fields.length !== columns.length) {
      throw new HybridTuneError(ERROR_CODES.MALFORMED_ROW, `the row has ${fields.length} fields, not ${columns.length}`, {
        file,
        line,
        value: fields.length,
        expected: `${columns.length} fields (${columns.join(', ')})`,
        hint: 'a field holding the delimiter or a newline must be quoted with "',
      });
    }
    const row: Record<string, string> = {};
    for (let c = 0; c < columns.length; c++) row[columns[c]!] = fields[c]!;
    rows.push(row);
    lines.push(line);
  }
  return { columns, rows, lines };
}

/** One example a line, cut into columns by the named groups of `pattern`. */
function parseLines(text: string, file: string, opts: ReadTableOptions): Parsed {
  let re: RegExp;
  try {
    re = new RegExp(opts.pattern ?? '');
  } catch (e) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `'pattern' is not a valid regular expression: ${(e as Error).message}`, { file, key: 'pattern', value: opts.pattern, expected: 'a JavaScript regular expression with named groups' });
  }
  const columns = [...(opts.pattern ?? '').matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!);
  if (!opts.pattern || columns.length === 0) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, "'format: lines' needs a 'pattern' with named groups", {
      file,
      key: 'pattern',
      expected: "e.g. pattern: '^(?<label>[A-Z]+):\\S+ (?<text>.+)$' (the group names are the columns)",
    });
  }
  const rows: Array<Record<string, string>> = [];
  const lines: number[] = [];
  const source = text.split(/\r?\n/);
  let skipHeader = opts.header === true;
  for (let i = 0; i < source.length; i++) {
    const line = source[i]!;
    if (line.trim() === '') continue;
    if (skipHeader) {
      skipHeader = false;
      continue;
    }
    const m = re.exec(line);
    if (!m) {
      throw new HybridTuneError(ERROR_CODES.MALFORMED_ROW, 'the line does not match the pattern', { file, line: i + 1, value: line.slice(0, 80), expected: `a line matching ${opts.pattern}` });
    }
    const row: Record<string, string> = {};
    for (const c of columns) row[c] = m.groups?.[c] ?? '';
    rows.push(row);
    lines.push(i + 1);
  }
  return { columns, rows, lines };
}

function parseJsonl(text: string, file: string): Parsed {
  const columns: string[] = [];
  const known = new Set<string>();
  const objects: Array<Record<string, unknown>> = [];
  const lines: number[] = [];
  const sourceLines = text.split(/\r?\n/);
  for (let i = 0; i < sourceLines.length; i++) {
    const source = sourceLines[i]!;
    if (source.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (e) {
      throw new HybridTuneError(ERROR_CODES.MALFORMED_ROW, `the line is not valid JSON: ${(e as Error).message}`, {
        file,
        line: i + 1,
        expected: 'one JSON object per line, e.g. {"text": "...", "label": "..."}',
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new HybridTuneError(ERROR_CODES.MALFORMED_ROW, 'the line is JSON but not an object', {
        file,
        line: i + 1,
        expected: 'one JSON object per line, e.g. {"text": "...", "label": "..."}',
      });
    }
    for (const key of Object.keys(value)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
    }
    objects.push(value as Record<string, unknown>);
    lines.push(i + 1);
  }
  const rows = objects.map((o) => {
    const row: Record<string, string> = {};
    for (const c of columns) row[c] = jsonToString(o[c]);
    return row;
  });
  return { columns, rows, lines };
}

/** Labels may be numbers or booleans in JSON; a key absent from a line reads as ''. */
function jsonToString(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
