/**
 * The teacher of `distill`: a trained model whose probabilities on the student's
 * training texts become soft targets.
 *
 * Where the teacher comes from (the only plumbing distillation needs):
 * - `best`: the study's best complete trial at the moment the trial starts — the one
 *   whose model the sweep keeps (`artifact` in trials.json). The trial finds its study
 *   folder through `TrialRequest.studyDir`, or else from its save folder, which a sweep
 *   always puts at `<study>/artifacts/trial-<n>`. With no such trial yet (the first
 *   trials of a sweep) there is no teacher: the trial trains on the labels alone and
 *   says so in its notes.
 * - a folder: written by `hybridtune export` (recipe.json + model/) or a model folder
 *   (model.json + weights.bin), e.g. another backbone's winner; relative to the space file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadFeaturizer } from '../backbones/registry.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { readRecipe } from '../recipe/recipe.js';
import type { Trial } from '../study/types.js';
import { HeadModel } from './head-model.js';

export interface Teacher {
  /** What it is, for notes: `trial 7 of the study`, or the folder. */
  source: string;
  /** Probabilities, row-major texts × classes, in the student's label order. */
  predict(texts: readonly string[]): Promise<Float32Array>;
  dispose(): void;
}

export interface TeacherContext {
  baseDir: string;
  studyDir?: string;
  labels: readonly string[];
}

/** The study folder's best complete trial that has a saved model, if any. */
function bestArtifact(studyDir: string): { trial: number; dir: string } | undefined {
  const file = path.join(studyDir, 'trials.json');
  if (!existsSync(file)) return undefined;
  const trials = (JSON.parse(readFileSync(file, 'utf8')) as { trials: Trial[] }).trials;
  let best: Trial | undefined;
  for (const t of trials) {
    if (t.state !== 'complete' || !t.artifact || !t.metrics) continue;
    if (!best || t.metrics.value > best.metrics!.value) best = t;
  }
  return best ? { trial: best.number, dir: path.join(studyDir, best.artifact!) } : undefined;
}

async function fromModelDir(modelDir: string, labels: readonly string[] | undefined, source: string, want: readonly string[]): Promise<Teacher> {
  const meta = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as { featurizer: Record<string, unknown>; labels?: string[] };
  const have = labels ?? meta.labels ?? [];
  if (have.length !== want.length || have.some((l, i) => l !== want[i])) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, "the teacher's labels differ from the data's", {
      file: modelDir,
      key: 'distill.teacher',
      value: have.join(', '),
      expected: `a model trained on the labels ${want.join(', ')} (in that order)`,
    });
  }
  const featurizer = await loadFeaturizer(meta.featurizer);
  const model = HeadModel.load(modelDir);
  return {
    source,
    async predict(texts) {
      return model.predictProba(await featurizer.transform(texts));
    },
    dispose: () => model.dispose(),
  };
}

/** Loads the teacher a `distill.teacher` setting names; `undefined` when `best` finds no trial yet (the reason comes back too). */
export async function loadTeacher(ref: string, ctx: TeacherContext): Promise<{ teacher?: Teacher; missing?: string }> {
  if (ref === 'best') {
    if (!ctx.studyDir) return { missing: 'no study folder is known to this trial' };
    // the sweep may replace the best model while we read it: look again once
    for (let attempt = 0; ; attempt++) {
      const best = bestArtifact(ctx.studyDir);
      if (!best) return { missing: 'the study has no complete trial with a saved model yet' };
      try {
        return { teacher: await fromModelDir(best.dir, undefined, `trial ${best.trial} of the study`, ctx.labels) };
      } catch (e) {
        if (attempt >= 1 || e instanceof HybridTuneError) throw e;
      }
    }
  }
  const dir = path.resolve(ctx.baseDir, ref);
  if (existsSync(path.join(dir, 'recipe.json'))) {
    const recipe = readRecipe(path.join(dir, 'recipe.json'));
    return { teacher: await fromModelDir(path.resolve(dir, recipe.model.path), recipe.task.labels, dir, ctx.labels) };
  }
  if (existsSync(path.join(dir, 'model.json'))) return { teacher: await fromModelDir(dir, undefined, dir, ctx.labels) };
  throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, 'the distillation teacher was not found', {
    file: dir,
    key: 'distill.teacher',
    expected: "'best' (the study's best trial), a folder written by `hybridtune export` (recipe.json + model/), or a model folder (model.json + weights.bin)",
  });
}

/** Teacher probabilities softened by a temperature: p^(1/T), renormalised per row (= softmax(logits / T)). */
export function soften(probs: Float32Array, k: number, temperature: number): Float32Array {
  const out = new Float32Array(probs.length);
  const n = probs.length / k;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, Math.log(Math.max(probs[i * k + c]!, 1e-12)) / temperature);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(Math.log(Math.max(probs[i * k + c]!, 1e-12)) / temperature - max);
      out[i * k + c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) out[i * k + c]! /= sum;
  }
  return out;
}
