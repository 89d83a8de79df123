// AssemblyScript (compiled by `asc` to WebAssembly with SIMD; see ../dense-kernel.ts).
// The hot loops of a dense head's training step, on float32 buffers in this
// module's own memory: pointers are byte offsets handed out by the host.
//
// Every loop keeps the order of operations of the TensorFlow.js wasm kernels it
// replaces (XNNPACK's fully-connected: the bias first, then the products added in
// order of k; tfjs's elementwise kernels in float32), so both paths compute the
// same numbers, which the tests check.

// ---- matrix product ----------------------------------------------------------

/**
 * C[M×N] = bias + op(A)·B, then max(C, 0) when `relu`.
 * op(A)[i, k] = A[i·sai + k·sak] (sai = K, sak = 1 for A itself; sai = 1, sak = M
 * for the transpose of a K×M matrix). B is K×N, row-major. `bias` is N floats or 0.
 * Tiles of 4 rows × 8 columns in eight 4-lane accumulators; the k loop walks one
 * column panel of B (K × 8) that stays in the L1 cache across the row blocks.
 */
export function gemm(a: usize, sai: i32, sak: i32, b: usize, c: usize, M: i32, N: i32, K: i32, bias: usize, relu: bool): void {
  const zero = f32x4.splat(0);
  const sakB = <usize>sak << 2;
  const saiB = <usize>sai << 2;
  const rowB = <usize>N << 2;
  let j0 = 0;
  for (; j0 + 8 <= N; j0 += 8) {
    const b0 = bias != 0 ? v128.load(bias + (<usize>j0 << 2)) : zero;
    const b1 = bias != 0 ? v128.load(bias + (<usize>j0 << 2), 16) : zero;
    let i0 = 0;
    for (; i0 + 4 <= M; i0 += 4) {
      let c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
      let pa = a + <usize>i0 * saiB;
      let pb = b + (<usize>j0 << 2);
      for (let k = 0; k < K; k++) {
        const w0 = v128.load(pb);
        const w1 = v128.load(pb, 16);
        const a0 = v128.load32_splat(pa);
        const a1 = v128.load32_splat(pa + saiB);
        const a2 = v128.load32_splat(pa + 2 * saiB);
        const a3 = v128.load32_splat(pa + 3 * saiB);
        c00 = f32x4.add(c00, f32x4.mul(a0, w0));
        c01 = f32x4.add(c01, f32x4.mul(a0, w1));
        c10 = f32x4.add(c10, f32x4.mul(a1, w0));
        c11 = f32x4.add(c11, f32x4.mul(a1, w1));
        c20 = f32x4.add(c20, f32x4.mul(a2, w0));
        c21 = f32x4.add(c21, f32x4.mul(a2, w1));
        c30 = f32x4.add(c30, f32x4.mul(a3, w0));
        c31 = f32x4.add(c31, f32x4.mul(a3, w1));
        pa += sakB;
        pb += rowB;
      }
      if (relu) {
        c00 = f32x4.max(c00, zero); c01 = f32x4.max(c01, zero);
        c10 = f32x4.max(c10, zero); c11 = f32x4.max(c11, zero);
        c20 = f32x4.max(c20, zero); c21 = f32x4.max(c21, zero);
        c30 = f32x4.max(c30, zero); c31 = f32x4.max(c31, zero);
      }
      const pc = c + ((<usize>i0 * <usize>N + <usize>j0) << 2);
      v128.store(pc, c00); v128.store(pc, c01, 16);
      v128.store(pc + rowB, c10); v128.store(pc + rowB, c11, 16);
      v128.store(pc + 2 * rowB, c20); v128.store(pc + 2 * rowB, c21, 16);
      v128.store(pc + 3 * rowB, c30); v128.store(pc + 3 * rowB, c31, 16);
    }
    // leftover rows, one at a time
    for (; i0 < M; i0++) {
      let c00 = b0, c01 = b1;
      let pa = a + <usize>i0 * saiB;
      let pb = b + (<usize>j0 << 2);
      for (let k = 0; k < K; k++) {
        const a0 = v128.load32_splat(pa);
        c00 = f32x4.add(c00, f32x4.mul(a0, v128.load(pb)));
        c01 = f32x4.add(c01, f32x4.mul(a0, v128.load(pb, 16)));
        pa += sakB;
        pb += rowB;
      }
      if (relu) {
        c00 = f32x4.max(c00, zero);
        c01 = f32x4.max(c01, zero);
      }
      const pc = c + ((<usize>i0 * <usize>N + <usize>j0) << 2);
      v128.store(pc, c00);
      v128.store(pc, c01, 16);
    }
  }
  // leftover columns (fewer than 8), one output at a time
  for (let j = j0; j < N; j++) {
    const bj: f32 = bias != 0 ? load<f32>(bias + (<usize>j << 2)) : 0;
    for (let i = 0; i < M; i++) {
      let acc: f32 = bj;
      let pa = a + <usize>i * saiB;
      let pb = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        acc += load<f32>(pa) * load<f32>(pb);
        pa += sakB;
        pb += rowB;
      }
      if (relu && !(acc > 0)) acc = 0;
      store<f32>(c + ((<usize>i * <usize>N + <usize>j) << 2), acc);
    }
  }
}

/** out[N×M] = transpose of in[M×N]. */
export function transpose(src: usize, dst: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      store<f32>(dst + ((<usize>j * <usize>M + <usize>i) << 2), load<f32>(src + ((<usize>i * <usize>N + <usize>j) << 2)));
    }
  }
}

/** out[j] = Σ_i x[i, j] for an M×N matrix, summed in order of i. */
export function colsum(x: usize, out: usize, M: i32, N: i32): void {
  const rowB = <usize>N << 2;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    let acc = f32x4.splat(0);
    let p = x + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      acc = f32x4.add(acc, v128.load(p));
      p += rowB;
    }
    v128.store(out + (<usize>j << 2), acc);
  }
  for (; j < N; j++) {
    let acc: f32 = 0;
    let p = x + (<usize>j << 2);
    for (let i = 0; i < M; i++) {
      acc += load<f32>(p);
      p += rowB;
    }
    store<f32>(out + (<usize>j << 2), acc);
  }
}

// ---- elementwise -------------------------------------------------------------

/** out[i] = x[i] · m[i] (n floats; out may be x). */
export function mul(x: usize, m: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(x + o), v128.load(m + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(x + o) * load<f32>(m + o));
  }
}

/** out[i] = max(x[i], 0). */
export function relu(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, Mathf.max(load<f32>(x + o), 0));
  }
}

/** x[i] *= (gate[i] > 0 ? 1 : 0): the ReLU's gradient gate, as tf.mul(dx, tf.step(gate)). */
export function gate(x: usize, g: usize, n: i32): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const step = v128.bitselect(one, zero, f32x4.gt(v128.load(g + o), zero));
    v128.store(x + o, f32x4.mul(v128.load(x + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const step: f32 = load<f32>(g + o) > 0 ? 1 : 0;
    store<f32>(x + o, load<f32>(x + o) * step);
  }
}

/**
 * Dropout multipliers as tf.dropout draws them: uniform numbers from the Alea
 * generator (state c, s0, s1, s2, as seedrandom's alea hands it over), then
 * floor(u + keep) / keep in float32. Returns nothing; the state is not kept.
 */
export function dropoutMask(out: usize, n: i32, c: f64, s0: f64, s1: f64, s2: f64, keep: f32): void {
  for (let i = 0; i < n; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = <f64>(<i32>t);
    s2 = t - c;
    const u = <f32>s2;
    store<f32>(out + (<usize>i << 2), Mathf.floor(u + keep) / keep);
  }
}

/**
 * Adam (or AdamW) on n parameters, in the order of DenseOptimizer's tensor ops:
 * g += l2·w (Adam with weight decay), m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
 * w' = w − (m / (√v + ε̂))·step, then w' −= w·decay (AdamW).
 */
export function adam(w: usize, g: usize, m: usize, v: usize, n: i32, beta1: f32, omb1: f32, beta2: f32, omb2: f32, stepSize: f32, epsHat: f32, l2: f32, decay: f32): void {
  const vb1 = f32x4.splat(beta1), vo1 = f32x4.splat(omb1), vb2 = f32x4.splat(beta2), vo2 = f32x4.splat(omb2);
  const vs = f32x4.splat(stepSize), ve = f32x4.splat(epsHat), vl2 = f32x4.splat(l2), vd = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wi = v128.load(w + o);
    let gi = v128.load(g + o);
    if (l2 != 0) gi = f32x4.add(gi, f32x4.mul(wi, vl2));
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gi, vo1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gi, gi), vo2));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    let next = f32x4.sub(wi, f32x4.mul(f32x4.div(mi, f32x4.add(f32x4.sqrt(vi), ve)), vs));
    if (decay != 0) next = f32x4.sub(next, f32x4.mul(wi, vd));
    v128.store(w + o, next);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    let gi = load<f32>(g + o);
    if (l2 != 0) gi = gi + wi * l2;
    const mi = load<f32>(m + o) * beta1 + gi * omb1;
    const vi = load<f32>(v + o) * beta2 + gi * gi * omb2;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    let next = wi - (mi / (Mathf.sqrt(vi) + epsHat)) * stepSize;
    if (decay != 0) next = next - wi * decay;
    store<f32>(w + o, next);
  }
}

/** SGD with momentum, as DenseOptimizer: g += l2·w, buf = momentum·buf + g, w −= buf·lr. */
export function sgd(w: usize, g: usize, buf: usize, n: i32, momentum: f32, lr: f32, l2: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    let gi = load<f32>(g + o);
    if (l2 != 0) gi = gi + wi * l2;
    const b = load<f32>(buf + o) * momentum + gi;
    store<f32>(buf + o, b);
    store<f32>(w + o, wi - b * lr);
  }
}
