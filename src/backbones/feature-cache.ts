import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * The on-disk cache of a frozen backbone's features, shared by every worker of a
 * sweep and by later sweeps: one folder per namespace (model files' hash, pooling,
 * max length, dtype, ...), holding immutable segment files of (text hash, vector)
 * records. A segment is written to a temporary name and renamed into place, so a
 * reader never sees half a file and a crash loses at most the batch in flight.
 * While one thread encodes for a namespace it holds a lock file there; the others
 * wait for it and then read its segments instead of encoding the same texts again.
 */

const MAGIC = 0x43465448; // 'HTFC' little-endian
const VERSION = 1;
const HEADER = 16;
const HASH_BYTES = 32;

/** `HYBRIDTUNE_CACHE_DIR`, else `.cache/hybridtune/features` in the working directory. */
export function featureCacheRoot(): string {
  const env = process.env['HYBRIDTUNE_CACHE_DIR'];
  return env ? path.resolve(env) : path.resolve('.cache', 'hybridtune', 'features');
}

/** True when HYBRIDTUNE_FEATURE_CACHE=0: features stay in memory only. */
export function diskCacheDisabled(): boolean {
  return /^(0|false|no|off)$/i.test(process.env['HYBRIDTUNE_FEATURE_CACHE'] ?? '');
}

export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Where cached vectors came from, counted per request. */
export interface CacheCounts {
  /** Texts served without running the encoder (memory or disk). */
  hits: number;
  /** Texts run through the encoder (each distinct text once). */
  misses: number;
  /** Of the hits: vectors first read from a segment on disk (another worker's or an earlier sweep's). */
  diskHits: number;
}

export function emptyCounts(): CacheCounts {
  return { hits: 0, misses: 0, diskHits: 0 };
}

export function addCounts(a: CacheCounts, b: CacheCounts): CacheCounts {
  return { hits: a.hits + b.hits, misses: a.misses + b.misses, diskHits: a.diskHits + b.diskHits };
}

export interface EncodeProgress {
  /** Namespace label, e.g. `hf:tiny-random-bert mean/128/fp32`. */
  label: string;
  done: number;
  total: number;
}

interface Entry {
  vec: Float32Array;
  /** True until the first request that uses it, when it was read from disk. */
  fromDisk: boolean;
}

const LOCK_STALE_MS = 60_000;
const POLL_MS = 50;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One namespace of the cache, in one thread: an index over the segments read so far, plus what this thread encoded. */
export class FeatureNamespace {
  readonly dir: string | undefined;
  private readonly index = new Map<string, Entry>();
  private readonly seen = new Set<string>();

  constructor(
    readonly key: string,
    readonly dims: number,
    readonly label: string,
    root: string | undefined,
    meta: Record<string, unknown> = {},
  ) {
    if (root) {
      this.dir = path.join(root, createHash('sha256').update(key).digest('hex').slice(0, 32));
      mkdirSync(this.dir, { recursive: true });
      const metaFile = path.join(this.dir, 'namespace.json');
      if (!existsSync(metaFile)) atomicWrite(metaFile, JSON.stringify({ key, dims, label, ...meta }, null, 1) + '\n');
    }
  }

  get size(): number {
    return this.index.size;
  }

  /** Reads segments written since the last scan (by any thread or process). */
  scan(): void {
    if (!this.dir) return;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.endsWith('.seg') || this.seen.has(name)) continue;
      this.seen.add(name);
      try {
        this.readSegment(path.join(this.dir, name));
      } catch {
        // a damaged segment is ignored: its texts are encoded again
      }
    }
  }

  private readSegment(file: string): void {
    const buf = readFileSync(file);
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== VERSION) throw new Error('not a segment');
    const dims = dv.getUint32(8, true);
    const count = dv.getUint32(12, true);
    if (dims !== this.dims || buf.length !== HEADER + count * (HASH_BYTES + dims * 4)) throw new Error('bad segment size');
    // one copy per segment, into shared memory, so vectors can be posted to other threads without copying
    const floats = new Float32Array(new SharedArrayBuffer(count * dims * 4));
    const off = HEADER + count * HASH_BYTES;
    new Uint8Array(floats.buffer).set(buf.subarray(off, off + count * dims * 4));
    for (let i = 0; i < count; i++) {
      const h = buf.subarray(HEADER + i * HASH_BYTES, HEADER + (i + 1) * HASH_BYTES).toString('hex');
      if (!this.index.has(h)) this.index.set(h, { vec: floats.subarray(i * dims, (i + 1) * dims), fromDisk: true });
    }
  }

  get(hash: string): Float32Array | undefined {
    return this.index.get(hash)?.vec;
  }

  /** Marks a hit and says whether it was the vector's first use since it was read from disk. */
  touch(hash: string): boolean {
    const e = this.index.get(hash);
    if (!e?.fromDisk) return false;
    e.fromDisk = false;
    return true;
  }

  /** Adds freshly encoded vectors and writes them as one segment. */
  add(hashes: readonly string[], vectors: Float32Array): void {
    const d = this.dims;
    const own = new Float32Array(new SharedArrayBuffer(hashes.length * d * 4));
    own.set(vectors.subarray(0, hashes.length * d));
    hashes.forEach((h, i) => this.index.set(h, { vec: own.subarray(i * d, (i + 1) * d), fromDisk: false }));
    if (!this.dir) return;
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(VERSION, 4);
    header.writeUInt32LE(d, 8);
    header.writeUInt32LE(hashes.length, 12);
    const hashBuf = Buffer.concat(hashes.map((h) => Buffer.from(h, 'hex')));
    const name = `${Date.now().toString(36)}-${process.pid}-${threadId}-${Math.floor(performance.now() * 1000).toString(36)}.seg`;
    this.seen.add(name);
    atomicWrite(path.join(this.dir, name), Buffer.concat([header, hashBuf, Buffer.from(own.buffer)]));
  }

  /**
   * Runs `work` while holding this namespace's lock (when there is a disk cache),
   * so that two workers do not encode the same texts at once.
   */
  withLock<T>(work: (refresh: () => void) => Promise<T>): Promise<T> {
    return this.dir ? withDirLock(this.dir, work) : work(() => {});
  }
}

/**
 * Runs `work` while holding `dir/encoding.lock` (created exclusively; it names the
 * holder). Others poll until it is gone. A lock whose holder stopped refreshing it
 * (`refresh()` touches it) for a minute is taken over: its holder died.
 */
export async function withDirLock<T>(dir: string, work: (refresh: () => void) => Promise<T>): Promise<T> {
  const lock = path.join(dir, 'encoding.lock');
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) unlinkSync(lock);
      } catch {
        // released meanwhile
      }
      await sleep(POLL_MS);
      continue;
    }
    writeSync(fd, `${process.pid}:${threadId}\n`);
    closeSync(fd);
    break;
  }
  const refresh = () => {
    try {
      const t = new Date();
      utimesSync(lock, t, t);
    } catch {
      // removed as stale: the work goes on, and at worst a text is encoded twice
    }
  };
  try {
    return await work(refresh);
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already gone
    }
  }
}

export function atomicWrite(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}-${threadId}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

const namespaces = new Map<string, FeatureNamespace>();

/** The process's (thread's) view of a namespace; one per key and cache root. */
export function featureNamespace(key: string, dims: number, label: string, meta: Record<string, unknown> = {}): FeatureNamespace {
  const root = diskCacheDisabled() ? undefined : featureCacheRoot();
  const id = `${root ?? ''}|${key}`;
  let ns = namespaces.get(id);
  if (!ns) namespaces.set(id, (ns = new FeatureNamespace(key, dims, label, root, meta)));
  return ns;
}

/** Forgets every in-memory index (tests use it to act like a fresh process). */
export function resetFeatureMemory(): void {
  namespaces.clear();
  assembled.clear();
}

export type BatchEncoder = (texts: readonly string[]) => Promise<Float32Array>;

export interface CachedEncodeOptions {
  batchSize: number;
  onProgress?: (p: EncodeProgress) => void;
  /** How many encoded texts to collect before writing a segment. */
  segmentSize?: number;
}

/**
 * Vectors for `texts` (row-major n × dims), encoding only what no cache has.
 * Returns the same read-only array for the same text list in the same namespace
 * (validation texts, unaugmented training texts), so trials share it instead of copying.
 */
export async function cachedEncode(ns: FeatureNamespace, texts: readonly string[], encode: BatchEncoder, opts: CachedEncodeOptions): Promise<{ data: Float32Array; counts: CacheCounts }> {
  const hashes = texts.map(textHash);
  const listKey = `${ns.key}|${createHash('sha256').update(hashes.join('')).digest('hex')}`;
  const memo = assembled.get(listKey);
  const counts = emptyCounts();
  if (memo) {
    counts.hits = texts.length;
    assembled.delete(listKey);
    assembled.set(listKey, memo);
    return { data: memo, counts };
  }
  const missingOf = () => [...new Set(hashes.filter((h) => !ns.get(h)))];
  if (missingOf().length > 0) ns.scan();
  if (missingOf().length > 0) {
    await ns.withLock(async (refresh) => {
      ns.scan(); // another worker may have encoded them while we waited
      const missing = missingOf();
      if (missing.length === 0) return;
      const textOf = new Map<string, string>();
      hashes.forEach((h, i) => textOf.set(h, texts[i]!));
      const segmentSize = opts.segmentSize ?? 4096;
      let pendingHashes: string[] = [];
      let pending: Float32Array[] = [];
      const flush = () => {
        if (pendingHashes.length === 0) return;
        const all = new Float32Array(pendingHashes.length * ns.dims);
        let o = 0;
        for (const p of pending) {
          all.set(p, o);
          o += p.length;
        }
        ns.add(pendingHashes, all);
        pendingHashes = [];
        pending = [];
        refresh();
      };
      for (let i = 0; i < missing.length; i += opts.batchSize) {
        const batch = missing.slice(i, i + opts.batchSize);
        const vecs = await encode(batch.map((h) => textOf.get(h)!));
        if (vecs.length !== batch.length * ns.dims) throw new Error(`encoder returned ${vecs.length} values for ${batch.length} texts of ${ns.dims} dims`);
        pendingHashes.push(...batch);
        pending.push(vecs);
        counts.misses += batch.length;
        if (pendingHashes.length >= segmentSize) flush();
        else refresh(); // a slow encoder must still look alive to the workers waiting for the lock
        opts.onProgress?.({ label: ns.label, done: Math.min(missing.length, i + batch.length), total: missing.length });
      }
      flush();
    });
  }
  const d = ns.dims;
  const data = new Float32Array(new SharedArrayBuffer(texts.length * d * 4));
  for (let i = 0; i < texts.length; i++) {
    const h = hashes[i]!;
    data.set(ns.get(h)!, i * d);
    if (ns.touch(h)) counts.diskHits++;
  }
  // each distinct text encoded now is a miss; every other requested text was served from a cache
  counts.hits = texts.length - counts.misses;
  remember(listKey, data);
  return { data, counts };
}

// Assembled matrices by (namespace, text list), least recently used first, within a byte budget.
const assembled = new Map<string, Float32Array>();
const ASSEMBLED_BUDGET = 512 * 1024 * 1024;

function remember(key: string, data: Float32Array): void {
  assembled.set(key, data);
  let bytes = 0;
  for (const v of assembled.values()) bytes += v.byteLength;
  for (const [k, v] of assembled) {
    if (bytes <= ASSEMBLED_BUDGET || assembled.size <= 1) break;
    assembled.delete(k);
    bytes -= v.byteLength;
  }
}

/** A study's feature-cache counts: the sum over its trials that used a cached backbone (for `status --json`). */
export function studyCacheCounts(trials: ReadonlyArray<{ metrics?: { featureCache?: CacheCounts } }>): CacheCounts & { trials: number } {
  const sum = { ...emptyCounts(), trials: 0 };
  for (const t of trials) {
    const c = t.metrics?.featureCache;
    if (!c) continue;
    sum.trials++;
    sum.hits += c.hits;
    sum.misses += c.misses;
    sum.diskHits += c.diskHits;
  }
  return sum;
}
