import { normQuantile } from './normal.js';

/**
 * Ranks mapped through the normal quantile, Φ⁻¹((rank − ½)/n), ties sharing their mean rank: a
 * monotone, outlier-proof transform of targets to roughly standard normal values (smallest first).
 */
export function rankToNormal(values: readonly number[]): number[] {
  const n = values.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const rank = new Array<number>(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[idx[j + 1]!] === values[idx[i]!]) j++;
    const mean = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) rank[idx[k]!] = mean;
    i = j + 1;
  }
  return rank.map((r) => normQuantile((r - 0.5) / n));
}
