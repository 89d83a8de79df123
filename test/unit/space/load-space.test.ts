import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError, type ErrorCode } from '../../../src/errors.js';
import { SAMPLERS } from '../../../src/samplers/registry.js';
import { SCHEDULERS } from '../../../src/schedulers/registry.js';
import { loadSpace, parseSpace } from '../../../src/space/load-space.js';
import { contains } from '../../../src/space/distributions.js';

const FILE = '/spaces/test.yaml';
const TASK = ['task:', '  data:', '    train: data.csv', '  text: text', '  label: label'];

/** A space file: the task section, then `lines`. */
function spaceText(...lines: string[]): string {
  return [...TASK, ...lines].join('\n') + '\n';
}

/** The 1-based line of the first line that contains `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' not in the text`);
  return i + 1;
}

/** Parses `text`, expecting a HybridTuneError with `code`; returns it for further checks. */
function parseError(text: string, code: ErrorCode): HybridTuneError {
  let caught: unknown;
  try {
    parseSpace(text, FILE);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof HybridTuneError, `expected a HybridTuneError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.describe());
  assert.equal(caught.details.file, FILE);
  return caught;
}

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});
function tmpFile(name: string, text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hybridtune-space-'));
  tmpDirs.push(dir);
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const VALID = [
  'name: demo',
  'seed: 5',
  ...TASK,
  'search:',
  '  backbone.ngram-hash.dims: 4096',
  '  balance.focal.gamma: { float: [0.5, 3.0] }',
  '  balance: { choices: [none, focal, class-weight] }',
  '  optimizer.lr: { float: [0.001, 0.1], log: true }',
  '  optimizer.epochs: { int: [2, 10], step: 2 }',
  '  head.mlp.width: { int: [16, 128], log: true, when: { balance: [none, focal] } }',
  '  head: { choices: [linear, mlp] }',
  '  optimizer: { choices: [adam, sgd] }',
  '  regularize.dropout: { float: [0.0, 0.5], when: { optimizer: sgd } }',
  '  regularize.patience: 2',
  'forbidden:',
  '  - { head: mlp, optimizer: sgd }',
  '  - { balance: [focal, class-weight], head: mlp }',
].join('\n');

describe('parseSpace: a valid space', () => {
  const config = parseSpace(VALID, FILE);
  const { space } = config;
  const spec = (key: string) => {
    const s = space.params.find((p) => p.key === key);
    assert.ok(s, `no param ${key}`);
    return s;
  };

  it('reads the task, the defaults of the sweep, name and seed', () => {
    assert.equal(config.name, 'demo');
    assert.equal(config.seed, 5);
    assert.equal(config.file, FILE);
    assert.equal(config.task.data.train, 'data.csv');
    assert.equal(config.task.text, 'text');
    assert.equal(config.task.label, 'label');
    assert.equal(config.task.metric, 'macro-f1');
    assert.equal(config.sweep.sampler, 'random');
    assert.equal(config.sweep.scheduler, 'fifo');
    assert.equal(config.sweep.nTrials, 20);
  });

  it('puts fixed values in space.fixed and only ranges in space.params', () => {
    assert.deepEqual(space.fixed, { 'backbone.ngram-hash.dims': 4096, 'regularize.patience': 2 });
    assert.deepEqual(
      space.params.map((p) => p.key).sort(),
      ['balance', 'balance.focal.gamma', 'head', 'head.mlp.width', 'optimizer', 'optimizer.epochs', 'optimizer.lr', 'regularize.dropout'].sort(),
    );
  });

  it('builds the distributions as written', () => {
    assert.deepEqual(spec('balance').dist, { kind: 'categorical', choices: ['none', 'focal', 'class-weight'] });
    assert.deepEqual(spec('optimizer.lr').dist, { kind: 'float', low: 0.001, high: 0.1, log: true });
    assert.deepEqual(spec('optimizer.epochs').dist, { kind: 'int', low: 2, high: 10, log: false, step: 2 });
    assert.deepEqual(spec('head.mlp.width').dist, { kind: 'int', low: 16, high: 128, log: true, step: 1 });
    assert.ok(contains(spec('balance.focal.gamma').dist, 0.5) && contains(spec('balance.focal.gamma').dist, 3));
  });

  it('conditions a strategy setting on its strategy being chosen, and adds explicit `when` conditions', () => {
    assert.deepEqual(spec('balance.focal.gamma').conditions, [{ key: 'balance', values: ['focal'] }]);
    assert.deepEqual(spec('head.mlp.width').conditions, [
      { key: 'head', values: ['mlp'] },
      { key: 'balance', values: ['none', 'focal'] },
    ]);
    assert.deepEqual(spec('regularize.dropout').conditions, [{ key: 'optimizer', values: ['sgd'] }]);
    assert.deepEqual(spec('optimizer.lr').conditions, []);
  });

  it('orders params parents first, keeping the file order otherwise', () => {
    const order = space.params.map((p) => p.key);
    for (const p of space.params) {
      for (const c of p.conditions) {
        assert.ok(order.indexOf(c.key) < order.indexOf(p.key), `${c.key} must come before ${p.key} in ${order.join(', ')}`);
      }
    }
    // roots in file order, then the dependants in file order
    assert.deepEqual(order, ['balance', 'optimizer.lr', 'optimizer.epochs', 'head', 'optimizer', 'balance.focal.gamma', 'head.mlp.width', 'regularize.dropout']);
  });

  it('reads forbidden combinations, single values as one-element lists', () => {
    assert.deepEqual(space.forbidden, [
      { head: ['mlp'], optimizer: ['sgd'] },
      { balance: ['focal', 'class-weight'], head: ['mlp'] },
    ]);
  });

  it('drops a condition that a fixed value satisfies once and for all', () => {
    const c = parseSpace(spaceText('search:', '  optimizer: sgd', '  optimizer.sgd.momentum: { float: [0.5, 0.9] }'), FILE);
    assert.deepEqual(c.space.fixed, { optimizer: 'sgd' });
    assert.deepEqual(c.space.params, [{ key: 'optimizer.sgd.momentum', dist: { kind: 'float', low: 0.5, high: 0.9, log: false }, conditions: [] }]);
  });

  it('reads the sweep section and takes the name from the file when there is none', () => {
    const c = parseSpace(spaceText('sweep:', '  sampler: grid', '  n-trials: 7', '  sampler-options: { float-points: 2 }'), '/x/my-space.yaml');
    assert.equal(c.name, 'my-space');
    assert.equal(c.seed, 0);
    assert.equal(c.sweep.sampler, 'grid');
    assert.equal(c.sweep.nTrials, 7);
    assert.deepEqual(c.sweep.samplerOptions, { 'float-points': 2 });
    assert.deepEqual(c.space, { params: [], fixed: {}, forbidden: [] });
  });
});

describe('loadSpace', () => {
  it('loads a file from disk with the same result as parseSpace', () => {
    const file = tmpFile('demo.yaml', VALID);
    const loaded = loadSpace(file);
    assert.deepEqual(loaded, parseSpace(VALID, file));
    assert.equal(loaded.file, file);
  });

  it('names a missing file with E_FILE_NOT_FOUND', () => {
    const missing = path.join(os.tmpdir(), 'hybridtune-no-such-dir', 'nope.yaml');
    assert.throws(() => loadSpace(missing), (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.FILE_NOT_FOUND && e.details.file === missing);
  });

  it('reports errors against the file path it was given', () => {
    const text = spaceText('serach:', '  optimizer: adam');
    const file = tmpFile('bad.yaml', text);
    assert.throws(
      () => loadSpace(file),
      (e: unknown) => e instanceof HybridTuneError && e.code === ERROR_CODES.UNKNOWN_KEY && e.details.file === file && e.details.line === lineOf(text, 'serach'),
    );
  });

  it('loads every shipped space in search-spaces/', () => {
    const dir = path.resolve(process.cwd(), 'search-spaces');
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length >= 1, 'no shipped spaces found');
    for (const f of files) {
      const c = loadSpace(path.join(dir, f));
      assert.ok(c.space.params.length > 0, `${f} searches nothing`);
      assert.ok(c.sweep.sampler in SAMPLERS, `${f}: sampler ${c.sweep.sampler}`);
      assert.ok(c.sweep.scheduler in SCHEDULERS, `${f}: scheduler ${c.sweep.scheduler}`);
    }
  });
});

describe('parseSpace: errors have a stable code, the line and the key', () => {
  it('YAML syntax error → E_YAML_SYNTAX at the bad line', () => {
    const text = spaceText('search:', '  optimizer: adam', '  head: mlp: wide');
    const e = parseError(text, ERROR_CODES.YAML_SYNTAX);
    assert.equal(e.details.line, lineOf(text, 'head: mlp'));
    assert.ok(typeof e.details.column === 'number');
  });

  it('duplicate key and tab indentation are YAML errors at their line', () => {
    const dup = spaceText('search:', '  optimizer: adam', '  optimizer: sgd');
    assert.equal(parseError(dup, ERROR_CODES.YAML_SYNTAX).details.line, lineOf(dup, 'optimizer: sgd'));
    const tab = spaceText('search:', '\toptimizer: adam');
    assert.equal(parseError(tab, ERROR_CODES.YAML_SYNTAX).details.line, lineOf(tab, '\toptimizer'));
  });

  it('unknown top-level key → E_UNKNOWN_KEY at its line', () => {
    const text = spaceText('seed: 3', 'serach:', '  optimizer: adam');
    const e = parseError(text, ERROR_CODES.UNKNOWN_KEY);
    assert.equal(e.details.line, lineOf(text, 'serach'));
    assert.equal(e.details.key, 'serach');
    assert.match(e.details.expected ?? '', /search/);
  });

  it('unknown key inside task.data → E_UNKNOWN_KEY at its line', () => {
    const text = ['task:', '  data:', '    train: a.csv', '    trian: b.csv', '  text: t', '  label: l'].join('\n');
    const e = parseError(text, ERROR_CODES.UNKNOWN_KEY);
    assert.equal(e.details.line, 4);
    assert.equal(e.details.key, 'task.data.trian');
  });

  it('unknown setting of a known strategy → E_UNKNOWN_KEY with a "did you mean"', () => {
    const text = spaceText('search:', '  balance: focal', '  balance.focal.gama: 2');
    const e = parseError(text, ERROR_CODES.UNKNOWN_KEY);
    assert.equal(e.details.key, 'balance.focal.gama');
    assert.equal(e.details.line, lineOf(text, 'gama'));
    assert.equal(e.details.hint, "did you mean 'balance.focal.gamma'?");
  });

  it('misspelt family → E_UNKNOWN_KEY with a "did you mean"', () => {
    const text = spaceText('search:', '  optimzer.lr: 0.1');
    const e = parseError(text, ERROR_CODES.UNKNOWN_KEY);
    assert.equal(e.details.key, 'optimzer.lr');
    assert.equal(e.details.line, lineOf(text, 'optimzer'));
    assert.equal(e.details.hint, "did you mean 'optimizer.lr'?");
  });

  it('unknown strategy in a choice list → E_UNKNOWN_STRATEGY listing the strategies', () => {
    const text = spaceText('search:', '  optimizer: adam', '  balance: { choices: [none, adasyn] }');
    const e = parseError(text, ERROR_CODES.UNKNOWN_STRATEGY);
    assert.equal(e.details.key, 'balance');
    assert.equal(e.details.value, 'adasyn');
    assert.equal(e.details.line, lineOf(text, 'adasyn'));
    for (const s of ['none', 'oversample', 'undersample', 'class-weight', 'focal']) assert.ok(e.details.expected?.includes(s), `expected lists ${s}: ${e.details.expected}`);
  });

  it('unknown strategy as a fixed value and in a forbidden entry → E_UNKNOWN_STRATEGY', () => {
    const fixed = spaceText('search:', '  optimizer: adamax');
    assert.equal(parseError(fixed, ERROR_CODES.UNKNOWN_STRATEGY).details.line, lineOf(fixed, 'adamax'));
    const forb = spaceText('search:', '  head: { choices: [linear, mlp] }', 'forbidden:', '  - { head: mlp, optimizer: sgdd }');
    const e = parseError(forb, ERROR_CODES.UNKNOWN_STRATEGY);
    assert.equal(e.details.key, 'optimizer');
    assert.equal(e.details.line, lineOf(forb, 'sgdd'));
  });

  it("value beyond the registry's range → E_OUT_OF_RANGE", () => {
    const text = spaceText('search:', '  optimizer.lr: 0.01', '  regularize.dropout: { float: [0, 1.5] }');
    const e = parseError(text, ERROR_CODES.OUT_OF_RANGE);
    assert.equal(e.details.key, 'regularize.dropout');
    assert.equal(e.details.value, 1.5);
    assert.equal(e.details.line, lineOf(text, 'regularize.dropout'));
    assert.match(e.details.expected ?? '', /0\.9/);
    const fixed = spaceText('search:', '  optimizer.epochs: 0');
    assert.equal(parseError(fixed, ERROR_CODES.OUT_OF_RANGE).details.key, 'optimizer.epochs');
  });

  it('empty range → E_OUT_OF_RANGE', () => {
    for (const range of ['[0.1, 0.1]', '[0.2, 0.1]']) {
      const text = spaceText('search:', `  optimizer.lr: { float: ${range} }`);
      const e = parseError(text, ERROR_CODES.OUT_OF_RANGE);
      assert.equal(e.details.key, 'optimizer.lr');
      assert.equal(e.details.line, lineOf(text, 'optimizer.lr'));
      assert.match(e.message, /empty/);
    }
  });

  it('log range with a lower bound ≤ 0 → E_OUT_OF_RANGE', () => {
    const text = spaceText('search:', '  regularize.weight-decay: { float: [0, 0.01], log: true }');
    const e = parseError(text, ERROR_CODES.OUT_OF_RANGE);
    assert.equal(e.details.key, 'regularize.weight-decay');
    assert.equal(e.details.line, lineOf(text, 'weight-decay'));
    assert.match(e.details.expected ?? '', /low > 0/);
  });

  it('setting searched but never active → E_SPACE_INVALID naming its strategy key', () => {
    for (const lines of [
      ['search:', '  balance.focal.gamma: { float: [0.5, 2.0] }'],
      ['search:', '  balance: class-weight', '  balance.focal.gamma: { float: [0.5, 2.0] }'],
      ['search:', '  balance: { choices: [none, oversample] }', '  balance.focal.gamma: { float: [0.5, 2.0] }'],
    ]) {
      const text = spaceText(...lines);
      const e = parseError(text, ERROR_CODES.SPACE_INVALID);
      assert.equal(e.details.key, 'balance.focal.gamma');
      assert.equal(e.details.line, lineOf(text, 'balance.focal.gamma'));
      assert.match(e.message, /never active.*balance = focal/);
      assert.match(e.details.expected ?? '', /'balance'/);
    }
  });

  it('never active because of an explicit `when` → the error names the condition that fails', () => {
    const text = spaceText('search:', '  balance: { choices: [none, focal] }', '  balance.focal.gamma: { float: [0.5, 2], when: { optimizer: sgd } }');
    const e = parseError(text, ERROR_CODES.SPACE_INVALID);
    assert.equal(e.details.key, 'balance.focal.gamma');
    assert.match(e.message, /optimizer = sgd/);
    assert.match(e.details.expected ?? '', /'optimizer'/);
  });

  it('fixed setting of a strategy not in use → E_SPACE_INVALID', () => {
    const text = spaceText('search:', '  optimizer: adam', '  optimizer.sgd.momentum: 0.9');
    const e = parseError(text, ERROR_CODES.SPACE_INVALID);
    assert.equal(e.details.key, 'optimizer.sgd.momentum');
    assert.equal(e.details.line, lineOf(text, 'momentum'));
  });

  it('unknown sampler or scheduler → E_BAD_VALUE listing the registry', () => {
    const text = spaceText('sweep:', '  sampler: tpee', 'search:', '  optimizer: adam');
    const e = parseError(text, ERROR_CODES.BAD_VALUE);
    assert.equal(e.details.key, 'sweep.sampler');
    assert.equal(e.details.line, lineOf(text, 'tpee'));
    for (const name of Object.keys(SAMPLERS)) assert.ok(e.details.expected?.includes(name), `expected lists ${name}: ${e.details.expected}`);
    const sched = spaceText('sweep:', '  scheduler: hyperbnd');
    const s = parseError(sched, ERROR_CODES.BAD_VALUE);
    assert.equal(s.details.key, 'sweep.scheduler');
    assert.equal(s.details.line, lineOf(sched, 'hyperbnd'));
    for (const name of Object.keys(SCHEDULERS)) assert.ok(s.details.expected?.includes(name));
  });

  it('int setting given a float range → E_BAD_VALUE suggesting an int range', () => {
    const text = spaceText('search:', '  optimizer.epochs: { float: [1, 5] }');
    const e = parseError(text, ERROR_CODES.BAD_VALUE);
    assert.equal(e.details.key, 'optimizer.epochs');
    assert.equal(e.details.line, lineOf(text, 'optimizer.epochs'));
    assert.equal(e.details.expected, '{int: [1, 5]}');
  });

  it('number range on a categorical or boolean setting → E_BAD_VALUE', () => {
    const text = spaceText('search:', '  augment.eda: { float: [0, 1] }');
    const e = parseError(text, ERROR_CODES.BAD_VALUE);
    assert.equal(e.details.key, 'augment.eda');
    assert.match(e.details.expected ?? '', /false, true/);
  });

  it('missing task → E_SPACE_INVALID naming `task`', () => {
    const e = parseError('name: x\nseed: 1\n', ERROR_CODES.SPACE_INVALID);
    assert.equal(e.details.key, 'task');
    assert.equal(e.details.line, 1);
    const missingLabel = parseError(['task:', '  data:', '    train: a.csv', '  text: t'].join('\n'), ERROR_CODES.SPACE_INVALID);
    assert.equal(missingLabel.details.key, 'task.label');
    // the line where the `task` mapping's content starts
    assert.equal(missingLabel.details.line, 2);
  });

  it('an empty file or a list is not a space → E_SPACE_INVALID', () => {
    parseError('', ERROR_CODES.SPACE_INVALID);
    parseError('- a\n- b\n', ERROR_CODES.SPACE_INVALID);
  });
});
