/**
 * Turns a space file's `task` section into the examples a trial trains on:
 * reads the files (or a built-in set), picks the text and label columns,
 * maps labels to class ids, splits, subsamples, and fingerprints the result.
 */
import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { Rng, deriveSeed } from '../math/rng.js';
import { BUILTIN_PREFIX, isBuiltinRef, loadBuiltin } from './builtin.js';
import { combineHashes, sha256 } from './fingerprint.js';
import { readTable } from './read-table.js';
import { stratifiedSplit, stratifiedSubsample } from './split.js';
import type { DataSpec, PreparedData, SplitData, TaskSpec } from './types.js';

export interface LoadTaskOptions {
  /** Folder that relative data paths are resolved against (the space file's folder). */
  baseDir: string;
  /** Seeds the validation/test split and the `maxTrain` subsample. */
  seed: number;
  /** The space file, named in errors about its settings. */
  specFile?: string;
}

/** Validation share carved out of `train` when no validation file is given. */
export const DEFAULT_VALIDATION_FRACTION = 0.2;

/** One file or built-in set, read and reduced to its text and label columns. */
interface LabelledRows {
  /** Absolute path or `builtin:<name>`. */
  source: string;
  texts: string[];
  labels: string[];
  lines: number[];
  dropped: number;
  /** sha256 of the file's bytes, or the built-in set's fingerprint. */
  contentHash: string;
}

export async function loadTask(task: TaskSpec, opts: LoadTaskOptions): Promise<PreparedData> {
  const spec = task.data;
  if (task.text === task.label) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `the text and the label are the same column '${task.text}'`, {
      ...(opts.specFile !== undefined && { file: opts.specFile }),
      key: 'task.label',
      value: task.label,
      expected: 'a label column different from the text column',
    });
  }
  const train = await readLabelled(spec.train, 'train', task, opts);
  const validationFile = spec.validation === undefined ? undefined : await readLabelled(spec.validation, 'validation', task, opts);
  const testFile = spec.test === undefined ? undefined : await readLabelled(spec.test, 'test', task, opts);

  const labels = sortLabels([...new Set(train.labels)]);
  if (labels.length < 2) {
    throw new HybridTuneError(ERROR_CODES.ONE_CLASS, `the training data has only one class ('${labels[0] ?? ''}') in column '${task.label}'`, {
      file: train.source,
      key: 'task.label',
      expected: 'at least two different labels to tell apart',
      hint: 'check that task.label names the label column, and that the file is not filtered to one class',
    });
  }
  const classOf = new Map(labels.map((l, i) => [l, i]));
  const yTrainAll = Int32Array.from(train.labels, (l) => classOf.get(l)!);
  const toSplit = (rows: LabelledRows): SplitData => ({
    texts: rows.texts,
    y: Int32Array.from(rows.labels, (label, i) => {
      const c = classOf.get(label);
      if (c === undefined) {
        throw new HybridTuneError(ERROR_CODES.UNSEEN_LABEL, `label '${label}' does not occur in the training data`, {
          file: rows.source,
          line: rows.lines[i]!,
          key: 'task.label',
          value: label,
          expected: `one of the training labels: ${labels.join(', ')}`,
        });
      }
      return c;
    }),
  });

  // Fractions only carve what no file provides.
  const fractions = {
    validation: validationFile ? 0 : (spec.split?.validation ?? DEFAULT_VALIDATION_FRACTION),
    test: testFile ? 0 : (spec.split?.test ?? 0),
  };
  if (!validationFile && fractions.validation <= 0) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, 'no validation file and no validation split', {
      ...(opts.specFile !== undefined && { file: opts.specFile }),
      key: 'task.data.split.validation',
      value: fractions.validation,
      expected: `a fraction in (0, 1), e.g. ${DEFAULT_VALIDATION_FRACTION}, or a 'validation' file`,
    });
  }
  const carves = fractions.validation > 0 || fractions.test > 0;
  const parts = carves
    ? stratifiedSplit(yTrainAll, fractions, new Rng(opts.seed))
    : { train: allIndices(yTrainAll.length), validation: new Int32Array(0), test: new Int32Array(0) };

  let trainIndices = parts.train;
  if (spec.maxTrain !== undefined) {
    checkMaxTrain(spec.maxTrain, labels.length, opts.specFile);
    // A seed of its own, so that maxTrain never changes the validation split.
    const rng = new Rng(deriveSeed(opts.seed, 'maxTrain'));
    const picked = stratifiedSubsample(select(yTrainAll, parts.train), spec.maxTrain, rng);
    trainIndices = Int32Array.from(picked, (i) => parts.train[i]!);
  }
  const subsamples = trainIndices.length < parts.train.length;

  const carved = (indices: Int32Array): SplitData => ({
    texts: Array.from(indices, (i) => train.texts[i]!),
    y: select(yTrainAll, indices),
  });
  const validation = validationFile ? toSplit(validationFile) : carved(parts.validation);
  const test = testFile ? toSplit(testFile) : fractions.test > 0 ? carved(parts.test) : undefined;
  if (validation.texts.length === 0) {
    throw new HybridTuneError(ERROR_CODES.EMPTY_DATA, 'the validation split is empty: every class has a single training example', {
      file: train.source,
      key: 'task.data.split.validation',
      expected: 'at least two examples of a class, or a validation file',
    });
  }

  const splitNote = (part: string, fraction: number) => `${train.source} [stratified ${part} ${fraction}, seed ${opts.seed}]`;
  const usesSeed = carves || subsamples;
  return {
    labels,
    train: carved(trainIndices),
    validation,
    ...(test && { test }),
    fingerprint: combineHashes([
      'hybridtune-data-v1',
      train.contentHash,
      validationFile?.contentHash ?? null,
      testFile?.contentHash ?? null,
      // Reading options change the rows that come out of the same bytes.
      JSON.stringify({ format: spec.format, encoding: spec.encoding, header: spec.header, columns: spec.columns, quoting: spec.quoting, ...(spec.pattern !== undefined && { pattern: spec.pattern }) }),
      task.text,
      task.label,
      fractions.validation,
      fractions.test,
      // The seed only matters when it chose rows; leaving it out otherwise
      // lets fixed files keep one fingerprint across seeds.
      usesSeed ? opts.seed : null,
      spec.maxTrain ?? null,
    ]),
    sources: {
      train: train.source,
      validation: validationFile?.source ?? splitNote('validation', fractions.validation),
      ...(test && { test: testFile?.source ?? splitNote('test', fractions.test) }),
    },
    dropped: train.dropped + (validationFile?.dropped ?? 0) + (testFile?.dropped ?? 0),
  };
}

async function readLabelled(ref: string, part: string, task: TaskSpec, opts: LoadTaskOptions): Promise<LabelledRows> {
  const table = await readSource(ref, task.data, opts);
  for (const [key, column] of [['task.text', task.text], ['task.label', task.label]] as const) {
    if (!table.columns.includes(column)) throw missingColumn(table.source, part, key, column, table.columns);
  }
  const texts: string[] = [];
  const labels: string[] = [];
  const lines: number[] = [];
  let dropped = 0;
  table.rows.forEach((row, i) => {
    const text = row[task.text]!.trim();
    if (text === '') {
      dropped++;
      return;
    }
    const label = row[task.label]!.trim();
    if (label === '') {
      throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `the row has text but no label in column '${task.label}'`, {
        file: table.source,
        line: table.lines[i]!,
        key: 'task.label',
        expected: 'a label on every row that has a text',
      });
    }
    texts.push(text);
    labels.push(label);
    lines.push(table.lines[i]!);
  });
  if (texts.length === 0) {
    throw new HybridTuneError(ERROR_CODES.EMPTY_DATA, `every text in column '${task.text}' is empty`, {
      file: table.source,
      key: 'task.text',
      expected: 'at least one row with a non-empty text',
    });
  }
  return { source: table.source, texts, labels, lines, dropped, contentHash: table.contentHash };
}

async function readSource(
  ref: string,
  spec: DataSpec,
  opts: LoadTaskOptions,
): Promise<{ source: string; columns: string[]; rows: Array<Record<string, string>>; lines: number[]; contentHash: string }> {
  if (isBuiltinRef(ref)) {
    let builtin;
    try {
      builtin = loadBuiltin(ref);
    } catch (e) {
      // Point at the space file that names it.
      if (e instanceof HybridTuneError && e.code === ERROR_CODES.BAD_VALUE && opts.specFile !== undefined) {
        throw new HybridTuneError(e.code, e.message, { ...e.details, file: opts.specFile, key: 'task.data' });
      }
      throw e;
    }
    return {
      source: BUILTIN_PREFIX + builtin.name,
      columns: builtin.columns,
      rows: builtin.rows,
      // Built-in sets have no file lines: the record number stands in.
      lines: builtin.rows.map((_, i) => i + 1),
      contentHash: builtin.fingerprint,
    };
  }
  const file = path.resolve(opts.baseDir, ref);
  const table = await readTable(file, {
    ...(spec.format !== undefined && { format: spec.format }),
    ...(spec.pattern !== undefined && { pattern: spec.pattern }),
    ...(spec.encoding !== undefined && { encoding: spec.encoding }),
    ...(spec.header !== undefined && { header: spec.header }),
    ...(spec.columns !== undefined && { columns: spec.columns }),
    ...(spec.quoting !== undefined && { quoting: spec.quoting }),
  });
  return { source: file, columns: table.columns, rows: table.rows, lines: table.lines, contentHash: sha256(table.bytes) };
}

function missingColumn(file: string, part: string, key: string, column: string, columns: string[]): HybridTuneError {
  const near = columns.find((c) => c.toLowerCase() === column.toLowerCase());
  return new HybridTuneError(ERROR_CODES.MISSING_COLUMN, `the ${part} data has no column '${column}' (${key}); its columns are: ${columns.join(', ')}`, {
    file,
    key,
    value: column,
    expected: `one of the columns: ${columns.join(', ')}`,
    hint: near !== undefined ? `column names are case-sensitive: did you mean '${near}'?` : `the columns that exist are: ${columns.join(', ')}`,
  });
}

function checkMaxTrain(maxTrain: number, classes: number, specFile: string | undefined): void {
  if (!Number.isInteger(maxTrain) || maxTrain < classes) {
    throw new HybridTuneError(ERROR_CODES.OUT_OF_RANGE, `maxTrain ${maxTrain} cannot hold one example of each of the ${classes} classes`, {
      ...(specFile !== undefined && { file: specFile }),
      key: 'task.data.maxTrain',
      value: maxTrain,
      expected: `a whole number >= ${classes}`,
    });
  }
}

/** Numeric labels in numeric order ('2' before '10'), others by code point: the same order everywhere. */
function sortLabels(labels: string[]): string[] {
  const numeric = labels.every((l) => /^-?\d+(\.\d+)?$/.test(l));
  return numeric ? labels.sort((a, b) => Number(a) - Number(b)) : labels.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function allIndices(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function select(y: Int32Array, indices: Int32Array): Int32Array {
  return Int32Array.from(indices, (i) => y[i]!);
}
