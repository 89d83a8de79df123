/**
 * Small dense linear algebra for the Gaussian process: symmetric positive-definite matrices in
 * row-major Float64Arrays, Cholesky factors, triangular solves. Sizes are a few hundred at most,
 * so plain loops over typed arrays are fast enough and keep the library free of native code.
 */

/**
 * In-place Cholesky factorisation A = L·Lᵀ of an n×n row-major matrix; the lower triangle of `a`
 * becomes L and the strict upper triangle is zeroed. Returns false when A is not positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j]!;
    for (let k = 0; k < j; k++) d -= a[rowJ + k]! * a[rowJ + k]!;
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j]!;
      for (let k = 0; k < j; k++) s -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = s * inv;
    }
    for (let k = j + 1; k < n; k++) a[rowJ + k] = 0;
  }
  return true;
}

/**
 * Cholesky of A + jitter·I, raising the jitter (from `jitter`, ×10 each time) until it succeeds.
 * Returns the factor and the jitter used; throws when even a large jitter fails (A not symmetric or NaN).
 */
export function choleskyWithJitter(a: Float64Array, n: number, jitter = 0): { l: Float64Array; jitter: number } {
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  let eps = jitter;
  for (let attempt = 0; attempt < 12; attempt++) {
    const l = new Float64Array(a);
    if (eps > 0) for (let i = 0; i < n; i++) l[i * n + i]! += eps;
    if (choleskyInPlace(l, n)) return { l, jitter: eps };
    eps = eps === 0 ? Math.max(scale, 1) * 1e-10 : eps * 10;
  }
  throw new Error('matrix is not positive definite, even with jitter');
}

/** Solves L·x = b in place (L lower triangular, row-major n×n). */
export function solveLowerInPlace(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[row + k]! * b[k]!;
    b[i] = s / l[row + i]!;
  }
  return b;
}

/** Solves Lᵀ·x = b in place (L lower triangular, row-major n×n). */
export function solveUpperTransposedInPlace(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

/** x = A⁻¹·b given the Cholesky factor L of A. */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  solveLowerInPlace(l, n, x);
  return solveUpperTransposedInPlace(l, n, x);
}

/**
 * Solves L·X = B for m right-hand sides at once; B is m×n row-major (one right-hand side per row),
 * overwritten with X. Row-wise storage keeps the inner loop contiguous.
 */
export function solveLowerRowsInPlace(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  for (let r = 0; r < m; r++) {
    const off = r * n;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let s = b[off + i]!;
      for (let k = 0; k < i; k++) s -= l[row + k]! * b[off + k]!;
      b[off + i] = s / l[row + i]!;
    }
  }
  return b;
}

/** A⁻¹ from the Cholesky factor L of A (n×n, row-major, full symmetric result). */
export function choleskyInverse(l: Float64Array, n: number): Float64Array {
  // U = L⁻ᵀ (upper triangular: row j of U is column j of L⁻¹); then A⁻¹ = U·Uᵀ, whose (i, j)
  // entry is the dot product of rows i and j of U from column max(i, j). Every loop is contiguous.
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    // column j of L⁻¹ by forward substitution (rows of L are contiguous), stored as row j of U
    const uj = j * n;
    for (let i = j; i < n; i++) {
      const li = i * n;
      let s = i === j ? 1 : 0;
      for (let k = j; k < i; k++) s -= l[li + k]! * u[uj + k]!;
      u[uj + i] = s / l[li + i]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = i; j < n; j++) {
      const rj = j * n;
      let s = 0;
      for (let k = j; k < n; k++) s += u[ri + k]! * u[rj + k]!;
      inv[ri + j] = s;
      inv[rj + i] = s;
    }
  }
  return inv;
}

/** log det A = 2·Σ log L_ii. */
export function choleskyLogDet(l: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]!);
  return 2 * s;
}
