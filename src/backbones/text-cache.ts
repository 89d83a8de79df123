import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { atomicWrite, diskCacheDisabled, featureCacheRoot, withDirLock } from './feature-cache.js';

/**
 * A disk cache of generated texts (augment.generate), keyed by a hash of everything
 * a generation depends on. Same layout and rules as the feature cache: one folder
 * per namespace under `<feature cache>/generations/`, immutable JSON segments
 * written atomically, a lock while generating so that workers do not repeat each
 * other's work.
 */
export class TextCache {
  readonly dir: string | undefined;
  private readonly index = new Map<string, string>();
  private readonly seen = new Set<string>();

  constructor(key: string, meta: Record<string, unknown> = {}) {
    if (diskCacheDisabled()) return;
    this.dir = path.join(featureCacheRoot(), 'generations', createHash('sha256').update(key).digest('hex').slice(0, 32));
    mkdirSync(this.dir, { recursive: true });
    const metaFile = path.join(this.dir, 'namespace.json');
    if (!existsSync(metaFile)) atomicWrite(metaFile, JSON.stringify({ key, ...meta }, null, 1) + '\n');
  }

  scan(): void {
    if (!this.dir) return;
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.jsonl') || this.seen.has(name)) continue;
      this.seen.add(name);
      try {
        for (const line of readFileSync(path.join(this.dir, name), 'utf8').split('\n')) {
          if (!line) continue;
          const [k, v] = JSON.parse(line) as [string, string];
          if (!this.index.has(k)) this.index.set(k, v);
        }
      } catch {
        // a damaged segment: its generations are made again
      }
    }
  }

  get(key: string): string | undefined {
    return this.index.get(key);
  }

  add(entries: ReadonlyArray<readonly [string, string]>): void {
    for (const [k, v] of entries) this.index.set(k, v);
    if (!this.dir || entries.length === 0) return;
    const name = `${Date.now().toString(36)}-${process.pid}-${threadId}-${Math.floor(performance.now() * 1000).toString(36)}.jsonl`;
    this.seen.add(name);
    atomicWrite(path.join(this.dir, name), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  withLock<T>(work: (refresh: () => void) => Promise<T>): Promise<T> {
    return this.dir ? withDirLock(this.dir, work) : work(() => {});
  }
}

const caches = new Map<string, TextCache>();

export function textCache(key: string, meta: Record<string, unknown> = {}): TextCache {
  const id = `${diskCacheDisabled() ? '' : featureCacheRoot()}|${key}`;
  let c = caches.get(id);
  if (!c) caches.set(id, (c = new TextCache(key, meta)));
  return c;
}

/** Forgets the in-memory indexes (tests: act like a fresh process). */
export function resetTextCaches(): void {
  caches.clear();
}
