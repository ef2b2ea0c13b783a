import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId, textHash } from './ids';

/** FNV-1a 64 in BigInt arithmetic, straight from the definition: the reference for the 32-bit version. */
function referenceHash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text))
    h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h.toString(16).padStart(16, '0');
}

describe('textHash', () => {
  it('matches the FNV-1a 64-bit reference value', () => {
    expect(textHash('hello')).toBe('a430d84680aabd0b');
    expect(textHash('')).toBe('cbf29ce484222325');
  });
  it('gives the digits of the BigInt definition for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.string({ unit: 'grapheme', maxLength: 50 }),
          fc.string({ unit: 'binary-ascii', maxLength: 50 }),
          // Any UTF-16 code units, so lone and swapped surrogates come up too.
          fc.string({
            unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
            maxLength: 50,
          }),
        ),
        (text) => textHash(text) === referenceHash(text),
      ),
      {
        numRuns: 2000,
      },
    );
  });
  it('hashes lone surrogates as TextEncoder encodes them (U+FFFD)', () => {
    for (const text of ['\ud800', 'a\udc00b', '\ud83d', '\ud83d\ude00\ud83d', '\udfff\ud800'])
      expect(textHash(text)).toBe(referenceHash(text));
  });
  it('differs for different texts, including non-ASCII ones', () => {
    expect(textHash('Zoë likes tea')).not.toBe(textHash('Zoe likes tea'));
  });
});

describe('newId', () => {
  it('returns distinct ids', () => {
    expect(new Set(Array.from({ length: 100 }, newId)).size).toBe(100);
  });
});
