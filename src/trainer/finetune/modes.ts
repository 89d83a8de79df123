import type { EncoderConfig } from '../../backbones/transformer/config.js';
import { LORA_TARGETS } from '../../backbones/transformer/model.js';
import { expectedWeights } from '../../backbones/transformer/weights.js';
import type { AdaptConfig } from '../../strategies/types.js';

/** What trains in one epoch: encoder weights by canonical name, LoRA adapters, and where the gradient pass starts. */
export interface TrainableSet {
  /** Canonical names of encoder weights that train. */
  encoder: string[];
  /** `layer.{i}.{q|v}` keys of LoRA adapters that train. */
  lora: string[];
  /**
   * First part computed with gradients: -1 = the embeddings and every layer; i = layers i..L−1
   * (the embeddings and layers below run once, without gradients or dropout); L = the head only.
   */
  start: number;
}

function layerNames(c: EncoderConfig, from: number): string[] {
  return [...expectedWeights(c).keys()].filter((n) => n.startsWith('layer.') && Number(n.split('.')[1]) >= from);
}

/** The trainable set of a mode at a given epoch (1-based; only `gradual` depends on it). */
export function trainableAt(a: AdaptConfig, c: EncoderConfig, epoch: number): TrainableSet {
  const L = c.layers;
  switch (a.mode) {
    case 'head-only':
      return { encoder: [], lora: [], start: L };
    case 'top-k': {
      const k = Math.min(Math.max(1, a.topK), L);
      return { encoder: layerNames(c, L - k), lora: [], start: L - k };
    }
    case 'full':
      return { encoder: [...expectedWeights(c).keys()], lora: [], start: -1 };
    case 'lora': {
      const lora: string[] = [];
      for (let i = 0; i < L; i++) for (const t of LORA_TARGETS) lora.push(`layer.${i}.${t}`);
      return { encoder: [], lora, start: 0 };
    }
    case 'bitfit':
      return { encoder: [...expectedWeights(c).keys()].filter((n) => n.endsWith('.bias') || n.endsWith('.beta')), lora: [], start: -1 };
    case 'gradual': {
      const unfrozen = Math.floor((epoch - 1) / Math.max(1, a.unfreezeEvery));
      if (unfrozen <= 0) return { encoder: [], lora: [], start: L };
      if (unfrozen <= L) return { encoder: layerNames(c, L - unfrozen), lora: [], start: L - unfrozen };
      return { encoder: [...expectedWeights(c).keys()], lora: [], start: -1 };
    }
  }
}

/** Learning-rate multiplier of a weight under layer-wise decay (head 1, layer i of L: decay^(L − i), embeddings decay^(L + 1)). */
export function lrScale(name: string, layers: number, decay: number): number {
  if (decay >= 1) return 1;
  if (name.startsWith('head.')) return 1;
  if (name.startsWith('embeddings.')) return Math.pow(decay, layers + 1);
  const i = Number(name.split('.')[1]);
  return Math.pow(decay, layers - i);
}

/** Weights that take weight decay: matrices, not biases or LayerNorm parameters (as BERT's AdamW recipe). */
export function takesWeightDecay(name: string): boolean {
  return !(name.endsWith('.bias') || name.endsWith('.beta') || name.endsWith('.gamma'));
}
