import { describe, expect, it } from 'vitest';
import { newId, textHash } from './ids';

describe('textHash', () => {
  it('matches the FNV-1a 64-bit reference value', () => {
    expect(textHash('hello')).toBe('a430d84680aabd0b');
    expect(textHash('')).toBe('cbf29ce484222325');
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
