import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadFeaturizer } from '../backbones/registry.js';
import { sha256 } from '../data/fingerprint.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { isFinetunedModel, loadTransformerClassifier } from '../trainer/finetune/classifier.js';
import { HeadModel } from '../trainer/head-model.js';
import { initBackend } from '../trainer/tf-backend.js';
import { readRecipe, type Recipe } from './recipe.js';

export interface Prediction {
  label: string;
  /** Probability per label, in the recipe's label order. */
  probabilities: Record<string, number>;
}

export interface LoadedRecipe {
  recipe: Recipe;
  predict(texts: readonly string[]): Promise<Prediction[]>;
  dispose(): void;
}

/** Loads an exported recipe folder for serving: `const m = await loadRecipe(dir); await m.predict(texts)`. */
export async function loadRecipe(dir: string): Promise<LoadedRecipe> {
  const recipe = readRecipe(path.join(dir, 'recipe.json'));
  const modelDir = path.resolve(dir, recipe.model.path);
  if (!modelDir.startsWith(path.resolve(dir) + path.sep)) {
    throw new HybridTuneError(ERROR_CODES.RECIPE_INVALID, 'the model path points outside the recipe folder', { file: path.join(dir, 'recipe.json'), key: 'model.path' });
  }
  for (const [f, hash] of Object.entries(recipe.model.sha256)) {
    const file = path.join(modelDir, f);
    if (!existsSync(file) || sha256(readFileSync(file)) !== hash) {
      throw new HybridTuneError(ERROR_CODES.RECIPE_INVALID, `model file ${f} is missing or was changed after export (sha256 mismatch)`, {
        file,
        key: `model.sha256.${f}`,
        expected: 'the files exactly as `hybridtune export` wrote them',
      });
    }
  }
  await initBackend();
  const labels = recipe.task.labels;
  let predictProba: (texts: readonly string[]) => Promise<Float32Array>;
  let dispose: () => void;
  if (isFinetunedModel(modelDir)) {
    // a fine-tuned transformer: encoder, head and tokenizer all live in the model folder
    const m = await loadTransformerClassifier(modelDir);
    predictProba = (texts) => m.predictProba(texts);
    dispose = () => m.dispose();
  } else {
    const meta = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as { featurizer: Record<string, unknown>; labels: string[] };
    const featurizer = await loadFeaturizer(meta.featurizer);
    const model = HeadModel.load(modelDir);
    predictProba = async (texts) => model.predictProba(await featurizer.transform(texts));
    dispose = () => model.dispose();
  }
  return {
    recipe,
    async predict(texts) {
      const p = await predictProba(texts);
      const k = labels.length;
      return texts.map((_, i) => {
        const probabilities: Record<string, number> = {};
        let best = 0;
        for (let c = 0; c < k; c++) {
          probabilities[labels[c]!] = p[i * k + c]!;
          if (p[i * k + c]! > p[i * k + best]!) best = c;
        }
        return { label: labels[best]!, probabilities };
      });
    },
    dispose,
  };
}
