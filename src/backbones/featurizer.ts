import type { SparseRows } from './sparse.js';

/**
 * What a backbone gives the trainer: texts in, feature rows out (sparse for
 * n-grams, dense rows stored in the same CSR form for encoders), fitted on the
 * trial's training texts, serialisable for export.
 */
export interface Featurizer {
  readonly kind: string;
  /** Whether every row is full (encoder outputs) rather than sparse (n-grams). */
  readonly dense: boolean;
  /** Number of feature columns after fitting. */
  readonly size: number;
  fit(texts: readonly string[]): Promise<void>;
  transform(texts: readonly string[]): Promise<SparseRows>;
  /** Data only: enough to rebuild the same featurizer for prediction. */
  toJSON(): Record<string, unknown> & { kind: string };
}

export interface FeaturizerContext {
  /** Folder that relative model paths are resolved against (the space file's). */
  baseDir: string;
}

/** Dense rows as CSR with every column present, so dense features share the sparse head. */
export function denseToRows(data: Float32Array, n: number, dims: number): SparseRows {
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(n * dims);
  for (let i = 0; i < n; i++) {
    indptr[i + 1] = (i + 1) * dims;
    for (let j = 0; j < dims; j++) indices[i * dims + j] = j;
  }
  return { n, dims, indptr, indices, values: data };
}
