/** A sampler made for one scheduler says so when a sweep pairs it with another (bohb + fifo). */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runCli, tempDir, write } from '../helpers/cli.js';
import { smallSpaceYaml, writeSmallSpam } from '../helpers/small-task.js';

describe('sampler advice on the scheduler', () => {
  it('bohb with fifo runs and prints a note; with hyperband it prints none', { timeout: 120_000 }, async () => {
    const dir = tempDir('ht-e2e-advice-');
    try {
      writeSmallSpam(dir);
      write(dir, 'b.yaml', smallSpaceYaml('b', 3));
      const fifo = await runCli(['sweep', 'b.yaml', '--name', 'fifo', '--sampler', 'bohb', '--scheduler', 'fifo', '--no-report'], dir);
      assert.equal(fifo.code, 0, fifo.stderr);
      assert.match(fifo.stderr, /note: bohb with scheduler fifo: every trial trains all its epochs.*use scheduler hyperband/);
      const hb = await runCli(['sweep', 'b.yaml', '--name', 'hb', '--sampler', 'bohb', '--scheduler', 'hyperband', '--no-report'], dir);
      assert.equal(hb.code, 0, hb.stderr);
      assert.doesNotMatch(hb.stderr, /note: bohb/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
