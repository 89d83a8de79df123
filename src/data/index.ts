export type { DataSpec, TaskSpec, SplitData, PreparedData } from './types.js';
export { readTable, formatFromExtension } from './read-table.js';
export type { ReadTableOptions, Table, TableFormat, TableEncoding } from './read-table.js';
export { stratifiedSplit, stratifiedSubsample } from './split.js';
export type { SplitFractions, SplitIndices } from './split.js';
export { sha256, combineHashes } from './fingerprint.js';
export type { HashPart } from './fingerprint.js';
export {
  BUILTIN_DATASETS,
  BUILTIN_NAMES,
  BUILTIN_PREFIX,
  SPAM_ASSASSIN_MAX_CHARS,
  isBuiltinName,
  isBuiltinRef,
  loadBuiltin,
  messageBody,
} from './builtin.js';
export type { BuiltinName, BuiltinTable } from './builtin.js';
export { loadTask, DEFAULT_VALIDATION_FRACTION } from './load-task.js';
export type { LoadTaskOptions } from './load-task.js';
