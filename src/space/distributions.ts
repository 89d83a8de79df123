import type { ParamValue } from '../study/types.js';

/** A setting's distribution. Internal form for model-based samplers is the unit interval. */
export type Distribution =
  | { kind: 'float'; low: number; high: number; log: boolean; step?: number }
  | { kind: 'int'; low: number; high: number; log: boolean; step: number }
  | { kind: 'categorical'; choices: readonly ParamValue[] };

export function contains(d: Distribution, v: ParamValue): boolean {
  switch (d.kind) {
    case 'float':
      return typeof v === 'number' && Number.isFinite(v) && v >= d.low && v <= d.high;
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= d.low && v <= d.high && (v - d.low) % d.step === 0;
    case 'categorical':
      return d.choices.some((c) => c === v);
  }
}

/** Maps u in [0,1) to a value of the distribution (log scales sample uniformly in log space). */
export function fromUnit(d: Distribution, u: number): ParamValue {
  const x = Math.min(Math.max(u, 0), 1 - 1e-12);
  switch (d.kind) {
    case 'float': {
      let v = d.log ? Math.exp(Math.log(d.low) + x * (Math.log(d.high) - Math.log(d.low))) : d.low + x * (d.high - d.low);
      if (d.step) v = d.low + Math.round((v - d.low) / d.step) * d.step;
      return Math.min(Math.max(v, d.low), d.high);
    }
    case 'int': {
      if (d.log) {
        // widen by half a unit each side so the end points get their share
        const lo = Math.log(d.low - 0.5 + 1e-9 > 0 ? d.low - 0.5 : d.low);
        const hi = Math.log(d.high + 0.5);
        const v = Math.round(Math.exp(lo + x * (hi - lo)));
        return clampInt(d, v);
      }
      const n = Math.floor((d.high - d.low) / d.step) + 1;
      return clampInt(d, d.low + Math.floor(x * n) * d.step);
    }
    case 'categorical':
      return d.choices[Math.floor(x * d.choices.length)]!;
  }
}

function clampInt(d: Extract<Distribution, { kind: 'int' }>, v: number): number {
  const k = Math.round((Math.min(Math.max(v, d.low), d.high) - d.low) / d.step);
  return Math.min(d.low + k * d.step, d.high);
}

/** Maps a value to the centre of its cell in [0,1] (inverse of fromUnit). */
export function toUnit(d: Distribution, v: ParamValue): number {
  switch (d.kind) {
    case 'float': {
      const x = v as number;
      if (d.high === d.low) return 0.5;
      return d.log ? (Math.log(x) - Math.log(d.low)) / (Math.log(d.high) - Math.log(d.low)) : (x - d.low) / (d.high - d.low);
    }
    case 'int': {
      const x = v as number;
      if (d.log) {
        const lo = Math.log(d.low - 0.5 > 0 ? d.low - 0.5 : d.low);
        const hi = Math.log(d.high + 0.5);
        return (Math.log(x) - lo) / (hi - lo);
      }
      const n = Math.floor((d.high - d.low) / d.step) + 1;
      return ((x - d.low) / d.step + 0.5) / n;
    }
    case 'categorical': {
      const i = d.choices.findIndex((c) => c === v);
      return (i + 0.5) / d.choices.length;
    }
  }
}

/** Finite grids for the grid sampler: every choice, every int step, `floatPoints` for floats. */
export function gridValues(d: Distribution, floatPoints = 5): ParamValue[] {
  switch (d.kind) {
    case 'categorical':
      return [...d.choices];
    case 'int': {
      const out: number[] = [];
      const count = Math.floor((d.high - d.low) / d.step) + 1;
      if (count <= floatPoints * 2) {
        for (let v = d.low; v <= d.high; v += d.step) out.push(v);
        return out;
      }
      for (let i = 0; i < floatPoints; i++) out.push(fromUnit(d, (i + 0.5) / floatPoints) as number);
      return [...new Set(out)];
    }
    case 'float': {
      const out: number[] = [];
      if (floatPoints === 1) return [fromUnit(d, 0.5) as number];
      for (let i = 0; i < floatPoints; i++) {
        const u = i / (floatPoints - 1);
        const v = d.log ? Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))) : d.low + u * (d.high - d.low);
        // the end points exactly: exp(log(0.3)) is 0.30000000000000004, outside the range
        out.push(i === 0 ? d.low : i === floatPoints - 1 ? d.high : v);
      }
      return out;
    }
  }
}

export function describeDistribution(d: Distribution): string {
  switch (d.kind) {
    case 'float':
      return `float in [${d.low}, ${d.high}]${d.log ? ' (log)' : ''}${d.step ? ` step ${d.step}` : ''}`;
    case 'int':
      return `int in [${d.low}, ${d.high}]${d.log ? ' (log)' : ''}${d.step !== 1 ? ` step ${d.step}` : ''}`;
    case 'categorical':
      return `one of ${d.choices.map((c) => JSON.stringify(c)).join(', ')}`;
  }
}
