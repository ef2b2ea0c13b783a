// Splitting over-long texts: every chunk fits, the chunks give the text back in order, words and surrogate pairs
// stay whole whenever possible, and pathological inputs still terminate; `splitTextToFit` agrees with `packPrompt`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkText } from './chunk-text';
import { PromptTooLargeError } from './errors';
import { estimateTokens, packPrompt, splitTextToFit, TokenCounter } from './token-budget';
import type { ChatMessage } from './types';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text built from words, spaces, line and paragraph breaks, sentence ends, CJK and emoji. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-zA-Z0-9]{1,12}$/) },
  { weight: 4, arbitrary: fc.constantFrom(' ', ' ', '  ', '\n', '\n\n', '. ', '! ', '? ', '\t') },
  { weight: 1, arbitrary: fc.constantFrom('東京', '。', '😀', '👩‍👩‍👧', 'é', '“quoted.” ') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const text = fc.array(piece, { maxLength: 400 }).map((parts) => parts.join(''));

/** A monotone budget check: by UTF-16 length or by the estimate the token counter falls back to. */
const fitsOf = (limit: number, byTokens: boolean) => (t: string) =>
  (byTokens ? estimateTokens(t) : t.length) <= limit;

/** True when `pos` is inside a word: between two non-whitespace characters, and not after a CJK sentence end. */
const insideWord = (s: string, pos: number) =>
  /[^\s。！？]/.test(s[pos - 1] ?? ' ') && /\S/.test(s[pos] ?? ' ');

describe('chunkText', () => {
  it('covers the text in order with chunks that fit, cutting words only when no space fits', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.integer({ min: 2, max: 200 }),
        fc.boolean(),
        async (input, limit, byTokens) => {
          const fits = fitsOf(limit, byTokens);
          const chunks = await chunkText(input, fits);
          expect(chunks.join('')).toBe(input);
          let pos = 0;
          for (const [i, chunk] of chunks.entries()) {
            expect(chunk.length).toBeGreaterThan(0);
            expect(fits(chunk)).toBe(true);
            expect(chunk).not.toMatch(LONE_SURROGATE);
            pos += chunk.length;
            if (i < chunks.length - 1 && insideWord(input, pos)) expect(chunk).not.toMatch(/\s/);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('returns the text whole when it fits, and nothing for an empty text', async () => {
    expect(await chunkText('Short text.', () => true)).toEqual(['Short text.']);
    expect(await chunkText('', () => true)).toEqual([]);
  });

  it('prefers a paragraph break, then a sentence end, then a space', async () => {
    const para = 'First paragraph here.\n\nSecond one, longer than the first.';
    expect(await chunkText(para, (t) => t.length <= 40)).toEqual([
      'First paragraph here.\n\n',
      'Second one, longer than the first.',
    ]);
    const sentences = 'One short sentence. Another sentence follows it';
    expect(await chunkText(sentences, (t) => t.length <= 30)).toEqual([
      'One short sentence. ',
      'Another sentence follows it',
    ]);
    expect(await chunkText('alpha beta gamma delta', (t) => t.length <= 12)).toEqual([
      'alpha beta ',
      'gamma delta',
    ]);
  });

  it('takes a sentence end over a paragraph break that would leave the chunk under half full', async () => {
    const input = `Hi.\n\n${'Word after word. '.repeat(10)}`;
    const chunks = await chunkText(input, (t) => t.length <= 100);
    expect(chunks[0]!.length).toBeGreaterThan(50);
    expect(chunks[0]).toMatch(/\. $/);
  });

  it('splits a single 100 KB word into fitting pieces', async () => {
    const word = 'a'.repeat(100_000);
    let calls = 0;
    const chunks = await chunkText(word, (t) => {
      calls++;
      return estimateTokens(t) <= 1000;
    });
    expect(chunks.join('')).toBe(word);
    expect(chunks.every((c) => estimateTokens(c) <= 1000)).toBe(true);
    expect(chunks).toHaveLength(34);
    expect(calls).toBeLessThan(chunks.length * 40);
  });

  it('never splits a surrogate pair in emoji-only text', async () => {
    const emoji = '😀'.repeat(50_000);
    const chunks = await chunkText(emoji, (t) => t.length <= 101);
    expect(chunks.join('')).toBe(emoji);
    for (const chunk of chunks) {
      expect(chunk.length).toBe(chunk === chunks.at(-1) ? chunk.length : 100);
      expect(chunk).not.toMatch(LONE_SURROGATE);
    }
  });

  it('throws PromptTooLargeError when not even one character fits', async () => {
    await expect(chunkText('😀 text', (t) => t.length < 2)).rejects.toBeInstanceOf(PromptTooLargeError);
  });
});

describe('splitTextToFit', () => {
  const render = ({ turns, text }: { turns: ChatMessage[]; text: string }): ChatMessage[] => [
    { role: 'system', content: 'Extract facts from the turn.' },
    { role: 'user', content: `${turns.map((t) => t.content).join('\n')}\nTurn: ${text}` },
  ];

  it('yields chunks that packPrompt keeps whole within the budget', async () => {
    const counter = new TokenCounter();
    const turns: ChatMessage[] = [{ role: 'user', content: 'Earlier I mentioned my sister Melanie.' }];
    const long = Array.from({ length: 400 }, (_, i) => `Paragraph ${i} is about topic ${i}.`).join('\n\n');
    const input = {
      counter,
      budget: 600,
      memories: [],
      turns,
      text: long,
      textShare: 0.8,
      turnShare: 1,
      render,
    };
    const chunks = await splitTextToFit(input);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(long);
    for (const chunk of chunks) {
      const packed = await packPrompt({ ...input, text: chunk });
      expect(packed.textTruncated).toBe(false);
      expect(packed.tokens).toBeLessThanOrEqual(600);
      expect(packed.turns).toEqual(turns);
    }
  });

  it('returns a fitting text as one chunk and throws when the instructions alone do not fit', async () => {
    const counter = new TokenCounter();
    const input = { counter, budget: 600, memories: [], text: 'Short.', render };
    expect(await splitTextToFit(input)).toEqual(['Short.']);
    await expect(splitTextToFit({ ...input, budget: 5 })).rejects.toBeInstanceOf(PromptTooLargeError);
  });
});
