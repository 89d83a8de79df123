import type { AdaptConfig, Family, Strategy, TrainingPlan } from './types.js';

/** Backbones whose weights can train; with any other, every adapt mode trains only the head. */
export const FINE_TUNABLE_BACKBONES: readonly string[] = ['transformer'];

function setAdapt(plan: TrainingPlan, patch: Partial<AdaptConfig> & Pick<AdaptConfig, 'mode'>, decay: number): void {
  plan.adapt = { topK: 0, loraRank: 0, loraAlpha: 0, unfreezeEvery: 0, ...patch, layerDecay: decay };
  if (patch.mode !== 'head-only' && !FINE_TUNABLE_BACKBONES.includes(plan.backbone.name)) {
    plan.notes.push(`adapt: ${patch.mode} has no effect on the frozen '${plan.backbone.name}' backbone (only the head trains)`);
  }
}

const mode = (s: Omit<Strategy, 'family' | 'stage' | 'id'>): Strategy => ({ ...s, id: `adapt.${s.name}`, family: 'adapt', stage: 'model' });

/**
 * Which weights of a fine-tunable backbone train. Costs per step, for L layers:
 * head-only ≈ one forward pass (features are computed once and cached, so about
 * nothing per epoch after the first); top-k ≈ forward + backward through k layers;
 * full, BitFit and LoRA ≈ forward + backward through all L layers (BitFit and LoRA
 * keep optimizer state for far fewer weights); gradual grows from head-only to full.
 */
export const adaptFamily: Family = {
  name: 'adapt',
  description: 'which weights of a fine-tunable backbone (transformer) train: the head only, the top k layers, all, LoRA adapters, biases (BitFit), or gradually more',
  mode: 'one',
  default: 'head-only',
  stage: 'model',
  shared: [
    {
      name: 'layer-decay',
      type: 'float',
      min: 0.1,
      max: 1,
      default: 1,
      neutral: 1,
      description: 'layer-wise learning-rate decay: layer l of L learns at lr × decay^(L − l), the embeddings at decay^(L + 1); 1 = off',
    },
  ],
  strategies: [
    mode({
      name: 'head-only',
      description: 'the encoder stays frozen; only the classifier head trains (features computed once and cached)',
      settings: [],
      neutral: true,
      apply(plan, s) {
        setAdapt(plan, { mode: 'head-only' }, s['layer-decay'] as number);
      },
    }),
    mode({
      name: 'top-k',
      description: 'the top k encoder layers and the head train; the layers below run once per batch without gradients',
      settings: [{ name: 'layers', type: 'int', min: 1, max: 48, default: 2, description: 'encoder layers that train, from the top (capped at the model\'s depth)' }],
      apply(plan, s) {
        setAdapt(plan, { mode: 'top-k', topK: s['layers'] as number }, s['layer-decay'] as number);
      },
    }),
    mode({
      name: 'full',
      description: 'every weight trains: embeddings, all layers and the head',
      settings: [],
      apply(plan, s) {
        setAdapt(plan, { mode: 'full' }, s['layer-decay'] as number);
      },
    }),
    mode({
      name: 'lora',
      description: 'low-rank adapters on the query and value projections of every layer train (with the head); merged into the weights for export',
      settings: [
        { name: 'rank', type: 'int', min: 1, max: 256, default: 8, log: true, description: 'rank r of each adapter (A: hidden × r, B: r × hidden)' },
        { name: 'alpha', type: 'float', min: 0.5, max: 512, default: 16, log: true, description: 'adapter scale: the update is A·B·alpha/r' },
      ],
      apply(plan, s) {
        setAdapt(plan, { mode: 'lora', loraRank: s['rank'] as number, loraAlpha: s['alpha'] as number }, s['layer-decay'] as number);
      },
    }),
    mode({
      name: 'bitfit',
      description: 'only the bias terms (attention, feed-forward and LayerNorm biases) and the head train (Ben Zaken et al., 2022)',
      settings: [],
      apply(plan, s) {
        setAdapt(plan, { mode: 'bitfit' }, s['layer-decay'] as number);
      },
    }),
    mode({
      name: 'gradual',
      description: 'gradual unfreezing (ULMFiT): the head alone first, then one more layer from the top every few epochs, the embeddings last',
      settings: [{ name: 'every', type: 'int', min: 1, max: 20, default: 1, description: 'epochs between unfreezing the next layer down' }],
      apply(plan, s) {
        setAdapt(plan, { mode: 'gradual', unfreezeEvery: s['every'] as number }, s['layer-decay'] as number);
      },
    }),
  ],
};
