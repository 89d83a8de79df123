import { open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

/**
 * A lowdb adapter for one JSON file, written atomically and durably: the text goes to a
 * temp file beside it, which is flushed to disk (fsync) and renamed over the file, and
 * the folder is flushed too. A kill at any moment leaves the old or the new file, never
 * a mix; a power cut after a write resolved keeps that write. Like steno (lowdb's
 * default writer), writes that arrive while one is in flight are merged: only the
 * latest text is written next, and every caller's promise resolves once it is on disk.
 */
export class DurableJsonFile<T> implements Adapter<T> {
  private readonly temp: string;
  private writing: Promise<void> | undefined;
  private next: { text: string; done: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;

  constructor(readonly file: string) {
    this.temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return JSON.parse(text) as T;
  }

  write(data: T): Promise<void> {
    // serialise now: the caller may change the data right after this call
    const text = JSON.stringify(data, null, 2);
    if (!this.writing) return this.start(text);
    if (!this.next) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { text, done, resolve, reject };
    } else this.next.text = text;
    return this.next.done;
  }

  private start(text: string): Promise<void> {
    const p = this.flush(text).finally(() => {
      this.writing = undefined;
      const n = this.next;
      this.next = undefined;
      if (n) this.start(n.text).then(n.resolve, n.reject);
    });
    this.writing = p;
    return p;
  }

  private async flush(text: string): Promise<void> {
    const fh = await open(this.temp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(this.temp, this.file);
    await syncDir(path.dirname(this.file));
  }
}

/** Flushes a folder's entries (the rename) to disk; a no-op where folders cannot be opened (Windows). */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // not supported here: the rename is still atomic, only its durability is the OS's
  } finally {
    await fh?.close();
  }
}
