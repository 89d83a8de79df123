import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, HybridTuneError } from '../../../src/errors.js';
import { BUILTIN_NAMES, SPAM_ASSASSIN_MAX_CHARS, loadBuiltin, messageBody } from '../../../src/data/builtin.js';

describe('messageBody', () => {
  it('keeps the text after the first blank line, trimmed and capped', () => {
    const raw = 'From: a@b.c\nSubject: hi\nX-Spam-Status: Yes\n\n  Hello there.\n\nBye.  \n';
    assert.equal(messageBody(raw, 100), 'Hello there.\n\nBye.');
    assert.equal(messageBody('From: a\r\nTo: b\r\n\r\nBody', 100), 'Body');
    assert.equal(messageBody('only headers\nno body', 100), '');
    assert.equal(messageBody('h: 1\n\n' + 'x'.repeat(50), 10), 'x'.repeat(10));
    // A cut through a surrogate pair drops the lone half.
    assert.equal(messageBody('h: 1\n\nab😀', 3), 'ab');
  });
});

describe('builtin spam-assassin', () => {
  it('lists the known sets', () => {
    assert.deepEqual(BUILTIN_NAMES, ['spam-assassin']);
  });

  it('loads 6,046 message bodies labelled ham / spam, without headers', () => {
    const table = loadBuiltin('builtin:spam-assassin');
    assert.equal(table.name, 'spam-assassin');
    assert.deepEqual(table.columns, ['text', 'label']);
    assert.equal(table.rows.length, 6046);
    const counts = new Map<string, number>();
    for (const r of table.rows) counts.set(r.label!, (counts.get(r.label!) ?? 0) + 1);
    // easy-ham-1 2500 + easy-ham-2 1400 + hard-ham-1 250; spam-1 500 + spam-2 1396.
    assert.deepEqual(Object.fromEntries(counts), { ham: 4150, spam: 1896 });
    const withHeaders = table.rows.filter((r) => /^(Return-Path|Received|Delivered-To|X-Spam-[A-Za-z]+):/m.test(r.text!.slice(0, 300)));
    // Quoted replies may repeat a header line or two; raw headers would be in every message.
    assert.ok(withHeaders.length < 20, `${withHeaders.length} bodies start like headers`);
    assert.ok(table.rows.every((r) => r.text!.length <= SPAM_ASSASSIN_MAX_CHARS && r.text === r.text!.trim()));
    assert.match(table.fingerprint, /^[0-9a-f]{64}$/);
    // Cached per process: the same table again.
    assert.equal(loadBuiltin('spam-assassin'), table);
  });

  it('rejects an unknown name and lists the known ones', () => {
    assert.throws(
      () => loadBuiltin('builtin:imdb'),
      (e: unknown) =>
        e instanceof HybridTuneError &&
        e.code === ERROR_CODES.BAD_VALUE &&
        /'imdb'/.test(e.message) &&
        (e.details.expected ?? '').includes('builtin:spam-assassin'),
    );
  });
});
