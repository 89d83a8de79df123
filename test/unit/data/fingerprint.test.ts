import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineHashes, sha256 } from '../../../src/data/fingerprint.js';

describe('fingerprint', () => {
  it('sha256 matches the known digest and treats a string as its UTF-8 bytes', () => {
    assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256(Buffer.from('café', 'utf8')), sha256('café'));
  });

  it('combineHashes separates parts, types and order', () => {
    const base = combineHashes(['ab', 'c']);
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(combineHashes(['ab', 'c']), base);
    assert.notEqual(combineHashes(['a', 'bc']), base);
    assert.notEqual(combineHashes(['c', 'ab']), base);
    assert.notEqual(combineHashes(['1']), combineHashes([1]));
    assert.notEqual(combineHashes([null]), combineHashes([undefined]));
    assert.notEqual(combineHashes([Buffer.from('x')]), combineHashes(['x']));
  });
});
