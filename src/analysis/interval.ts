/** Confidence intervals for the report's headline numbers. Pure. */

/** Two-sided standard-normal quantile for the usual levels. */
function zFor(level: number): number {
  const table: Record<string, number> = { '0.8': 1.2815515655446004, '0.9': 1.6448536269514722, '0.95': 1.959963984540054, '0.99': 2.5758293035489004 };
  const z = table[String(level)];
  if (z === undefined) throw new RangeError(`no z value for level ${level}; use 0.8, 0.9, 0.95 or 0.99`);
  return z;
}

export interface ProportionInterval {
  method: 'wilson';
  level: number;
  successes: number;
  n: number;
  estimate: number;
  low: number;
  high: number;
}

/**
 * Wilson score interval of a proportion. Unlike the normal approximation it
 * stays inside [0, 1] and keeps its coverage near 0 and 1, where good
 * classifiers live.
 */
export function wilsonInterval(successes: number, n: number, level = 0.95): ProportionInterval {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || n <= 0 || successes < 0 || successes > n) {
    throw new RangeError(`wilsonInterval needs 0 <= successes <= n and n > 0 (integers), got ${successes} of ${n}`);
  }
  const z = zFor(level);
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
    // At 0 and n the bound is exactly 0 or 1; rounding would leave 0.9999999999999999.
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === n ? 1 : Math.min(1, centre + half);
  return { method: 'wilson', level, successes, n, estimate: p, low, high };
}

/** Accuracy from a confusion matrix (rows true, columns predicted) with its Wilson interval; null when the matrix is empty or malformed. */
export function accuracyInterval(confusion: readonly (readonly number[])[], level = 0.95): ProportionInterval | null {
  let n = 0;
  let right = 0;
  for (let i = 0; i < confusion.length; i++) {
    const row = confusion[i]!;
    for (let j = 0; j < row.length; j++) {
      const c = row[j]!;
      if (!Number.isInteger(c) || c < 0) return null;
      n += c;
      if (i === j) right += c;
    }
  }
  return n > 0 ? wilsonInterval(right, n, level) : null;
}
