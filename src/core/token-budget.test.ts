// Token counting and prompt packing: the packed prompt never exceeds the budget, drops the right things first,
// and survives oversize input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PromptTooLargeError } from './errors';
import { estimateTokens, packPrompt, TokenCounter, truncateMiddle } from './token-budget';
import type { ChatMessage } from './types';

const render = ({ memories, turns, text }: { memories: string[]; turns: ChatMessage[]; text: string }) => [
  { role: 'system' as const, content: 'You answer from memories.' },
  ...turns,
  { role: 'user' as const, content: `${memories.map((m) => `- ${m}`).join('\n')}\nQ: ${text}` },
];

describe('estimateTokens', () => {
  it('counts a third of a token per ASCII letter and a whole token per digit or non-ASCII character', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hello world')).toBe(4);
    expect(estimateTokens('2023')).toBe(4);
    expect(estimateTokens('東京')).toBe(2);
  });
});

describe('TokenCounter', () => {
  it('uses the model tokenizer when there is one, sync or async', async () => {
    expect(await new TokenCounter({ countTokens: (t) => t.length }).count('abcdef')).toBe(6);
    expect(await new TokenCounter({ countTokens: async (t) => t.length * 2 }).count('abc')).toBe(6);
    expect(await new TokenCounter().count('abcdef')).toBe(2);
  });

  it('adds per-message and per-prompt overhead', async () => {
    const counter = new TokenCounter({ countTokens: () => 0 });
    expect(await counter.countMessages([])).toBe(8);
    expect(
      await counter.countMessages([
        { role: 'user', content: 'x' },
        { role: 'user', content: 'y' },
      ]),
    ).toBe(24);
  });
});

describe('truncateMiddle', () => {
  it('keeps the start and the end and says how much was cut', async () => {
    const text = `START ${'x'.repeat(10_000)} END`;
    const cut = await truncateMiddle(text, async (t) => t.length <= 200);
    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut.startsWith('START')).toBe(true);
    expect(cut.endsWith('END')).toBe(true);
    expect(cut).toMatch(/\[… \d+ characters omitted …\]/);
  });

  it('returns the text unchanged when it fits', async () => {
    expect(await truncateMiddle('short', async () => true)).toBe('short');
  });
});

describe('packPrompt', () => {
  it('never exceeds the budget, keeps a best-first prefix of memories and the newest turns', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 400 }), { maxLength: 80 }),
        fc.array(
          fc.record({
            role: fc.constantFrom('user' as const, 'assistant' as const),
            content: fc.string({ maxLength: 3000 }),
          }),
          { maxLength: 12 },
        ),
        fc.string({ maxLength: 20_000 }),
        fc.integer({ min: 300, max: 4096 }),
        fc.boolean(),
        async (memories, turns, text, budget, realTokenizer) => {
          const counter = new TokenCounter(
            realTokenizer ? { countTokens: (t) => Math.ceil(t.length / 2) } : undefined,
          );
          const packed = await packPrompt({ counter, budget, memories, turns, text, render });
          expect(packed.tokens).toBeLessThanOrEqual(budget);
          expect(await counter.countMessages(packed.messages)).toBe(packed.tokens);
          expect(packed.memories).toEqual(memories.slice(0, packed.memories.length));
          const kept = packed.turns.length;
          if (kept > 0) {
            expect(packed.turns.slice(1)).toEqual(turns.slice(turns.length - kept + 1));
          }
          expect(packed.droppedMemories).toBe(memories.length - packed.memories.length);
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it('fits a 100 KB question by truncating it', async () => {
    const counter = new TokenCounter();
    const text = 'Where did Caroline go? '.repeat(4500);
    const packed = await packPrompt({ counter, budget: 3584, memories: ['m1', 'm2'], text, render });
    expect(packed.textTruncated).toBe(true);
    expect(packed.tokens).toBeLessThanOrEqual(3584);
    expect(packed.memories).toEqual(['m1', 'm2']);
  });

  it('drops the lowest-ranked memories first', async () => {
    const counter = new TokenCounter({ countTokens: (t) => t.length });
    const memories = ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc'];
    const budget = await counter.countMessages(
      render({ memories: memories.slice(0, 2), turns: [], text: 'q' }),
    );
    const packed = await packPrompt({ counter, budget, memories, text: 'q', render });
    expect(packed.memories).toEqual(['aaaaaaaaaa', 'bbbbbbbbbb']);
  });

  it('drops the oldest turns first', async () => {
    const counter = new TokenCounter({ countTokens: (t) => t.length });
    const turns: ChatMessage[] = ['one', 'two', 'three'].map((content) => ({ role: 'user', content }));
    const base = await counter.countMessages(render({ memories: [], turns: [], text: 'q' }));
    const packed = await packPrompt({ counter, budget: base + 30, memories: [], turns, text: 'q', render });
    expect(packed.turns.map((t) => t.content)).toEqual(['two', 'three']);
  });

  it('says what to do when the instructions alone do not fit', async () => {
    const counter = new TokenCounter();
    await expect(packPrompt({ counter, budget: 5, memories: [], text: 'q', render })).rejects.toBeInstanceOf(
      PromptTooLargeError,
    );
  });
});
