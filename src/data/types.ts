/** What a space file's `task.data` section says about where the examples are. */
export interface DataSpec {
  /** Path (relative to the space file) or `builtin:<name>`. */
  train: string;
  validation?: string;
  test?: string;
  /** Inferred from the extension when absent; `lines` needs `pattern`. */
  format?: 'csv' | 'tsv' | 'jsonl' | 'lines';
  /**
   * For `format: lines`: a regular expression that every non-blank line matches,
   * whose named groups are the columns, e.g. `^(?<label>[A-Z]+):\S+ (?<text>.+)$`
   * for TREC's `COARSE:fine question` lines. With `header: true` the first line is skipped.
   */
  pattern?: string;
  /** `auto` tries UTF-8 and falls back to Latin-1 when the bytes are not valid UTF-8. */
  encoding?: 'auto' | 'utf-8' | 'latin1';
  /** Whether the first row of a CSV/TSV is a header (default true). */
  header?: boolean;
  /** Column names for a file without a header. */
  columns?: string[];
  /**
   * How `"` is read in CSV/TSV. `csv`: RFC 4180 quoting (fields may hold
   * delimiters and newlines). `none`: quotes are ordinary characters.
   * `auto` (default): `csv`, except that a TSV whose quotes do not parse is
   * read again with `none` (many TSV files quote nothing yet contain `"`).
   */
  quoting?: 'auto' | 'csv' | 'none';
  /** Fractions carved out of `train` by a stratified split when no file is given. */
  split?: { validation?: number; test?: number };
  /** Keep at most this many training rows (stratified, by seed): for quick sweeps. */
  maxTrain?: number;
}

export interface TaskSpec {
  data: DataSpec;
  text: string;
  label: string;
  metric: 'macro-f1' | 'accuracy';
}

/** One split, labels already mapped to class indices. */
export interface SplitData {
  texts: string[];
  y: Int32Array;
}

export interface PreparedData {
  /** Class names; index = class id. Sorted for determinism. */
  labels: string[];
  train: SplitData;
  validation: SplitData;
  test?: SplitData;
  /** sha256 over the files' bytes and the split parameters. */
  fingerprint: string;
  /** Where each split came from, for the study record and the report. */
  sources: { train: string; validation: string; test?: string };
  /** Rows dropped because their text was empty or only whitespace, over all files. */
  dropped?: number;
}
