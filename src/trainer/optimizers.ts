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

/** The same rules for dense tfjs variables, as tensor ops. */
export class DenseOptimizer {
  private readonly slots = new Map<string, { m: tf.Variable; v?: tf.Variable }>();

  constructor(private readonly cfg: OptimizerConfig) {}

  /** Must be called inside tf.tidy. */
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], lr: number, step: number): void {
    const { name, weightDecay: wd, momentum, beta1, beta2 } = this.cfg;
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
      if (name === 'sgd') {
        if (wd > 0) g = tf.add(g, tf.mul(w, wd));
        const buf = tf.add(tf.mul(slot.m, momentum), g);
        slot.m.assign(buf);
        w.assign(tf.sub(w, tf.mul(buf, lr)));
        return;
      }
      if (name === 'adam' && wd > 0) g = tf.add(g, tf.mul(w, wd));
      const m = tf.add(tf.mul(slot.m, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(slot.v!, beta2), tf.mul(tf.square(g), 1 - beta2));
      slot.m.assign(m);
      slot.v!.assign(v);
      const mhat = tf.div(m, 1 - Math.pow(beta1, step));
      const vhat = tf.div(v, 1 - Math.pow(beta2, step));
      let next = tf.sub(w, tf.mul(tf.div(mhat, tf.add(tf.sqrt(vhat), EPS)), lr));
      if (name === 'adamw' && wd > 0) next = tf.sub(next, tf.mul(w, lr * wd));
      w.assign(next);
    });
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v?.dispose();
    }
    this.slots.clear();
  }
}
