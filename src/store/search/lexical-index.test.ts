import fc from 'fast-check';
import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { processTerm, tokenize } from './hybrid-search';
import { LexicalIndex } from './lexical-index';

function termsOf(text: string): string[] {
  return tokenize(text)
    .map(processTerm)
    .filter((t): t is string => t !== null);
}

function put(index: LexicalIndex, id: string, text: string): void {
  index.set(id, termsOf(text), new Set(tokenize(text)).size);
}

/** MiniSearch configured as HybridIndex used to configure it: the reference for scores. */
function reference(): MiniSearch<{ id: string; text: string }> {
  return new MiniSearch({
    fields: ['text'],
    tokenize,
    processTerm,
    searchOptions: { tokenize, processTerm },
  });
}

const WORDS = [
  'tea',
  'teas',
  'hiking',
  'hike',
  'Paris',
  'May',
  '2023',
  'dog',
  'the',
  'Caroline',
  'paint',
  'a',
];

describe('LexicalIndex', () => {
  it('gives the scores MiniSearch gives, for any corpus, edits and query', () => {
    const text = fc
      .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 })
      .map((words) => words.join(' '));
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(40), { maxLength: 10 }),
        text,
        (texts, removals, query) => {
          const ours = new LexicalIndex();
          const theirs = reference();
          texts.forEach((t, i) => {
            put(ours, `m${i}`, t);
            theirs.add({ id: `m${i}`, text: t });
          });
          for (const r of new Set(removals)) {
            if (r >= texts.length) continue;
            ours.remove(`m${r}`);
            theirs.remove({ id: `m${r}`, text: texts[r]! });
          }
          const expected = new Map(theirs.search(query).map((h) => [h.id as string, h.score]));
          const got = ours.search(termsOf(query), 1000);
          expect(new Set(got.map((h) => h.id))).toEqual(new Set(expected.keys()));
          for (const hit of got) expect(hit.score).toBeCloseTo(expected.get(hit.id)!, 9);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('returns the best depth matches, best first, plus any tied with the last', () => {
    const index = new LexicalIndex();
    put(index, 'both', 'tea dog');
    put(index, 'tea1', 'tea');
    put(index, 'tea2', 'tea');
    put(index, 'other', 'paint');
    const hits = index.search(termsOf('tea dog'), 2);
    expect(hits[0]!.id).toBe('both');
    expect(
      hits
        .slice(1)
        .map((h) => h.id)
        .sort(),
    ).toEqual(['tea1', 'tea2']);
    expect(hits[1]!.score).toBe(hits[2]!.score);
  });

  it('leaves out memories the filter rejects and asks it once per memory', () => {
    const index = new LexicalIndex();
    put(index, 'a', 'tea tea dog');
    put(index, 'b', 'tea dog');
    const asked: string[] = [];
    const hits = index.search(termsOf('tea dog'), 10, (id) => {
      asked.push(id);
      return id === 'b';
    });
    expect(hits.map((h) => h.id)).toEqual(['b']);
    expect(asked.sort()).toEqual(['a', 'b']);
  });

  it('forgets replaced text and reuses the slot of a removed memory', () => {
    const index = new LexicalIndex();
    put(index, 'a', 'tea');
    put(index, 'a', 'dog');
    expect(index.search(['tea'], 10)).toEqual([]);
    expect(index.documentFrequency('tea')).toBe(0);
    index.remove('a');
    put(index, 'b', 'dog');
    expect(index.size).toBe(1);
    expect(index.search(['dog'], 10).map((h) => h.id)).toEqual(['b']);
  });

  it('starts each search from zero (no score carried over from the previous one)', () => {
    const index = new LexicalIndex();
    for (let i = 0; i < 200; i++) put(index, `m${i}`, i % 2 ? 'tea dog' : 'tea');
    const first = index.search(['tea', 'dog'], 5);
    expect(index.search(['tea', 'dog'], 5)).toEqual(first);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.search(['tea'], 5)).toEqual([]);
  });
});
