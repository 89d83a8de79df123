import type { OptimizerConfig } from '../strategies/types.js';
import { tf } from './tf-backend.js';

const EPS = 1e-8;

/**
 * Optimizer for the embedding-bag table, updating only the rows a batch touched
 * ("lazy" Adam / SGD, as sparse embeddings are trained in fastText and TF's
 * LazyAdam): a step costs the batch's rows, not the 2^18-row table.
 */
export class RowOptimizer {
  private readonly m: Float32Array;
  private readonly v: Float32Array;

  constructor(
    private readonly cfg: OptimizerConfig,
    size: number,
  ) {
    this.m = new Float32Array(size);
    this.v = cfg.name === 'sgd' ? new Float32Array(0) : new Float32Array(size);
  }

  /** params[row*width + c] -= update, for each listed row; grads are packed in the order of `rows`. */
  update(params: Float32Array, rows: Int32Array, count: number, grads: Float32Array, width: number, lr: number, step: number): void {
    const { name, weightDecay: wd, momentum, beta1, beta2 } = this.cfg;
    const m = this.m;
    const v = this.v;
    if (name === 'sgd') {
      for (let r = 0; r < count; r++) {
        const base = rows[r]! * width;
        const gb = r * width;
        for (let c = 0; c < width; c++) {
          const i = base + c;
          const g = grads[gb + c]! + wd * params[i]!;
          const buf = momentum * m[i]! + g;
          m[i] = buf;
          params[i]! -= lr * buf;
        }
      }
      return;
    }
    const bc1 = 1 - Math.pow(beta1, step);
    const bc2 = 1 - Math.pow(beta2, step);
    const decoupled = name === 'adamw';
    for (let r = 0; r < count; r++) {
      const base = rows[r]! * width;
      const gb = r * width;
      for (let c = 0; c < width; c++) {
        const i = base + c;
        let g = grads[gb + c]!;
        if (!decoupled && wd > 0) g += wd * params[i]!;
        const mi = beta1 * m[i]! + (1 - beta1) * g;
        const vi = beta2 * v[i]! + (1 - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        let p = params[i]!;
        if (decoupled && wd > 0) p -= lr * wd * p;
        params[i] = p - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + EPS);
      }
    }
  }

  /** Copies of the moment buffers, for checkpoints. */
  state(): { m: Float32Array; v: Float32Array } {
    return { m: this.m.slice(), v: this.v.slice() };
  }
}

/**
 * The same rules for dense tfjs variables, as tensor ops. Each op is a kernel
 * dispatch with a fresh output buffer, so the update uses as few ops as the maths
 * allows: Adam's bias corrections are folded into one step size and one epsilon per
 * step, as PyTorch does (lr·m̂/(√v̂ + ε) = (lr·√bc2/bc1)·m/(√v + ε·√bc2)), and the
 * constant factors are scalars made once, not converted from numbers for every
 * variable of every step. (A typed-array loop over the weights on the host was
 * measured too, for the wasm backend: no faster than these ops.)
 */
export class DenseOptimizer {
  private readonly slots = new Map<string, { m: tf.Variable; v?: tf.Variable }>();
  private consts?: { beta1: tf.Scalar; oneMinusBeta1: tf.Scalar; beta2: tf.Scalar; oneMinusBeta2: tf.Scalar; momentum: tf.Scalar; wd: tf.Scalar };

  constructor(private readonly cfg: OptimizerConfig) {}

  private constants() {
    if (!this.consts) {
      const { beta1, beta2, momentum, weightDecay } = this.cfg;
      // kept: apply() runs inside the caller's tidy
      const s = (x: number) => tf.keep(tf.scalar(x));
      this.consts = { beta1: s(beta1), oneMinusBeta1: s(1 - beta1), beta2: s(beta2), oneMinusBeta2: s(1 - beta2), momentum: s(momentum), wd: s(weightDecay) };
    }
    return this.consts;
  }

  /** Must be called inside tf.tidy. */
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], lr: number, step: number): void {
    const { name, weightDecay: wd, beta1, beta2 } = this.cfg;
    const c = this.constants();
    let lrT: tf.Scalar | undefined;
    let stepSize: tf.Scalar | undefined;
    let epsHat: tf.Scalar | undefined;
    let decay: tf.Scalar | undefined;
    if (name === 'sgd') lrT = tf.scalar(lr);
    else {
      const bc1 = 1 - Math.pow(beta1, step);
      const bc2 = 1 - Math.pow(beta2, step);
      stepSize = tf.scalar((lr * Math.sqrt(bc2)) / bc1);
      epsHat = tf.scalar(EPS * Math.sqrt(bc2));
      if (name === 'adamw' && wd > 0) decay = tf.scalar(lr * wd);
    }
    vars.forEach((w, k) => {
      let g = grads[k]!;
      let slot = this.slots.get(w.name);
      if (!slot) {
        slot = tf.tidy(() => ({
          m: tf.variable(tf.zerosLike(w), false),
          v: name === 'sgd' ? undefined : tf.variable(tf.zerosLike(w), false),
        }));
        this.slots.set(w.name, slot);
      }
      if (name !== 'adamw' && wd > 0) g = tf.add(g, tf.mul(w, c.wd));
      if (name === 'sgd') {
        const buf = tf.add(tf.mul(slot.m, c.momentum), g);
        slot.m.assign(buf);
        w.assign(tf.sub(w, tf.mul(buf, lrT!)));
        return;
      }
      const m = tf.add(tf.mul(slot.m, c.beta1), tf.mul(g, c.oneMinusBeta1));
      const v = tf.add(tf.mul(slot.v!, c.beta2), tf.mul(tf.square(g), c.oneMinusBeta2));
      slot.m.assign(m);
      slot.v!.assign(v);
      let next = tf.sub(w, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsHat!)), stepSize!));
      if (decay) next = tf.sub(next, tf.mul(w, decay));
      w.assign(next);
    });
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v?.dispose();
    }
    this.slots.clear();
    if (this.consts) tf.dispose(Object.values(this.consts));
    this.consts = undefined;
  }
}
