import type { CacheCounts, EncodeProgress } from './feature-cache.js';
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
  /** Feature-cache hits and misses of this featurizer's transform calls so far (cached backbones only). */
  cacheCounts?(): CacheCounts;
}

export interface FeaturizerContext {
  /** Folder that relative model paths are resolved against (the space file's). */
  baseDir: string;
  /** Called after each encoded batch of a frozen encoder (texts found in a cache are not reported). */
  onProgress?: (p: EncodeProgress) => void;
}

// Column indices of dense rows are 0..dims-1 repeated: one shared, growing tile per width, handed out as views.
const tiles = new Map<number, Int32Array>();

function denseIndices(n: number, dims: number): Int32Array {
  let tile = tiles.get(dims);
  if (!tile || tile.length < n * dims) {
    const rows = Math.max(n, tile ? (tile.length / dims) * 2 : 1024);
    tile = new Int32Array(rows * dims);
    for (let i = 0; i < rows; i++) for (let j = 0; j < dims; j++) tile[i * dims + j] = j;
    tiles.set(dims, tile);
  }
  return tile.subarray(0, n * dims);
}

/**
 * Dense rows as CSR with every column present, so dense features share the sparse head.
 * The data is used as given (not copied) and the indices are a shared read-only view.
 */
export function denseToRows(data: Float32Array, n: number, dims: number): SparseRows {
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = (i + 1) * dims;
  return { n, dims, indptr, indices: denseIndices(n, dims), values: data };
}
