import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';
import { parseSpace } from '../../../src/space/load-space.js';
import { DEFAULT_CONFIRM_SEEDS } from '../../../src/space/types.js';

const FILE = '/spaces/confirm.yaml';
const space = (...sweep: string[]) => ['task:', '  data:', '    train: data.csv', '  text: text', '  label: label', 'sweep:', '  n-trials: 4', ...sweep].join('\n') + '\n';

function errorOf(text: string): HybridTuneError {
  try {
    parseSpace(text, FILE);
  } catch (e) {
    assert.ok(e instanceof HybridTuneError, String(e));
    return e;
  }
  assert.fail('expected an error');
}

describe('sweep.confirm-top and sweep.confirm-seeds', () => {
  it('default to off and to the seeds of `hybridtune confirm`', () => {
    const c = parseSpace(space(), FILE);
    assert.equal(c.sweep.confirmTop, 0);
    assert.equal(c.sweep.confirmSeeds, DEFAULT_CONFIRM_SEEDS);
    assert.equal(DEFAULT_CONFIRM_SEEDS, 5);
  });

  it('are read from the sweep section', () => {
    const c = parseSpace(space('  confirm-top: 3', '  confirm-seeds: 2'), FILE);
    assert.equal(c.sweep.confirmTop, 3);
    assert.equal(c.sweep.confirmSeeds, 2);
  });

  it('refuse a negative top, zero seeds or a word, naming the file, line and key', () => {
    const top = errorOf(space('  confirm-top: -1'));
    assert.equal(top.code, ERROR_CODES.SPACE_INVALID);
    assert.equal(top.details.file, FILE);
    assert.equal(top.details.line, 8);
    assert.match(`${top.details.key}`, /confirm-top/);
    const seeds = errorOf(space('  confirm-seeds: 0'));
    assert.match(`${seeds.details.key}`, /confirm-seeds/);
    const word = errorOf(space('  confirm-top: many'));
    assert.match(`${word.details.key}`, /confirm-top/);
    // a misspelt key lists the sweep keys, the new ones among them
    const typo = errorOf(space('  confirm-tops: 2'));
    assert.equal(typo.code, ERROR_CODES.UNKNOWN_KEY);
    assert.match(typo.details.expected ?? '', /confirm-top, confirm-seeds/);
  });
});
