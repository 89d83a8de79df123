/** Rows of a sparse matrix in CSR form: row i has entries indptr[i]..indptr[i+1]-1. */
export interface SparseRows {
  n: number;
  /** Number of columns (the vocabulary size of the fitted featurizer). */
  dims: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export function sparseBytes(x: SparseRows): number {
  return x.indptr.byteLength + x.indices.byteLength + x.values.byteLength;
}

/** Rows `rows` of x, in that order, as a new CSR matrix. */
export function selectRows(x: SparseRows, rows: ArrayLike<number>): SparseRows {
  let nnz = 0;
  for (let i = 0; i < rows.length; i++) nnz += x.indptr[rows[i]! + 1]! - x.indptr[rows[i]!]!;
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let p = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) {
      indices[p] = x.indices[j]!;
      values[p] = x.values[j]!;
      p++;
    }
    indptr[i + 1] = p;
  }
  return { n: rows.length, dims: x.dims, indptr, indices, values };
}
