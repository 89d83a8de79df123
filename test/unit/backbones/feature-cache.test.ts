import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { cachedEncode, featureNamespace, resetFeatureMemory, studyCacheCounts } from '../../../src/backbones/feature-cache.js';
import { parseOnnx } from '../../../src/backbones/onnx/proto.js';
import { HfFeaturizer, encoderStats, hfSettingsFrom } from '../../../src/backbones/hf-encoder.js';

const FIXTURE = path.resolve(process.cwd(), '../shared/fixtures/tiny-random-bert');
const skip = existsSync(FIXTURE) ? false : '../shared/fixtures/tiny-random-bert is absent';
const here = path.dirname(fileURLToPath(import.meta.url));
const hfModule = path.resolve(here, '../../../src/backbones/hf-encoder.js');

let root = '';
const saved = process.env['HYBRIDTUNE_CACHE_DIR'];
before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ht-fcache-'));
  process.env['HYBRIDTUNE_CACHE_DIR'] = root;
});
after(() => {
  if (saved === undefined) delete process.env['HYBRIDTUNE_CACHE_DIR'];
  else process.env['HYBRIDTUNE_CACHE_DIR'] = saved;
  rmSync(root, { recursive: true, force: true });
});

/** Runs a child process that encodes `texts` with the fixture and prints its encoder counts. */
function encodeInChild(cacheDir: string, model: string, texts: string[]): Promise<{ encoded: number; hits: number; diskHits: number; first: number[] }> {
  const script = `
    const { HfFeaturizer, encoderStats, hfSettingsFrom } = await import(${JSON.stringify(hfModule)});
    const f = new HfFeaturizer(hfSettingsFrom({ model: ${JSON.stringify(model)}, 'max-length': 32 }), { baseDir: '/' });
    const x = await f.transform(${JSON.stringify(texts)});
    console.log(JSON.stringify({ encoded: encoderStats.encoded, hits: encoderStats.cacheHits, diskHits: encoderStats.diskHits, first: Array.from(x.values.subarray(0, 4)) }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, HYBRIDTUNE_CACHE_DIR: cacheDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err}`));
      const line = out.trim().split('\n').pop()!;
      resolve(JSON.parse(line));
    });
  });
}

describe('feature cache (namespace segments on disk)', () => {
  it('stores vectors by text hash in atomic segment files and serves them to a fresh reader', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-seg-'));
    process.env['HYBRIDTUNE_CACHE_DIR'] = dir;
    try {
      let calls = 0;
      const enc = async (texts: readonly string[]) => {
        calls++;
        return Float32Array.from(texts.flatMap((t) => [t.length, t.charCodeAt(0)]));
      };
      const ns = featureNamespace('unit|a', 2, 'unit');
      const r1 = await cachedEncode(ns, ['ab', 'c', 'ab', 'defg'], enc, { batchSize: 2 });
      assert.deepEqual(Array.from(r1.data), [2, 97, 1, 99, 2, 97, 4, 100]);
      assert.deepEqual(r1.counts, { hits: 1, misses: 3, diskHits: 0 }, 'the repeated text is a hit');
      assert.equal(calls, 2, 'three distinct texts in batches of two');
      const nsDir = readdirSync(dir).map((d) => path.join(dir, d))[0]!;
      const files = readdirSync(nsDir);
      assert.ok(files.includes('namespace.json'));
      assert.equal(files.filter((f) => f.endsWith('.seg')).length, 1);
      assert.equal(files.filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary file left behind');
      // a fresh process (simulated: memory forgotten) reads the segment and encodes nothing
      resetFeatureMemory();
      const ns2 = featureNamespace('unit|a', 2, 'unit');
      const r2 = await cachedEncode(ns2, ['defg', 'c', 'new'], enc, { batchSize: 8 });
      assert.equal(calls, 3, 'only the new text');
      assert.deepEqual(r2.counts, { hits: 2, misses: 1, diskHits: 2 });
      assert.deepEqual(Array.from(r2.data), [4, 100, 1, 99, 3, 110]);
      // the same list again: the assembled matrix itself is reused, not copied
      const r3 = await cachedEncode(ns2, ['defg', 'c', 'new'], enc, { batchSize: 8 });
      assert.equal(r3.data, r2.data);
      assert.deepEqual(r3.counts, { hits: 3, misses: 0, diskHits: 0 });
      assert.ok(r3.data.buffer instanceof SharedArrayBuffer, 'shareable with worker threads without copying');
    } finally {
      process.env['HYBRIDTUNE_CACHE_DIR'] = root;
      resetFeatureMemory();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores a damaged segment and encodes its texts again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-seg-'));
    process.env['HYBRIDTUNE_CACHE_DIR'] = dir;
    try {
      const enc = async (texts: readonly string[]) => Float32Array.from(texts.map((t) => t.length));
      await cachedEncode(featureNamespace('unit|b', 1, 'unit'), ['xyz'], enc, { batchSize: 4 });
      const nsDir = readdirSync(dir).map((d) => path.join(dir, d))[0]!;
      const seg = readdirSync(nsDir).find((f) => f.endsWith('.seg'))!;
      writeFileSync(path.join(nsDir, seg), readFileSync(path.join(nsDir, seg)).subarray(0, 20));
      resetFeatureMemory();
      const r = await cachedEncode(featureNamespace('unit|b', 1, 'unit'), ['xyz'], enc, { batchSize: 4 });
      assert.deepEqual(r.counts, { hits: 0, misses: 1, diskHits: 0 });
      assert.deepEqual(Array.from(r.data), [3]);
    } finally {
      process.env['HYBRIDTUNE_CACHE_DIR'] = root;
      resetFeatureMemory();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sums a study\'s counts over the trials that used a cached backbone', () => {
    const c = (hits: number, misses: number, diskHits: number) => ({ metrics: { featureCache: { hits, misses, diskHits } } });
    assert.deepEqual(studyCacheCounts([c(0, 10, 0), {}, { metrics: {} }, c(10, 0, 10), c(4, 1, 0)]), { hits: 14, misses: 11, diskHits: 10, trials: 3 });
  });

  it('reports progress per encoded batch, up to the number of texts it had to encode', async () => {
    const seen: Array<[number, number]> = [];
    const enc = async (texts: readonly string[]) => new Float32Array(texts.length);
    await cachedEncode(featureNamespace('unit|c', 1, 'unit'), ['a', 'b', 'c', 'd', 'e'], enc, { batchSize: 2, onProgress: (p) => seen.push([p.done, p.total]) });
    assert.deepEqual(seen, [
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
  });
});

describe('hf features through the disk cache (tiny-random-bert)', { skip }, () => {
  const texts = ['a fine movie', 'boring and long', 'the best of the year', 'not good'];

  it('two featurizer instances share the cache: the second encodes nothing', async () => {
    resetFeatureMemory();
    const before = encoderStats.encoded;
    const a = new HfFeaturizer(hfSettingsFrom({ model: FIXTURE, 'max-length': 32 }), { baseDir: '/' });
    const xa = await a.transform(texts);
    assert.equal(encoderStats.encoded - before, 4);
    assert.deepEqual(a.cacheCounts(), { hits: 0, misses: 4, diskHits: 0 });
    const b = new HfFeaturizer(hfSettingsFrom({ model: FIXTURE, 'max-length': 32 }), { baseDir: '/' });
    const xb = await b.transform([...texts].reverse());
    assert.equal(encoderStats.encoded - before, 4, 'no new encoder call');
    assert.deepEqual(b.cacheCounts(), { hits: 4, misses: 0, diskHits: 0 });
    assert.deepEqual(xb.values.subarray(0, 32), xa.values.subarray(96, 128));
    // another pooling is another namespace
    const c = new HfFeaturizer(hfSettingsFrom({ model: FIXTURE, 'max-length': 32, pooling: 'cls' }), { baseDir: '/' });
    await c.transform(texts);
    assert.deepEqual(c.cacheCounts(), { hits: 0, misses: 4, diskHits: 0 });
  });

  it('a second process reads the features from disk and encodes no text', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-proc-'));
    try {
      const first = await encodeInChild(dir, FIXTURE, texts);
      assert.equal(first.encoded, 4);
      const second = await encodeInChild(dir, FIXTURE, [...texts, texts[0]!]);
      assert.deepEqual({ encoded: second.encoded, hits: second.hits, diskHits: second.diskHits }, { encoded: 0, hits: 5, diskHits: 4 });
      assert.deepEqual(second.first, first.first, 'the same vectors');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('two processes started together encode each text once between them (the namespace lock)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-lock-'));
    try {
      const many = Array.from({ length: 200 }, (_, i) => `sentence number ${i} , a good one`);
      const [a, b] = await Promise.all([encodeInChild(dir, FIXTURE, many), encodeInChild(dir, FIXTURE, many)]);
      assert.equal(a.encoded + b.encoded, 200, `encoded ${a.encoded} + ${b.encoded}`);
      assert.equal(a.hits + b.hits, 200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('changed model files are another namespace: their features are encoded again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ht-inval-'));
    try {
      const copy = path.join(dir, 'bert');
      cpSync(FIXTURE, copy, { recursive: true });
      resetFeatureMemory();
      const f1 = new HfFeaturizer(hfSettingsFrom({ model: copy, 'max-length': 32 }), { baseDir: '/' });
      const x1 = await f1.transform(texts);
      assert.deepEqual(f1.cacheCounts(), { hits: 4, misses: 0, diskHits: 4 }, 'keyed by content, not by path: the copy reuses the fixture\'s features');
      // change the weights: the high byte of the first float of the query matrix
      const onnx = path.join(copy, 'onnx', 'model.onnx');
      const bytes = readFileSync(onnx);
      const q = parseOnnx(bytes).initializers.get('q.W')!.raw!;
      bytes[q.byteOffset - bytes.byteOffset + 3] = bytes[q.byteOffset - bytes.byteOffset + 3]! ^ 0x08;
      writeFileSync(onnx, bytes);
      const f2 = new HfFeaturizer(hfSettingsFrom({ model: copy, 'max-length': 32 }), { baseDir: '/' });
      const x2 = await f2.transform(texts);
      assert.notEqual(f2.namespaceKey(), f1.namespaceKey());
      assert.deepEqual(f2.cacheCounts(), { hits: 0, misses: 4, diskHits: 0 });
      assert.notDeepEqual(Array.from(x2.values), Array.from(x1.values), 'encoded by the changed model');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
