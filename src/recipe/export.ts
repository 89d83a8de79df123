import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../data/fingerprint.js';
import { readConfirmedWinner } from '../ablation/study.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { StudyStore } from '../store/base.js';
import { resolveRecipe, settingKeys } from '../strategies/registry.js';
import { bestTrial } from '../study/summary.js';
import type { Trial } from '../study/types.js';
import { VERSION } from '../version.js';
import { RECIPE_FORMAT, RECIPE_FORMAT_VERSION, type Recipe } from './recipe.js';

export const MODEL_SUBDIR = 'model';

/**
 * Writes the winner's recipe and model into `outDir` (nothing outside it): the winner
 * `hybridtune confirm` picked when it ran (its model is in `confirmed/model`), else
 * the best trial; or trial `trialNumber`.
 */
export function exportBest(store: StudyStore, outDir: string, trialNumber?: number): { recipe: Recipe; dir: string; trial: Trial; confirmed: boolean } {
  const meta = store.meta();
  const confirmed = readConfirmedWinner(store.location, store.trials());
  const wanted = trialNumber ?? confirmed?.trial;
  const trial = wanted === undefined ? bestTrial(store.trials(), meta.direction) : store.trials().find((t) => t.number === wanted);
  if (!trial || trial.state !== 'complete' || !trial.metrics) {
    throw new HybridTuneError(ERROR_CODES.NO_COMPLETE_TRIAL, trialNumber === undefined ? 'the study has no complete trial yet' : `trial ${trialNumber} is not a complete trial`, {
      file: store.location,
      expected: 'a study with at least one complete trial (see `hybridtune status`)',
    });
  }
  const useConfirmed = confirmed?.model !== undefined && confirmed.trial === trial.number && existsSync(path.join(store.location, confirmed.model, 'model.json'));
  const artifact = useConfirmed ? confirmed!.model! : trial.artifact;
  if (!artifact || !existsSync(path.join(store.location, artifact, 'model.json'))) {
    throw new HybridTuneError(ERROR_CODES.NO_COMPLETE_TRIAL, `trial ${trial.number} has no saved model (only the best trial's model is kept)`, {
      file: store.location,
      expected: 'export the best trial (no --trial), or retrain the recipe with `hybridtune train`',
    });
  }
  const dir = path.resolve(outDir);
  const modelDir = path.join(dir, MODEL_SUBDIR);
  mkdirSync(modelDir, { recursive: true });
  const hashes: Record<string, string> = {};
  for (const f of readdirSync(path.join(store.location, artifact))) {
    copyFileSync(path.join(store.location, artifact, f), path.join(modelDir, f));
    hashes[f] = sha256(readFileSync(path.join(modelDir, f)));
  }
  const space = meta.space as { task?: { text?: string; label?: string } };
  const resolved = resolveRecipe(trial.params);
  // String settings are paths (e.g. a model folder) relative to the space file: make them absolute so the recipe travels.
  const keys = settingKeys();
  const spaceDir = path.dirname(meta.spaceFile);
  const isPath = (key: string, v: unknown): v is string => {
    const d = keys.get(key)?.decl;
    return d?.type === 'string' && d.path !== false && typeof v === 'string' && v !== '' && !d.literals?.includes(v);
  };
  for (const [k, v] of Object.entries(resolved.params)) {
    if (isPath(k, v)) resolved.params[k] = path.resolve(spaceDir, v);
  }
  for (const st of resolved.strategies) {
    for (const [name, v] of Object.entries(st.settings)) {
      if (isPath(`${st.id}.${name}`, v)) st.settings[name] = path.resolve(spaceDir, v);
    }
  }
  const recipe: Recipe = {
    format: RECIPE_FORMAT,
    formatVersion: RECIPE_FORMAT_VERSION,
    hybridtuneVersion: VERSION,
    createdAt: new Date().toISOString(),
    study: meta.name,
    trial: trial.number,
    task: { text: space.task?.text ?? 'text', label: space.task?.label ?? 'label', metric: meta.metric as Recipe['task']['metric'], labels: meta.data.labels },
    params: resolved.params,
    strategies: resolved.strategies,
    seed: trial.seed,
    metrics: trial.metrics,
    model: { path: MODEL_SUBDIR, sha256: hashes },
    provenance: { dataFingerprint: meta.data.fingerprint, backend: trial.backend ?? meta.backend, dataSources: meta.data.sources },
  };
  writeFileSync(path.join(dir, 'recipe.json'), JSON.stringify(recipe, null, 2) + '\n');
  return { recipe, dir, trial, confirmed: useConfirmed };
}
