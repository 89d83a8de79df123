import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileDigest, offline, serialLoad } from '../backbones/hf-encoder.js';
import { NgramHashFeaturizer } from '../backbones/ngram-hash.js';
import { textCache } from '../backbones/text-cache.js';
import { ERROR_CODES, HybridTuneError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { ParamValue } from '../study/types.js';
import type { Strategy, TrainingPlan } from './types.js';

/** Prompt templates: `{label}` is the class's word, `{text}` the source example. */
export const PROMPTS = {
  example: '{label} example: {text}\n{label} example:',
  review: 'A {label} review: "{text}"\nAnother {label} review: "',
  instruct: 'Write a new {label} sentence in the style of this one.\nSentence: {text}\nNew {label} sentence:',
} as const;

const ONNX_FILE: Record<string, string> = { fp32: 'model.onnx', fp16: 'model_fp16.onnx', q8: 'model_quantized.onnx', q4: 'model_q4.onnx' };

export interface GenerateSettings {
  model: string;
  dtype: 'fp32' | 'fp16' | 'q8' | 'q4';
  examples: number;
  copies: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  prompt: keyof typeof PROMPTS;
  labelWords: 'label' | 'sentiment';
  filter: boolean;
  filterConfidence: number;
  seed: number;
}

export function generateSettingsFrom(s: Record<string, ParamValue>): GenerateSettings {
  return {
    model: String(s['model'] ?? ''),
    dtype: (s['dtype'] as GenerateSettings['dtype'] | undefined) ?? 'fp32',
    examples: (s['examples'] as number | undefined) ?? 100,
    copies: (s['copies'] as number | undefined) ?? 1,
    temperature: (s['temperature'] as number | undefined) ?? 0.9,
    topP: (s['top-p'] as number | undefined) ?? 0.95,
    maxNewTokens: (s['max-new-tokens'] as number | undefined) ?? 24,
    prompt: (s['prompt'] as GenerateSettings['prompt'] | undefined) ?? 'example',
    labelWords: (s['label-words'] as GenerateSettings['labelWords'] | undefined) ?? 'label',
    filter: (s['filter'] as boolean | undefined) ?? false,
    filterConfidence: (s['filter-confidence'] as number | undefined) ?? 0.5,
    seed: (s['seed'] as number | undefined) ?? 0,
  };
}

/** The word a prompt uses for each class. */
export function labelWords(labels: readonly string[], mode: GenerateSettings['labelWords']): string[] {
  if (mode === 'sentiment' && labels.length === 2) return ['negative', 'positive'];
  return [...labels];
}

/** The first line of a continuation, tidied; '' when nothing usable came out. */
export function cleanGeneration(raw: string): string {
  const line = raw.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.replace(/^["'“”]+|["'“”]+$/g, '').replace(/\s+/g, ' ').trim().slice(0, 400);
}

/** Hash of the files a generation depends on (config, tokenizer, weights and their external data). */
function generatorHash(dir: string, dtype: string): string {
  const onnxDir = path.join(dir, 'onnx');
  const files = ['config.json', 'tokenizer.json', path.join('onnx', ONNX_FILE[dtype]!)];
  if (existsSync(onnxDir)) for (const f of readdirSync(onnxDir).sort()) if (f.endsWith('.data') || f.endsWith('_data')) files.push(path.join('onnx', f));
  return files.map((f) => `${f}:${fileDigest(path.join(dir, f))}`).join('|');
}

export type GenerateFn = (prompt: string, seed: number) => Promise<string>;

const generators = new Map<string, Promise<GenerateFn>>();
// One generation at a time per thread: transformers.js samples from one global generator, seeded per call.
let generationChain: Promise<unknown> = Promise.resolve();

/** A seeded text generator through the `text-generation` pipeline of @huggingface/transformers. */
export function loadGenerator(dir: string, s: GenerateSettings): Promise<GenerateFn> {
  const key = `${dir}|${s.dtype}|${s.temperature}|${s.topP}|${s.maxNewTokens}`;
  let g = generators.get(key);
  if (!g) {
    g = serialLoad(async () => {
      const hf = await import('@huggingface/transformers');
      hf.env.allowRemoteModels = !offline();
      hf.env.allowLocalModels = true;
      hf.env.localModelPath = path.dirname(dir) + path.sep;
      const pipe = (await hf.pipeline('text-generation', path.basename(dir), { dtype: s.dtype })) as unknown as (
        p: string,
        o: Record<string, unknown>,
      ) => Promise<Array<{ generated_text: string }>>;
      return (prompt: string, seed: number) => {
        const run = generationChain.then(async () => {
          hf.random.seed(seed);
          const out = await pipe(prompt, { max_new_tokens: s.maxNewTokens, do_sample: true, temperature: s.temperature, top_p: s.topP, return_full_text: false });
          return out[0]?.generated_text ?? '';
        });
        generationChain = run.catch(() => undefined);
        return run;
      };
    });
    generators.set(key, g);
    g.catch(() => generators.delete(key));
  }
  return g;
}

/** Class probabilities of texts, row-major n × classes. */
export type Labeler = (texts: readonly string[]) => Float32Array;

/**
 * The filter's judge: a linear classifier on hashed word n-grams trained on the
 * trial's own training examples (before augmentation) — a stand-in for "the current
 * model", which does not exist yet when the data is augmented. Plain softmax
 * regression with seeded SGD, on typed arrays: deterministic and fast.
 */
export function trainProxyLabeler(texts: readonly string[], y: Int32Array, k: number, rng: Rng, epochs = 8): Labeler {
  const fz = new NgramHashFeaturizer({ dims: 1 << 18, wordNgrams: 2, charNgrams: 0, weighting: 'tfidf', lowercase: true });
  fz.fit(texts);
  const x = fz.transform(texts);
  const d = fz.size;
  const w = new Float32Array((d + 1) * k);
  const p = new Float32Array(k);
  const scores = (rows: typeof x, i: number, out: Float32Array) => {
    for (let c = 0; c < k; c++) out[c] = w[d * k + c]!;
    for (let j = rows.indptr[i]!; j < rows.indptr[i + 1]!; j++) {
      const off = rows.indices[j]! * k;
      const v = rows.values[j]!;
      for (let c = 0; c < k; c++) out[c]! += v * w[off + c]!;
    }
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, out[c]!);
    let z = 0;
    for (let c = 0; c < k; c++) z += out[c] = Math.exp(out[c]! - m);
    for (let c = 0; c < k; c++) out[c]! /= z;
  };
  for (let e = 0; e < epochs; e++) {
    const lr = 0.5 / (1 + e);
    for (const i of rng.permutation(x.n)) {
      scores(x, i, p);
      for (let c = 0; c < k; c++) {
        const g = p[c]! - (c === y[i] ? 1 : 0);
        w[d * k + c]! -= lr * g;
        for (let j = x.indptr[i]!; j < x.indptr[i + 1]!; j++) w[x.indices[j]! * k + c]! -= lr * g * x.values[j]!;
      }
    }
  }
  return (batch) => {
    const xb = fz.transform(batch);
    const out = new Float32Array(batch.length * k);
    const row = new Float32Array(k);
    for (let i = 0; i < batch.length; i++) {
      scores(xb, i, row);
      out.set(row, i * k);
    }
    return out;
  };
}

/** Which training examples seed generations: up to `count`, every class in proportion, chosen by `seed` alone. */
export function chooseSources(y: Int32Array, k: number, count: number, seed: number): number[] {
  const rng = new Rng(seed).fork('generate-sources');
  const byClass: number[][] = Array.from({ length: k }, () => []);
  y.forEach((c, i) => byClass[c]!.push(i));
  const total = y.length;
  const out: number[] = [];
  byClass.forEach((rows) => {
    const take = Math.min(rows.length, Math.max(rows.length > 0 ? 1 : 0, Math.round((count * rows.length) / Math.max(1, total))));
    const perm = rng.permutation(rows.length);
    for (let i = 0; i < take; i++) out.push(rows[perm[i]!]!);
  });
  return out.sort((a, b) => a - b);
}

function seedOf(...parts: Array<string | number>): number {
  return createHash('sha256').update(JSON.stringify(parts)).digest().readUInt32LE(0) & 0x7fffffff;
}

export interface GenerationReport {
  generated: number;
  fromCache: number;
  empty: number;
  filtered: number;
  kept: number;
}

/**
 * New labelled examples from a causal language model: for each chosen source
 * example and copy, a label-conditioned prompt, sampled with temperature and top-p
 * under a seed derived from (settings seed, source text, copy). Generations are
 * cached on disk, so every trial with the same settings reuses them.
 */
export async function generateExamples(
  texts: readonly string[],
  y: Int32Array,
  labels: readonly string[],
  s: GenerateSettings,
  modelDir: string,
  generate?: GenerateFn,
): Promise<{ texts: string[]; y: Int32Array; report: GenerationReport }> {
  const k = labels.length;
  const words = labelWords(labels, s.labelWords);
  const cache = textCache(`generate|${generatorHash(modelDir, s.dtype)}|${s.dtype}`, { model: modelDir, dtype: s.dtype });
  const jobs = chooseSources(y, k, s.examples, s.seed).flatMap((i) =>
    Array.from({ length: s.copies }, (_, c) => {
      const prompt = PROMPTS[s.prompt].replaceAll('{label}', words[y[i]!]!).replaceAll('{text}', texts[i]!.trim());
      const seed = seedOf(s.seed, texts[i]!, c);
      const key = createHash('sha256').update(JSON.stringify([prompt, seed, s.temperature, s.topP, s.maxNewTokens])).digest('hex');
      return { label: y[i]!, prompt, seed, key, source: texts[i]!.trim() };
    }),
  );
  const report: GenerationReport = { generated: 0, fromCache: 0, empty: 0, filtered: 0, kept: 0 };
  cache.scan();
  if (jobs.some((j) => cache.get(j.key) === undefined)) {
    const gen = generate ?? (await loadGenerator(modelDir, s));
    await cache.withLock(async (refresh) => {
      cache.scan();
      let pending: Array<[string, string]> = [];
      for (const j of jobs) {
        if (cache.get(j.key) !== undefined) continue;
        pending.push([j.key, await gen(j.prompt, j.seed)]);
        report.generated++;
        if (pending.length >= 64) {
          cache.add(pending);
          pending = [];
        }
        refresh();
      }
      cache.add(pending);
    });
  }
  report.fromCache = jobs.length - report.generated;
  const out: { texts: string[]; y: number[] } = { texts: [], y: [] };
  for (const j of jobs) {
    const t = cleanGeneration(cache.get(j.key)!);
    if (!t || t === j.source) {
      report.empty++;
      continue;
    }
    out.texts.push(t);
    out.y.push(j.label);
  }
  return { texts: out.texts, y: Int32Array.from(out.y), report };
}

/** Keeps generations that the labeler puts in their intended class with at least `confidence`. */
export function filterByLabeler(gen: { texts: string[]; y: Int32Array }, labeler: Labeler, k: number, confidence: number): { texts: string[]; y: Int32Array } {
  if (gen.texts.length === 0) return gen;
  const p = labeler(gen.texts);
  const keep: number[] = [];
  for (let i = 0; i < gen.texts.length; i++) {
    const c = gen.y[i]!;
    let best = 0;
    for (let j = 1; j < k; j++) if (p[i * k + j]! > p[i * k + best]!) best = j;
    if (best === c && p[i * k + c]! >= confidence) keep.push(i);
  }
  return { texts: keep.map((i) => gen.texts[i]!), y: Int32Array.from(keep, (i) => gen.y[i]!) };
}

function resolveModel(s: GenerateSettings, baseDir: string): string {
  if (!s.model) {
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, 'augment.generate needs a text-generation model', {
      key: 'augment.generate.model',
      expected: 'a local model folder with config.json, tokenizer.json and onnx/model*.onnx (e.g. ../../shared/fixtures/tiny-random-llama-fp16)',
    });
  }
  const dir = path.resolve(baseDir, s.model);
  const wanted = ['config.json', 'tokenizer.json', path.join('onnx', ONNX_FILE[s.dtype]!)];
  const missing = wanted.filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length > 0) {
    throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `text-generation model folder is incomplete: ${missing.join(', ')} not found`, {
      file: dir,
      key: 'augment.generate.model',
      expected: `a folder with ${wanted.join(', ')}`,
      hint: existsSync(path.join(dir, 'onnx')) ? `onnx/ has: ${readdirSync(path.join(dir, 'onnx')).join(', ')} (choose augment.generate.dtype to match)` : undefined,
    });
  }
  return dir;
}

export const generateStrategy: Strategy = {
  id: 'augment.generate',
  family: 'augment',
  name: 'generate',
  stage: 'data',
  description:
    'new examples from a causal language model (text-generation pipeline): a label-conditioned prompt per source example, sampled with temperature and top-p; deterministic by seed, cached on disk; optionally filtered',
  settings: [
    { name: 'model', type: 'string', default: '', description: 'local text-generation model folder (config.json, tokenizer.json, onnx/), relative to the space file' },
    { name: 'dtype', type: 'categorical', choices: ['fp32', 'fp16', 'q8', 'q4'], default: 'fp32', description: 'which ONNX weights: model.onnx, model_fp16.onnx, model_quantized.onnx, model_q4.onnx' },
    { name: 'examples', type: 'int', min: 1, max: 100000, default: 100, log: true, description: 'training examples that seed generations (every class in proportion)' },
    { name: 'copies', type: 'int', min: 1, max: 16, default: 1, description: 'generations per source example' },
    { name: 'temperature', type: 'float', min: 0.05, max: 2, default: 0.9, description: 'sampling temperature' },
    { name: 'top-p', type: 'float', min: 0.05, max: 1, default: 0.95, description: 'nucleus sampling: the smallest set of tokens with this much probability' },
    { name: 'max-new-tokens', type: 'int', min: 1, max: 256, default: 24, description: 'tokens generated per example' },
    { name: 'prompt', type: 'categorical', choices: Object.keys(PROMPTS), default: 'example', description: `prompt template: ${Object.entries(PROMPTS).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('; ')}` },
    { name: 'label-words', type: 'categorical', choices: ['label', 'sentiment'], default: 'label', description: "how a prompt names the class: the label itself, or 'negative'/'positive' for a two-class task (in label order)" },
    { name: 'filter', type: 'bool', default: false, description: 'keep only generations that a classifier trained on the training data puts in their intended class' },
    { name: 'filter-confidence', type: 'float', min: 0, max: 1, default: 0.5, description: 'with filter: the least probability of the intended class' },
    { name: 'seed', type: 'int', min: 0, max: 1000000, default: 0, description: 'generation seed: trials with the same settings share one set of (cached) generations' },
  ],
  async apply(plan: TrainingPlan, settings, ctx) {
    const s = generateSettingsFrom(settings);
    const dir = resolveModel(s, ctx.baseDir ?? process.cwd());
    const gen = await generateExamples(plan.texts, plan.y, ctx.labels, s, dir);
    let kept: { texts: string[]; y: Int32Array } = gen;
    if (s.filter) {
      const labeler = trainProxyLabeler(plan.texts, plan.y, plan.numClasses, ctx.rng.fork('labeler'));
      kept = filterByLabeler(gen, labeler, plan.numClasses, s.filterConfidence);
      gen.report.filtered = gen.texts.length - kept.texts.length;
    }
    gen.report.kept = kept.texts.length;
    plan.notes.push(
      `augment.generate: ${gen.report.kept} examples added (${gen.report.generated} generated now, ${gen.report.fromCache} from the cache, ${gen.report.empty} empty or copies${s.filter ? `, ${gen.report.filtered} filtered out` : ''})`,
    );
    plan.texts = plan.texts.concat(kept.texts);
    const y = new Int32Array(plan.y.length + kept.y.length);
    y.set(plan.y, 0);
    y.set(kept.y, plan.y.length);
    plan.y = y;
  },
};
