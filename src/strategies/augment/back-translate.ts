/**
 * Back-translation: each chosen training text goes to a pivot language and back
 * through two local translation models (the `translation` pipeline of
 * @huggingface/transformers, greedy decoding, so deterministic), and the round trip
 * is a new example with the same label.
 *
 * The seam is `TranslatorFactory`: the real one loads a pipeline from a local folder;
 * tests install a stand-in with `setTranslatorFactory` (no translation model ships
 * with the project, so only the plumbing is tested).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, HybridTuneError } from '../../errors.js';
import type { Rng } from '../../math/rng.js';

export interface Translator {
  translate(texts: readonly string[]): Promise<string[]>;
}

export interface TranslatorOptions {
  /** Language codes for multilingual models (NLLB, M2M100, mBART); absent for one-pair models (OPUS-MT). */
  srcLang?: string;
  tgtLang?: string;
}

export type TranslatorFactory = (modelDir: string, o: TranslatorOptions) => Promise<Translator>;

export interface BackTranslateSettings {
  forward: string;
  backward: string;
  /** Language codes, only for multilingual models ('' = not passed). */
  source: string;
  pivot: string;
  /** Share of the training examples that get a round trip. */
  fraction: number;
  batchSize: number;
}

const KEY = 'augment.back-translate';

/** The translation pipeline of @huggingface/transformers, from a local folder (never the Hub). */
const hfTranslatorFactory: TranslatorFactory = async (modelDir, o) => {
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(modelDir) + path.sep;
  const translator = (await pipeline('translation', path.basename(modelDir))) as unknown as (
    texts: string[],
    options: Record<string, unknown>,
  ) => Promise<Array<{ translation_text: string }>>;
  const options: Record<string, unknown> = { do_sample: false, ...(o.srcLang ? { src_lang: o.srcLang } : {}), ...(o.tgtLang ? { tgt_lang: o.tgtLang } : {}) };
  return {
    async translate(texts) {
      const out = await translator([...texts], options);
      return out.map((r) => r.translation_text);
    },
  };
};

let factory: TranslatorFactory = hfTranslatorFactory;

/** Replaces how translators are made (tests), or restores the real one when called without an argument. */
export function setTranslatorFactory(f?: TranslatorFactory): void {
  factory = f ?? hfTranslatorFactory;
  translators.clear();
  roundTrips.clear();
}

// per thread: loaded translators, and round trips already made (deterministic, so reusable across trials)
const translators = new Map<string, Promise<Translator>>();
const roundTrips = new Map<string, string>();

/** Checks that the settings name two local model folders; the error says what is missing and where. */
export function checkTranslationModels(s: BackTranslateSettings, baseDir: string): { forward: string; backward: string } {
  if (!s.forward || !s.backward) {
    const missing = !s.forward ? `${KEY}.forward` : `${KEY}.backward`;
    throw new HybridTuneError(ERROR_CODES.BAD_VALUE, `${KEY} needs two local translation models, and '${missing}' is not set`, {
      key: missing,
      expected: `'${KEY}.forward' (source → pivot) and '${KEY}.backward' (pivot → source): local model folders in Hugging Face layout with ONNX weights (e.g. Xenova/opus-mt-en-de and Xenova/opus-mt-de-en), relative to the space file`,
      hint: 'no translation model ships with hybridtune; without one, leave augment.back-translate off (augment.eda needs no model)',
    });
  }
  const dirs = { forward: path.resolve(baseDir, s.forward), backward: path.resolve(baseDir, s.backward) };
  for (const [which, dir] of Object.entries(dirs)) {
    if (!existsSync(path.join(dir, 'config.json'))) {
      throw new HybridTuneError(ERROR_CODES.FILE_NOT_FOUND, `translation model folder not found or incomplete (no config.json)`, {
        file: dir,
        key: `${KEY}.${which}`,
        expected: 'a local folder in Hugging Face layout (config.json, tokenizer files, onnx/encoder_model.onnx, onnx/decoder_model_merged.onnx)',
      });
    }
  }
  return dirs;
}

function translatorFor(dir: string, o: TranslatorOptions): Promise<Translator> {
  const key = `${dir}|${o.srcLang ?? ''}|${o.tgtLang ?? ''}`;
  let t = translators.get(key);
  if (!t) {
    t = factory(dir, o);
    translators.set(key, t);
    t.catch(() => translators.delete(key));
  }
  return t;
}

/**
 * Round trips of a seeded share of the texts. Returns the new examples (texts whose
 * round trip came back unchanged are skipped: they add nothing).
 */
export async function backTranslateDataset(
  texts: readonly string[],
  y: Int32Array,
  s: BackTranslateSettings,
  baseDir: string,
  rng: Rng,
): Promise<{ texts: string[]; y: Int32Array; unchanged: number }> {
  const dirs = checkTranslationModels(s, baseDir);
  const chosen = s.fraction >= 1 ? texts.map((_, i) => i) : rng.shuffle(texts.map((_, i) => i)).slice(0, Math.round(s.fraction * texts.length)).sort((a, b) => a - b);
  const forward = await translatorFor(dirs.forward, { ...(s.source ? { srcLang: s.source } : {}), ...(s.pivot ? { tgtLang: s.pivot } : {}) });
  const backward = await translatorFor(dirs.backward, { ...(s.pivot ? { srcLang: s.pivot } : {}), ...(s.source ? { tgtLang: s.source } : {}) });
  const cacheKey = (t: string) => `${dirs.forward}|${dirs.backward}|${s.source}|${s.pivot}|${t}`;
  const todo = [...new Set(chosen.map((i) => texts[i]!).filter((t) => !roundTrips.has(cacheKey(t))))];
  for (let start = 0; start < todo.length; start += s.batchSize) {
    const batch = todo.slice(start, start + s.batchSize);
    const there = await forward.translate(batch);
    const back = await backward.translate(there);
    if (there.length !== batch.length || back.length !== batch.length) throw new Error(`the translator returned ${back.length} texts for ${batch.length}`);
    batch.forEach((t, i) => roundTrips.set(cacheKey(t), back[i]!));
  }
  const out: string[] = [];
  const labels: number[] = [];
  let unchanged = 0;
  for (const i of chosen) {
    const rt = roundTrips.get(cacheKey(texts[i]!))!.trim();
    if (rt === '' || rt === texts[i]!.trim()) {
      unchanged++;
      continue;
    }
    out.push(rt);
    labels.push(y[i]!);
  }
  return { texts: out, y: Int32Array.from(labels), unchanged };
}
