// The USE lite tokenizer against ids from the TF.js reference tokenizer (fixture), on the real vocabulary.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLitePackageDir } from './use-lite-node';
import { UseLiteTokenizer, type UseLiteVocabularyEntry } from './use-lite-tokenizer';

const vocabulary = JSON.parse(
  readFileSync(join(useLitePackageDir(), 'vocab.json'), 'utf8'),
) as UseLiteVocabularyEntry[];
// Made with @energetic-ai/embeddings' Tokenizer (the TF.js universal-sentence-encoder one) on the same vocabulary.
const expected = JSON.parse(
  readFileSync(new URL('./fixtures/use-lite-tokens.json', import.meta.url), 'utf8'),
) as { text: string; ids: number[] }[];

describe('UseLiteTokenizer', () => {
  const tokenizer = new UseLiteTokenizer(vocabulary);

  it('loads the 8k-piece vocabulary', () => {
    expect(tokenizer.size).toBe(8000);
  });

  it.each(expected)('gives the reference ids for $text', ({ text, ids }) => {
    expect(tokenizer.encode(text)).toEqual(ids);
  });

  it('picks the segmentation with the highest total score', () => {
    const toy = new UseLiteTokenizer([
      ...Array.from({ length: 6 }, (_, i): UseLiteVocabularyEntry => [`<reserved ${i}>`, 0]),
      ['\u2581ab', -5],
      ['\u2581a', -1],
      ['b', -1],
      ['c', null],
    ]);
    // "▁a" + "b" scores -2, better than "▁ab" at -5; "c" has a null score, which counts as 0.
    expect(toy.encode('abc')).toEqual([7, 8, 9]);
    // Characters no piece covers become one unknown id (0) per run.
    expect(toy.encode('azzb')).toEqual([7, 0, 8]);
  });
});
