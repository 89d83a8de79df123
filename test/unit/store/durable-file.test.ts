import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { acquireStudyLock, DurableJsonFile, LOCK_FILE, lockHolder, releaseStudyLock } from '../../../src/store/index.js';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'ht-durable-'));
  dirs.push(d);
  return d;
}

describe('DurableJsonFile', () => {
  it('reads null for a missing file, and what was written', async () => {
    const f = new DurableJsonFile<{ n: number }>(path.join(tmp(), 'a.json'));
    assert.equal(await f.read(), null);
    await f.write({ n: 1 });
    assert.deepEqual(await f.read(), { n: 1 });
  });

  it('merges writes that arrive while one is in flight: every caller resolves, the last data wins, no temp file is left', async () => {
    const dir = tmp();
    const f = new DurableJsonFile<{ n: number }>(path.join(dir, 'b.json'));
    const data = { n: 0 };
    const pending: Array<Promise<void>> = [];
    for (let i = 1; i <= 50; i++) {
      data.n = i; // the caller changes its data right after the call: what was passed is what is written
      pending.push(f.write({ ...data }));
    }
    await Promise.all(pending);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'b.json'), 'utf8')), { n: 50 });
    assert.deepEqual(readdirSync(dir), ['b.json']);
  });

  it('a half-written temp file (a kill mid-write) never replaces the file', async () => {
    const dir = tmp();
    const f = new DurableJsonFile<{ n: number }>(path.join(dir, 'c.json'));
    await f.write({ n: 1 });
    writeFileSync(path.join(dir, '.c.json.tmp'), '{"n": 2, "tru');
    assert.deepEqual(await f.read(), { n: 1 });
    await f.write({ n: 3 });
    assert.deepEqual(await f.read(), { n: 3 });
  });
});

describe('study lock', () => {
  it('is exclusive: a second taker in this process is told it holds it; release removes only its own', () => {
    const dir = tmp();
    assert.deepEqual(acquireStudyLock(dir), {});
    assert.equal(lockHolder(dir), process.pid);
    assert.deepEqual(acquireStudyLock(dir), {});
    writeFileSync(path.join(dir, LOCK_FILE), '1'); // pid 1 (init) is alive and not us
    assert.throws(
      () => acquireStudyLock(dir),
      (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.STUDY_LOCKED && /process 1\b/.test(e.message),
    );
    releaseStudyLock(dir);
    assert.equal(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), '1', "somebody else's lock stays");
  });

  it('takes over an empty or unreadable lock (a kill between create and write)', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, LOCK_FILE), '');
    assert.deepEqual(acquireStudyLock(dir), {});
    assert.equal(lockHolder(dir), process.pid);
    releaseStudyLock(dir);
    assert.equal(existsSync(path.join(dir, LOCK_FILE)), false);
  });

  it('of several processes racing for a free lock, exactly one gets it', async () => {
    const dir = tmp();
    const mod = path.resolve('dist/src/store/lowdb-store.js');
    // the winner holds the lock (stays alive) until the test has heard from everybody
    const code = `import(${JSON.stringify(mod)}).then((m) => { try { m.acquireStudyLock(${JSON.stringify(dir)}); console.log('got'); setTimeout(() => {}, 60000); } catch (e) { console.log(e.code ?? e.message); } })`;
    const children = Array.from({ length: 6 }, () => spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const outputs = await Promise.all(
      children.map(
        (c) =>
          new Promise<string>((resolve) => {
            let out = '';
            c.stdout!.on('data', (d: Buffer) => {
              out += d.toString();
              if (out.includes('\n')) resolve(out.trim());
            });
            c.on('exit', () => resolve(out.trim()));
          }),
      ),
    );
    for (const c of children) c.kill();
    assert.equal(outputs.filter((o) => o === 'got').length, 1, outputs.join(' | '));
    assert.equal(outputs.filter((o) => o === ERROR_CODES.STUDY_LOCKED).length, 5, outputs.join(' | '));
  });
});
