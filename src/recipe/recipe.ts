import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import type { AppliedStrategy } from '../strategies/registry.js';
import type { Params, TrialMetrics } from '../study/types.js';

export const RECIPE_FORMAT = 'hybridtune-recipe';
export const RECIPE_FORMAT_VERSION = 1;

export interface Recipe {
  format: typeof RECIPE_FORMAT;
  formatVersion: typeof RECIPE_FORMAT_VERSION;
  hybridtuneVersion: string;
  createdAt?: string;
  study?: string;
  trial?: number;
  task: { text: string; label: string; metric: 'macro-f1' | 'accuracy'; labels: string[] };
  params: Params;
  strategies: AppliedStrategy[];
  seed: number;
  metrics?: TrialMetrics;
  /** The model folder inside the export, and the sha256 of each of its files. */
  model: { path: string; sha256: Record<string, string> };
  provenance: { dataFingerprint: string; backend: string; dataSources?: Record<string, string>; retrainedFrom?: string };
}

// The schema ships in the package root (schemas/), three levels above dist/src/recipe/.
const schemaUrl = new URL('../../../schemas/recipe.schema.json', import.meta.url);
const validate = new Ajv({ strict: false, allErrors: false }).compile(JSON.parse(readFileSync(schemaUrl, 'utf8')) as object);

/** Reads and checks a recipe file: data only, validated against the schema; never evaluates anything. */
export function readRecipe(file: string): Recipe {
  if (!existsSync(file)) {
    throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, 'recipe file not found', { file: path.resolve(file), expected: 'a recipe.json written by `hybridtune export`' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new HybridTuneError(ERROR_CODES.RECIPE_INVALID, `not valid JSON: ${(e as Error).message}`, { file });
  }
  const r = raw as Partial<Recipe>;
  if (r && typeof r === 'object' && r.format === RECIPE_FORMAT && r.formatVersion !== RECIPE_FORMAT_VERSION) {
    throw new HybridTuneError(ERROR_CODES.RECIPE_VERSION, `recipe format version ${String(r.formatVersion)} is not supported`, {
      file,
      key: 'formatVersion',
      expected: `formatVersion ${RECIPE_FORMAT_VERSION}; re-export it with this hybridtune (${r.hybridtuneVersion ?? 'unknown version'} wrote it)`,
    });
  }
  if (!validate(raw)) {
    const e = validate.errors![0]!;
    const key = e.instancePath.split('/').filter(Boolean).join('.') || (e.params as { missingProperty?: string }).missingProperty || '';
    throw new HybridTuneError(ERROR_CODES.RECIPE_INVALID, `recipe does not match its schema: ${e.message ?? 'invalid'}`, {
      file,
      key,
      expected: 'a recipe.json written by `hybridtune export` (see schemas/recipe.schema.json)',
    });
  }
  return raw as Recipe;
}
