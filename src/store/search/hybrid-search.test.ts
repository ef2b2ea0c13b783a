import { describe, expect, it } from 'vitest';
import { LEXICAL_WEIGHT } from './fusion';
import { HybridIndex, processTerm, tokenize } from './hybrid-search';

function memory(
  id: string,
  text: string,
  extra: { speaker?: string; updatedAt?: number; deletedAt?: number } = {},
) {
  return { id, text, updatedAt: 0, ...extra };
}

describe('tokenize and processTerm', () => {
  it('keeps numbers and date parts as terms', () => {
    expect(tokenize('Met Mel on 2023-05-07, at 7:30.')).toEqual([
      'Met',
      'Mel',
      'on',
      '2023',
      '05',
      '07',
      'at',
      '7',
      '30',
    ]);
    expect(processTerm('2023')).toBe('2023');
  });
  it('stems, lowercases and drops stop words', () => {
    expect(processTerm('Running')).toBe('run');
    expect(processTerm('the')).toBeNull();
    expect(processTerm('May')).toBe('mai');
  });
});

describe('HybridIndex', () => {
  it('finds a memory by a stemmed word form', () => {
    const index = new HybridIndex();
    index.add(memory('a', 'Caroline went running in the park'));
    index.add(memory('b', 'Melanie paints landscapes'));
    expect(index.search({ text: 'does Caroline run?' }).map((h) => h.id)).toEqual(['a']);
  });

  it('ranks the memory with the rarer matching terms first (BM25)', () => {
    const index = new HybridIndex();
    index.add(memory('a', 'Caroline likes tea'));
    index.add(memory('b', 'Caroline adopted a dog named Oscar'));
    index.add(memory('c', 'Caroline likes coffee'));
    const hits = index.search({ text: 'Caroline dog' });
    expect(hits[0]).toMatchObject({ id: 'b', lexicalRank: 1 });
    expect(hits[0]!.denseRank).toBeUndefined();
  });

  it('finds dates by their numbers', () => {
    const index = new HybridIndex();
    index.add(memory('a', 'Moved to Berlin on 2022-03-14'));
    index.add(memory('b', 'Moved to Paris in 2019'));
    expect(index.search({ text: '2022' }).map((h) => h.id)).toEqual(['a']);
  });

  it('returns dense hits when no word matches', () => {
    const index = new HybridIndex();
    index.add(memory('a', 'alpha'));
    index.add(memory('b', 'beta'));
    index.setVector('a', 'e', [1, 0]);
    index.setVector('b', 'e', [0, 1]);
    const hits = index.search({ text: 'zzz', vector: [0.1, 1], embedderId: 'e' });
    expect(hits.map((h) => [h.id, h.denseRank])).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
  });

  it('ignores the vector of a query from another embedder', () => {
    const index = new HybridIndex();
    index.add(memory('a', 'alpha'));
    index.setVector('a', 'e', [1, 0]);
    expect(index.search({ text: 'zzz', vector: [1, 0], embedderId: 'other' })).toEqual([]);
  });

  it('puts a memory both retrievers like above ones only one likes (fusion)', () => {
    const index = new HybridIndex();
    index.add(memory('lex', 'Oscar the dog'));
    index.add(memory('both', 'Oscar is a dog'));
    index.add(memory('dense', 'a puppy'));
    index.setVector('both', 'e', [0.9, 0.1]);
    index.setVector('dense', 'e', [1, 0]);
    const hits = index.search({ text: 'Oscar dog', vector: [1, 0], embedderId: 'e' });
    expect(hits[0]).toMatchObject({ id: 'both' });
    // Lexical-only search scores BM25 over the query's reference BM25: the lexical half of the fused score.
    const lexical = index.search({ text: 'Oscar dog' }).find((h) => h.id === 'both')!.score;
    const cosine = 0.9 / Math.hypot(0.9, 0.1);
    expect(hits[0]!.score).toBeCloseTo(LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * ((cosine + 1) / 2));
    expect(hits.map((h) => h.id)).toContain('dense');
  });

  it('filters by speaker and hides tombstones unless asked', () => {
    const index = new HybridIndex();
    index.add(memory('a', 'likes tea', { speaker: 'A' }));
    index.add(memory('b', 'likes tea', { speaker: 'B' }));
    index.add(memory('c', 'likes tea', { speaker: 'A', deletedAt: 5 }));
    expect(index.search({ text: 'tea', speaker: 'A' }).map((h) => h.id)).toEqual(['a']);
    expect(
      index
        .search({ text: 'tea', speaker: 'A', includeDeleted: true })
        .map((h) => h.id)
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('breaks ties by recency and respects the limit', () => {
    const index = new HybridIndex();
    for (let i = 0; i < 20; i++) index.add(memory(`m${i}`, 'likes tea', { updatedAt: i }));
    const hits = index.search({ text: 'tea', limit: 3 });
    expect(hits.map((h) => h.id)).toEqual(['m19', 'm18', 'm17']);
  });

  it('reflects updates and removals', () => {
    const index = new HybridIndex();
    index.add(memory('a', 'likes tea'));
    index.setVector('a', 'e', [1, 0]);
    index.update(memory('a', 'likes coffee'));
    expect(index.search({ text: 'tea' })).toEqual([]);
    expect(index.search({ text: 'coffee' }).map((h) => h.id)).toEqual(['a']);
    expect(index.hasVector('a', 'e')).toBe(true);
    index.remove('a');
    expect(index.search({ text: 'coffee', vector: [1, 0], embedderId: 'e' })).toEqual([]);
    expect(index.size).toBe(0);
  });

  it('keeps the lexical ranking when many memories share every query word but the rare one', () => {
    const index = new HybridIndex({ candidateDepth: 5 });
    for (let i = 0; i < 300; i++)
      index.add(memory(`m${i}`, `Caroline wrote note ${i} about tea`, { updatedAt: i }));
    index.add(memory('rare', 'Caroline wrote about the lighthouse', { updatedAt: -1 }));
    const hits = index.search({ text: 'Caroline wrote a note about the lighthouse and tea', limit: 3 });
    expect(hits[0]!.id).toBe('rare');
    expect(hits.slice(1).map((h) => h.id)).toEqual(['m299', 'm298']);
  });

  it('passes dense options to its vector tables (int8 scan on a large table, same top hit)', () => {
    const index = new HybridIndex({ dense: { rerankMin: 20, rerankFactor: 1 } });
    for (let i = 0; i < 200; i++) {
      index.add(memory(`m${i}`, 'x'));
      index.setVector(`m${i}`, 'e', [Math.cos(i / 40), Math.sin(i / 40), 0.1 * Math.cos(i)]);
    }
    const hits = index.search({
      text: '',
      vector: [Math.cos(3), Math.sin(3), 0.1 * Math.cos(120)],
      embedderId: 'e',
    });
    expect(hits[0]).toMatchObject({ id: 'm120', denseRank: 1 });
  });
});
