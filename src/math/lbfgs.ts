/**
 * A small limited-memory BFGS minimiser with box bounds handled by projection (enough for the few
 * GP hyperparameters: a dozen variables, smooth objective, a few dozen iterations).
 */

export interface Objective {
  /** Value and gradient at x; a non-finite value means "outside the domain" and shortens the step. */
  (x: Float64Array): { value: number; grad: Float64Array };
}

export interface LbfgsOptions {
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  maxIterations?: number;
  /** Maximum number of objective evaluations, line searches included. */
  maxEvaluations?: number;
  memory?: number;
  /** Stop when the projected gradient's largest component is below this. */
  gradTolerance?: number;
  /** Stop when an iteration improves the value by less than this (relative). */
  valueTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
}

function project(x: Float64Array, lo?: ArrayLike<number>, hi?: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) {
    if (lo && x[i]! < lo[i]!) x[i] = lo[i]!;
    if (hi && x[i]! > hi[i]!) x[i] = hi[i]!;
  }
}

/** Gradient with the components that push against an active bound removed. */
function projectedGradient(x: Float64Array, g: Float64Array, lo?: ArrayLike<number>, hi?: ArrayLike<number>): Float64Array {
  const pg = new Float64Array(g);
  for (let i = 0; i < x.length; i++) {
    if (lo && x[i]! <= lo[i]! && g[i]! > 0) pg[i] = 0;
    if (hi && x[i]! >= hi[i]! && g[i]! < 0) pg[i] = 0;
  }
  return pg;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export function minimizeLbfgs(f: Objective, x0: ArrayLike<number>, o: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length;
  const maxIt = o.maxIterations ?? 100;
  const maxEval = o.maxEvaluations ?? 4 * maxIt;
  const m = o.memory ?? 8;
  const gTol = o.gradTolerance ?? 1e-5;
  const vTol = o.valueTolerance ?? 1e-9;
  let x = Float64Array.from(x0);
  project(x, o.lower, o.upper);
  let { value: fx, grad: gx } = f(x);
  let evals = 1;
  if (!Number.isFinite(fx)) return { x, value: fx, iterations: 0, evaluations: evals };
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  let it = 0;
  for (; it < maxIt && evals < maxEval; it++) {
    const pg = projectedGradient(x, gx, o.lower, o.upper);
    let gmax = 0;
    for (let i = 0; i < n; i++) gmax = Math.max(gmax, Math.abs(pg[i]!));
    if (gmax < gTol) break;
    // two-loop recursion on the projected gradient
    const q = new Float64Array(pg);
    const alpha = new Array<number>(sList.length);
    for (let k = sList.length - 1; k >= 0; k--) {
      alpha[k] = rhoList[k]! * dot(sList[k]!, q);
      const yk = yList[k]!;
      for (let i = 0; i < n; i++) q[i]! -= alpha[k]! * yk[i]!;
    }
    let gamma = 1;
    if (sList.length > 0) {
      const s = sList[sList.length - 1]!;
      const y = yList[yList.length - 1]!;
      gamma = dot(s, y) / dot(y, y);
    } else {
      gamma = 1 / Math.max(1, Math.sqrt(dot(pg, pg)));
    }
    for (let i = 0; i < n; i++) q[i]! *= gamma;
    for (let k = 0; k < sList.length; k++) {
      const beta = rhoList[k]! * dot(yList[k]!, q);
      const sk = sList[k]!;
      for (let i = 0; i < n; i++) q[i]! += sk[i]! * (alpha[k]! - beta);
    }
    // direction = -q, kept a descent direction
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = -q[i]!;
    let slope = dot(d, pg);
    if (!(slope < 0)) {
      for (let i = 0; i < n; i++) d[i] = -pg[i]!;
      slope = -dot(pg, pg);
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
    }
    // backtracking (Armijo) line search on the projected path
    let step = 1;
    let accepted = false;
    let xNew = x;
    let fNew = fx;
    let gNew = gx;
    while (evals < maxEval) {
      xNew = new Float64Array(n);
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * d[i]!;
      project(xNew, o.lower, o.upper);
      const r = f(xNew);
      evals++;
      if (Number.isFinite(r.value) && r.value <= fx + 1e-4 * step * slope) {
        fNew = r.value;
        gNew = r.grad;
        accepted = true;
        break;
      }
      step *= 0.3;
      if (step < 1e-10) break;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - gx[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
      if (sList.length > m) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
    }
    const improvement = fx - fNew;
    x = xNew;
    fx = fNew;
    gx = gNew;
    if (improvement < vTol * Math.max(1, Math.abs(fx))) break;
  }
  return { x, value: fx, iterations: it, evaluations: evals };
}
