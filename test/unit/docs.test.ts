import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import yargs from 'yargs';
import { statusOptions } from '../../src/cli/status.js';
import { sweepOptions } from '../../src/cli/sweep.js';
import { BACKENDS } from '../../src/execution/registry.js';
import { SAMPLERS } from '../../src/samplers/registry.js';
import { SCHEDULERS } from '../../src/schedulers/registry.js';
import { settingKeys } from '../../src/strategies/registry.js';

const readme = readFileSync('README.md', 'utf8');

describe('README stays true to the code', () => {
  it('documents every search-space key of the strategy registry', () => {
    const missing = [...settingKeys().keys()].filter((k) => !readme.includes(`\`${k}\``));
    assert.deepEqual(missing, []);
  });

  it('names every sampler and scheduler', () => {
    for (const name of [...Object.keys(SAMPLERS), ...Object.keys(SCHEDULERS)]) assert.ok(readme.includes(`\`${name}\``), name);
  });

  it('gives the two set-up commands first, and the test command is the one CI runs', () => {
    const setup = readme.slice(readme.indexOf('## Set-up'));
    const block = /```sh\n([\s\S]*?)```/.exec(setup)![1]!.trim().split('\n');
    assert.deepEqual(block, ['npm ci && npx hybridtune sweep search-spaces/quickstart.yaml', 'npm test']);
    assert.match(readFileSync('.ci/run', 'utf8'), /^npm test$/m);
  });

  it('documents every command and sweep flag', () => {
    for (const c of ['sweep', 'status', 'report', 'export', 'predict', 'train', 'strategies']) assert.ok(readme.includes(`### \`hybridtune ${c}`), c);
    for (const f of ['--name', '--n-trials', '--sampler', '--scheduler', '--workers', '--seed', '--timeout', '--backend', '--no-report', '--resume', '--json', '--out', '--trial', '--text', '--input', '--output', '--text-column', '--print', '--data', '--validation', '--validation-split', '--label-column', '--trials-dir', '--reports-dir', '--devices', '--trials-per-device', '--max-epochs-total', '--trial-timeout', '--max-failures', '--stale-trials', '--worker-memory', 'HYBRIDTUNE_TEST_FAULT']) {
      assert.ok(readme.includes(f), f);
    }
  });

  it('names every flag the sweep and status commands accept, and every execution backend', () => {
    // yargs keeps its parsed option table behind getOptions(), which its types do not declare
    const flags = (o: unknown) => Object.keys((o as { getOptions(): { key: Record<string, unknown> } }).getOptions().key).filter((k) => !['help', 'version', 'space', 'study'].includes(k));
    for (const f of flags(sweepOptions(yargs([])))) assert.ok(readme.includes(f === 'report' ? '`--no-report`' : `\`--${f}`), `sweep --${f}`);
    for (const f of flags(statusOptions(yargs([])))) assert.ok(readme.includes(`--${f}`), `status --${f}`);
    for (const b of Object.keys(BACKENDS)) assert.ok(readme.includes(`\`${b}\``), b);
  });
});
