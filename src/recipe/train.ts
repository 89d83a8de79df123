import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../data/fingerprint.js';
import type { PreparedData } from '../data/types.js';
import { initBackend } from '../trainer/tf-backend.js';
import { trainTrial, type TrialResult } from '../trainer/train-trial.js';
import { VERSION } from '../version.js';
import { MODEL_SUBDIR } from './export.js';
import type { Recipe } from './recipe.js';

/**
 * Retrains a recipe from scratch (same strategies, settings and seed) on new or all
 * data, and writes an export folder again: what production runs after a sweep.
 */
export async function retrainRecipe(recipe: Recipe, data: PreparedData, outDir: string, onEpoch?: (epoch: number, value: number) => void): Promise<{ recipe: Recipe; result: TrialResult; dir: string }> {
  const backend = (await initBackend()).name;
  const dir = path.resolve(outDir);
  const modelDir = path.join(dir, MODEL_SUBDIR);
  mkdirSync(modelDir, { recursive: true });
  const result = await trainTrial({
    data,
    params: recipe.params,
    seed: recipe.seed,
    metric: recipe.task.metric,
    saveDir: modelDir,
    onEpoch: (r) => {
      onEpoch?.(r.epoch, r.value);
      return 'continue';
    },
  });
  const hashes: Record<string, string> = {};
  for (const f of readdirSync(modelDir)) hashes[f] = sha256(readFileSync(path.join(modelDir, f)));
  const out: Recipe = {
    ...recipe,
    hybridtuneVersion: VERSION,
    createdAt: new Date().toISOString(),
    task: { ...recipe.task, labels: data.labels },
    params: result.recipe.params,
    strategies: result.recipe.strategies,
    metrics: result.metrics,
    model: { path: MODEL_SUBDIR, sha256: hashes },
    provenance: { dataFingerprint: data.fingerprint, backend, dataSources: { ...data.sources }, retrainedFrom: recipe.provenance.dataFingerprint },
  };
  writeFileSync(path.join(dir, 'recipe.json'), JSON.stringify(out, null, 2) + '\n');
  return { recipe: out, result, dir };
}
