/**
 * How the GP sees a point: one column per number (its unit value: log scales in log space, integers
 * at the centre of their cell), one-hot columns per categorical. A setting that is inactive (its
 * condition does not hold) is imputed: numbers at the fixed value 0.5, categoricals as all-zero
 * columns. Points of different branches then differ in the branch's one-hot columns and in the
 * imputed ones, while two points of the same branch are compared on their active settings only.
 *
 * Candidates are searched in a latent unit cube with one coordinate per setting, active or not:
 * decoding walks the space in order and keeps the coordinates whose conditions hold, so a local
 * move that flips a branch brings that branch's settings in with the values they already carry.
 */
import { isActive } from '../../space/conditions.js';
import { fromUnit, toUnit } from '../../space/distributions.js';
import type { ParamSpec, SearchSpace } from '../../space/types.js';
import type { Params } from '../../study/types.js';
import type { Rng } from '../../math/rng.js';

export const INACTIVE_NUMERIC = 0.5;

export interface FeatureLayout {
  specs: readonly ParamSpec[];
  /** First feature column of each setting. */
  offsets: number[];
  width: number;
}

export function featureLayout(specs: readonly ParamSpec[]): FeatureLayout {
  const offsets: number[] = [];
  let width = 0;
  for (const spec of specs) {
    offsets.push(width);
    width += spec.dist.kind === 'categorical' ? spec.dist.choices.length : 1;
  }
  return { specs, offsets, width };
}

/** Writes the features of a unit code (from encodeUnit) at out[offset .. offset + width). */
export function writeFeatures(layout: FeatureLayout, code: Float64Array, out: Float64Array, offset: number): void {
  layout.specs.forEach((spec, j) => {
    const at = offset + layout.offsets[j]!;
    const v = code[j]!;
    if (spec.dist.kind === 'categorical') {
      const c = spec.dist.choices.length;
      for (let q = 0; q < c; q++) out[at + q] = 0;
      if (!Number.isNaN(v)) out[at + v] = 1;
    } else {
      out[at] = Number.isNaN(v) ? INACTIVE_NUMERIC : v;
    }
  });
}

/** The settings a latent point stands for: active ones only, each through its distribution. */
export function decodeLatent(space: SearchSpace, z: Float64Array): Params {
  const point: Params = { ...space.fixed };
  const out: Params = {};
  space.params.forEach((spec, j) => {
    if (!isActive(spec, point)) return;
    out[spec.key] = point[spec.key] = fromUnit(spec.dist, z[j]!);
  });
  return out;
}

/**
 * Decodes latent points to unit codes without building params objects (the acquisition search
 * decodes thousands per ask): conditions are compiled to parent indices once per space.
 */
export class LatentCodec {
  private readonly conds: Array<Array<{ parent: number; values: readonly unknown[]; fixedOk: boolean }>>;

  constructor(private readonly space: SearchSpace) {
    const index = new Map(space.params.map((s, j) => [s.key, j]));
    this.conds = space.params.map((spec) =>
      spec.conditions.map((c) => {
        const parent = index.get(c.key) ?? -1;
        const fixed = space.fixed[c.key];
        return { parent, values: c.values, fixedOk: parent < 0 && fixed !== undefined && c.values.includes(fixed) };
      }),
    );
  }

  /** The unit code (as encodeUnit would give for the decoded point) of latent point z, into `out`. */
  code(z: Float64Array, out: Float64Array): Float64Array {
    const specs = this.space.params;
    const values: unknown[] = new Array(specs.length);
    for (let j = 0; j < specs.length; j++) {
      let active = true;
      for (const c of this.conds[j]!) {
        if (c.parent < 0 ? !c.fixedOk : values[c.parent] === undefined || !c.values.includes(values[c.parent])) {
          active = false;
          break;
        }
      }
      if (!active) {
        out[j] = NaN;
        continue;
      }
      const dist = specs[j]!.dist;
      const v = fromUnit(dist, z[j]!);
      values[j] = v;
      if (dist.kind === 'categorical') out[j] = dist.choices.indexOf(v);
      else out[j] = Math.min(1, Math.max(0, toUnit(dist, v)));
    }
    return out;
  }
}

/** A latent point for an observed unit code: inactive settings get a draw, so a branch flip has values. */
export function latentOf(specs: readonly ParamSpec[], code: Float64Array, rng: Rng): Float64Array {
  const z = new Float64Array(specs.length);
  specs.forEach((spec, j) => {
    const v = code[j]!;
    if (Number.isNaN(v)) z[j] = rng.next();
    else if (spec.dist.kind === 'categorical') z[j] = (v + 0.5) / spec.dist.choices.length;
    else z[j] = v;
  });
  return z;
}
