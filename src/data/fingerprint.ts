/**
 * Content hashes for data sets: what the study record, the feature cache and
 * the report use to tell whether two runs saw the same examples.
 */
import { createHash } from 'node:crypto';

export type HashPart = string | number | boolean | null | undefined | Uint8Array;

/** Hex sha256 of bytes, or of a string's UTF-8 encoding. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Hex sha256 over several parts. Each part is tagged with its type and
 * length-prefixed, so `['ab', 'c']`, `['a', 'bc']` and `['1']` vs `[1]` all
 * hash differently.
 */
export function combineHashes(parts: readonly HashPart[]): string {
  const h = createHash('sha256');
  for (const part of parts) {
    let tag: string;
    let body: Uint8Array | string;
    if (part instanceof Uint8Array) {
      tag = 'b';
      body = part;
    } else if (typeof part === 'string') {
      tag = 's';
      body = part;
    } else {
      tag = 'v';
      body = part === undefined ? 'undefined' : JSON.stringify(part);
    }
    const byteLength = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.byteLength;
    h.update(`${tag}${byteLength}:`);
    h.update(body);
  }
  return h.digest('hex');
}
