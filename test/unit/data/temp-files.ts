/** Temporary data files for the data-layer tests. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const dirs: string[] = [];
after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh folder, removed when the test file ends. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hybridtune-data-'));
  dirs.push(dir);
  return dir;
}

/** Writes `content` to `name` in a fresh folder and returns the absolute path. */
export async function tempFile(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, content);
  return file;
}

/** The shared real data sets, `../shared/data` from the project root. */
export const SHARED_DATA = path.resolve(process.cwd(), '../shared/data');
