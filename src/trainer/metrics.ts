import type { SplitMetrics } from '../study/types.js';

export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]!]![yPred[i]!]!++;
  return m;
}

/** Accuracy, macro-F1 (classes absent from both truth and predictions are left out), per-class figures. */
/** The class with the highest probability in each row of a row-major n × k table. */
export function argmaxRows(p: Float32Array, k: number): Int32Array {
  const n = p.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
    out[i] = best;
  }
  return out;
}

export function splitMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, labels: readonly string[]): SplitMetrics {
  const k = labels.length;
  const confusion = confusionMatrix(yTrue, yPred, k);
  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c]![c]!;
  const perClass = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support, predicted };
  });
  const present = perClass.filter((p) => p.support > 0 || p.predicted > 0);
  const macroF1 = present.length > 0 ? present.reduce((a, p) => a + p.f1, 0) / present.length : 0;
  return {
    accuracy: yTrue.length > 0 ? correct / yTrue.length : 0,
    macroF1,
    confusion,
    perClass: perClass.map(({ predicted: _p, ...rest }) => rest),
  };
}

export function metricValue(m: SplitMetrics, metric: 'macro-f1' | 'accuracy'): number {
  return metric === 'accuracy' ? m.accuracy : m.macroF1;
}
