import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { ParamValue } from '../study/types.js';
import type { Featurizer, FeaturizerContext } from './featurizer.js';
import { HfFeaturizer, hfSettingsFrom, type HfSettings } from './hf-encoder.js';
import { NgramHashFeaturizer, ngramSettingsFrom, type NgramHashState } from './ngram-hash.js';
import type { SparseRows } from './sparse.js';
import { TransformerFeaturizer, transformerSettingsFrom, type TransformerSettings } from './transformer/featurizer.js';

/** The built-in n-gram featurizer behind the async Featurizer interface. */
class NgramHashBackbone implements Featurizer {
  readonly kind = 'ngram-hash';
  readonly dense = false;
  constructor(readonly inner: NgramHashFeaturizer) {}
  get size(): number {
    return this.inner.size;
  }
  async fit(texts: readonly string[]): Promise<void> {
    this.inner.fit(texts);
  }
  async transform(texts: readonly string[]): Promise<SparseRows> {
    return this.inner.transform(texts);
  }
  toJSON() {
    return { kind: 'ngram-hash', ...this.inner.toJSON() };
  }
}

interface BackboneEntry {
  create(settings: Record<string, ParamValue>, ctx: FeaturizerContext): Featurizer;
  load(state: Record<string, unknown>): Promise<Featurizer>;
}

/** Backbones by the name a recipe's `backbone` key uses. */
export const BACKBONES = {
  'ngram-hash': {
    create: (settings) => new NgramHashBackbone(new NgramHashFeaturizer(ngramSettingsFrom(settings))),
    load: async (state) => new NgramHashBackbone(NgramHashFeaturizer.fromJSON(state as unknown as NgramHashState)),
  },
  hf: {
    create: (settings, ctx) => new HfFeaturizer(hfSettingsFrom(settings), ctx),
    load: (state) => HfFeaturizer.fromJSON(state as unknown as { settings: HfSettings; modelDir: string; modelHash: string }),
  },
  // Frozen here (adapt: head-only); the other adapt modes fine-tune it in src/trainer/finetune/.
  transformer: {
    create: (settings, ctx) => new TransformerFeaturizer(transformerSettingsFrom(settings), ctx),
    load: (state) => TransformerFeaturizer.fromJSON(state as unknown as { settings: TransformerSettings; modelDir: string; modelHash: string }),
  },
} as const satisfies Record<string, BackboneEntry>;

export function createFeaturizer(backbone: { name: string; settings: Record<string, ParamValue> }, ctx: FeaturizerContext): Featurizer {
  const entry = (BACKBONES as Record<string, BackboneEntry>)[backbone.name];
  if (!entry) throw new HybridTuneError(ERROR_CODES.UNKNOWN_STRATEGY, `unknown backbone '${backbone.name}'`, { key: 'backbone', expected: Object.keys(BACKBONES).join(', ') });
  return entry.create(backbone.settings, ctx);
}

export function loadFeaturizer(state: Record<string, unknown>): Promise<Featurizer> {
  const entry = (BACKBONES as Record<string, BackboneEntry>)[String(state['kind'])];
  if (!entry) throw new HybridTuneError(ERROR_CODES.RECIPE_INVALID, `unknown featurizer kind '${String(state['kind'])}'`, { key: 'featurizer.kind', expected: Object.keys(BACKBONES).join(', ') });
  return entry.load(state);
}
