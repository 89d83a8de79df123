/**
 * Frozen-encoder throughput and feature-cache figures on SST-2 sentences:
 *  - baseline (same run): the built-in ngram-hash featurizer, texts/s;
 *  - `hf` (ONNX Runtime through @huggingface/transformers) on tiny-random-bert:
 *    cold (empty cache: every text encoded and written to disk), warm in memory
 *    (a second featurizer in the same process), and from disk (the in-memory index
 *    dropped, as a new worker or a later sweep starts);
 *  - `transformer` (the TensorFlow.js graph, frozen) cold, for comparison.
 *
 *   node dist/bench/encode-throughput.js [--n 2000] [--max-length 64]
 *
 * The cache goes to a temporary folder (HYBRIDTUNE_CACHE_DIR), removed at the end.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resetFeatureMemory } from '../src/backbones/feature-cache.js';
import type { Featurizer } from '../src/backbones/featurizer.js';
import { createFeaturizer } from '../src/backbones/registry.js';
import { initBackend } from '../src/trainer/tf-backend.js';
import { BenchArgs } from './args.js';

const args = new BenchArgs();
const N = args.int('n', 2000);
const MAX_LENGTH = args.int('max-length', 64);
const FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/tiny-random-bert');
const SST2 = path.resolve(process.cwd(), '../shared/data/sst2/train.tsv');
if (!existsSync(FIXTURE) || !existsSync(SST2)) {
  console.log('needs ../shared/fixtures/tiny-random-bert and ../shared/data/sst2: skipped');
  process.exit(0);
}
const texts = readFileSync(SST2, 'utf8')
  .split('\n')
  .slice(1, N + 1)
  .map((l) => l.split('\t')[0]!.trim())
  .filter(Boolean);

const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'ht-encode-bench-'));
process.env['HYBRIDTUNE_CACHE_DIR'] = cacheDir;

async function run(label: string, make: () => Featurizer, baseline?: number): Promise<number> {
  const f = make();
  const t0 = performance.now();
  await f.fit(texts);
  await f.transform(texts);
  const s = (performance.now() - t0) / 1000;
  const rate = texts.length / s;
  const c = f.cacheCounts?.();
  const cache = c ? `   hits ${String(c.hits).padStart(5)}  misses ${String(c.misses).padStart(5)}  from disk ${String(c.diskHits).padStart(5)}` : '';
  console.log(`  ${label.padEnd(34)} ${rate.toFixed(0).padStart(9)} texts/s ${baseline ? `${(rate / baseline).toFixed(2).padStart(7)}× ngram-hash` : ' '.repeat(18)}${cache}`);
  return rate;
}

function diskBytes(dir: string): number {
  let n = 0;
  for (const d of readdirSync(dir)) {
    const p = path.join(dir, d);
    n += statSync(p).isDirectory() ? diskBytes(p) : statSync(p).size;
  }
  return n;
}

const backend = await initBackend();
console.log(`${texts.length} SST-2 sentences, max length ${MAX_LENGTH}; TensorFlow.js backend ${backend.name}; cache ${cacheDir}`);
try {
  const base = await run('ngram-hash (baseline)', () => createFeaturizer({ name: 'ngram-hash', settings: {} }, { baseDir: '/' }));
  const hf = () => createFeaturizer({ name: 'hf', settings: { model: FIXTURE, 'max-length': MAX_LENGTH } }, { baseDir: '/' });
  // the first load of the ONNX session is not encoding: load it on a text that is not in the set
  await hf().transform(['warm-up text not in the data set']);
  await run('hf, cold (encode + write)', hf, base);
  await run('hf, warm (same process)', hf, base);
  resetFeatureMemory();
  await run('hf, from disk (fresh index)', hf, base);
  const tfjs = () => createFeaturizer({ name: 'transformer', settings: { model: FIXTURE, 'max-length': MAX_LENGTH } }, { baseDir: '/' });
  await run('transformer (tfjs), cold', tfjs, base);
  resetFeatureMemory();
  await run('transformer (tfjs), from disk', tfjs, base);
  console.log(`  cache on disk: ${(diskBytes(cacheDir) / 1024).toFixed(0)} KiB for ${texts.length} texts × 2 namespaces (32 floats + 32-byte hash each)`);
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
