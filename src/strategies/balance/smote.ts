/**
 * SMOTE (Chawla et al., 2002) in feature space, for sparse n-gram rows and dense
 * encoder rows alike (both are CSR): a synthetic example of class c lies on the
 * segment between an example of c and one of its k nearest neighbours of the same
 * class (cosine similarity). Sparse rows are interpolated over the union of their
 * features: (1 − g) · a + g · b, with g ~ U(0, 1).
 */
import type { SparseRows } from '../../backbones/sparse.js';
import type { Rng } from '../../math/rng.js';

export interface SmoteOptions {
  k: number;
  /** Each smaller class grows to round(ratio × the largest class); never shrinks. */
  ratio: number;
}

export interface SmoteResult {
  /** The synthetic rows only. */
  x: SparseRows;
  y: Int32Array;
  /** Per synthetic row: the example it starts from and the neighbour it moves towards (row indices of the input). */
  from: Int32Array;
  to: Int32Array;
  /** Per synthetic row: how far along the segment (0 = `from`, 1 = `to`). */
  gap: Float32Array;
  /** Synthetic rows per class. */
  added: number[];
  /** Classes that had a single example: their synthetic rows are copies of it. */
  single: number[];
}

/** How many examples each class has after SMOTE. */
export function smoteTargets(counts: readonly number[], ratio: number): number[] {
  const largest = Math.max(...counts);
  return counts.map((c) => (c === 0 ? 0 : Math.max(c, Math.round(ratio * largest))));
}

function rowNorm(x: SparseRows, r: number): number {
  let s = 0;
  for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) s += x.values[j]! * x.values[j]!;
  return Math.sqrt(s);
}

/**
 * The k nearest same-class neighbours (highest cosine, ties by lower index) of each
 * member, through an inverted index over the members' features.
 */
export function sameClassNeighbours(x: SparseRows, members: readonly number[], k: number): Int32Array[] {
  const find = neighbourFinder(x, members, k);
  return members.map((_, pos) => find(pos));
}

/**
 * The neighbour search of one class, for the members asked for only (SMOTE starts from at
 * most `need` of them). Cost per member: the postings of its features, then a top-k pass over
 * the members it shares a feature with (not a sort of the whole class: SST-2's larger class has
 * 30k members). Members sharing no feature have cosine 0 and come after, lowest index first.
 */
function neighbourFinder(x: SparseRows, members: readonly number[], k: number): (pos: number) => Int32Array {
  const m = members.length;
  const norms = members.map((r) => rowNorm(x, r) || 1);
  // feature -> [(member position, value)]
  const postings = new Map<number, number[]>();
  members.forEach((r, pos) => {
    for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) {
      const v = x.values[j]!;
      if (v === 0) continue;
      let list = postings.get(x.indices[j]!);
      if (!list) postings.set(x.indices[j]!, (list = []));
      list.push(pos, v);
    }
  });
  const dot = new Float64Array(m);
  const seen = new Uint8Array(m);
  const touched: number[] = [];
  const kk = Math.max(0, Math.min(k, m - 1));
  return (pos) => {
    const r = members[pos]!;
    for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) {
      const v = x.values[j]!;
      if (v === 0) continue;
      const list = postings.get(x.indices[j]!)!;
      for (let t = 0; t < list.length; t += 2) {
        const q = list[t]!;
        if (!seen[q]) {
          seen[q] = 1;
          touched.push(q);
        }
        dot[q]! += v * list[t + 1]!;
      }
    }
    const sim = (q: number) => dot[q]! / (norms[pos]! * norms[q]!);
    // before: every other member sorted by (sim desc, index asc); the same order, top k only
    const before = (a: number, b: number) => sim(a) > sim(b) || (sim(a) === sim(b) && a < b);
    const best: number[] = [];
    const offer = (q: number) => {
      if (q === pos || kk === 0) return;
      if (best.length === kk && !before(q, best[kk - 1]!)) return;
      let i = best.length < kk ? best.length : kk - 1;
      best[i] = q;
      while (i > 0 && before(best[i]!, best[i - 1]!)) {
        [best[i], best[i - 1]] = [best[i - 1]!, best[i]!];
        i--;
      }
    };
    for (const q of touched) offer(q);
    // members with no shared feature have cosine 0: they count only while there is room, or
    // when the last kept one is not above 0 (then they tie or win, lowest index first)
    if (best.length < kk || (kk > 0 && sim(best[kk - 1]!) <= 0)) for (let q = 0; q < m; q++) if (!seen[q]) offer(q);
    for (const q of touched) {
      dot[q] = 0;
      seen[q] = 0;
    }
    touched.length = 0;
    return Int32Array.from(best, (q) => members[q]!);
  };
}

/** Synthetic rows that bring every smaller class up to its SMOTE target. */
export function smote(x: SparseRows, y: Int32Array, numClasses: number, o: SmoteOptions, rng: Rng): SmoteResult {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  y.forEach((c, i) => byClass[c]!.push(i));
  const targets = smoteTargets(
    byClass.map((b) => b.length),
    o.ratio,
  );
  const from: number[] = [];
  const to: number[] = [];
  const gaps: number[] = [];
  const labels: number[] = [];
  const added = new Array<number>(numClasses).fill(0);
  const single: number[] = [];
  byClass.forEach((members, c) => {
    const need = targets[c]! - members.length;
    if (need <= 0) return;
    added[c] = need;
    if (members.length === 1) single.push(c);
    // neighbours of the members that start a synthetic row only (memoised)
    const find = members.length > 1 ? neighbourFinder(x, members, o.k) : () => Int32Array.of(members[0]!);
    const cache = new Map<number, Int32Array>();
    const neighboursOf = (pos: number) => {
      let nb = cache.get(pos);
      if (!nb) cache.set(pos, (nb = find(pos)));
      return nb;
    };
    // every member serves as a starting point in turn (shuffled order), neighbours and gaps at random
    const order = rng.shuffle(members.map((_, i) => i));
    for (let t = 0; t < need; t++) {
      const pos = order[t % order.length]!;
      const nb = neighboursOf(pos);
      from.push(members[pos]!);
      to.push(nb[rng.int(0, nb.length - 1)]!);
      gaps.push(members.length > 1 ? rng.next() : 0);
      labels.push(c);
    }
  });
  return { x: interpolateRows(x, from, to, gaps), y: Int32Array.from(labels), from: Int32Array.from(from), to: Int32Array.from(to), gap: Float32Array.from(gaps), added, single };
}

/** Rows (1 − g) · x[a] + g · x[b] over the union of the two rows' features (indices ascending). */
export function interpolateRows(x: SparseRows, from: readonly number[], to: readonly number[], gaps: readonly number[]): SparseRows {
  const n = from.length;
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const acc = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const g = gaps[i]!;
    acc.clear();
    const add = (r: number, w: number) => {
      for (let j = x.indptr[r]!; j < x.indptr[r + 1]!; j++) acc.set(x.indices[j]!, (acc.get(x.indices[j]!) ?? 0) + w * x.values[j]!);
    };
    add(from[i]!, 1 - g);
    if (g !== 0) add(to[i]!, g);
    const cols = [...acc.keys()].sort((a, b) => a - b);
    for (const col of cols) {
      idx.push(col);
      val.push(acc.get(col)!);
    }
    indptr[i + 1] = idx.length;
  }
  return { n, dims: x.dims, indptr, indices: Int32Array.from(idx), values: Float32Array.from(val) };
}

/** Rows of `a` then rows of `b`, as one CSR matrix. */
export function concatRows(a: SparseRows, b: SparseRows): SparseRows {
  const indptr = new Int32Array(a.n + b.n + 1);
  indptr.set(a.indptr, 0);
  const base = a.indptr[a.n]!;
  for (let i = 1; i <= b.n; i++) indptr[a.n + i] = base + b.indptr[i]!;
  const nnz = base + b.indptr[b.n]!;
  const indices = new Int32Array(nnz);
  indices.set(a.indices.subarray(0, base), 0);
  indices.set(b.indices.subarray(0, b.indptr[b.n]!), base);
  const values = new Float32Array(nnz);
  values.set(a.values.subarray(0, base), 0);
  values.set(b.values.subarray(0, b.indptr[b.n]!), base);
  return { n: a.n + b.n, dims: Math.max(a.dims, b.dims), indptr, indices, values };
}
