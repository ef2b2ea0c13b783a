// The fusion rule on hand-made lists, and on a synthetic corpus where one of the two retrievers returns noise.
import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from '../../testing/seeded-random';
import { fuseRankings, type IndexHit, LEXICAL_WEIGHT } from './fusion';
import { HybridIndex } from './hybrid-search';

const byScore = (hits: IndexHit[]) => [...hits].sort((a, b) => b.score - a.score).map((h) => h.id);

describe('fuseRankings', () => {
  const lexical = [
    { id: 'a', score: 8 },
    { id: 'b', score: 4 },
    { id: 'c', score: 2 },
  ];
  const dense = [
    { id: 'c', score: 0.6 },
    { id: 'd', score: 0.2 },
  ];
  const cosines: Record<string, number> = { a: 0.1, b: 0.3 };
  const cosineOf = (ids: string[]) => ids.map((id) => cosines[id]);

  const base = { lexical, lexicalReference: 10, dense, cosineOf };

  it('combines BM25 over the reference BM25 with (cosine + 1) / 2', () => {
    const hits = fuseRankings({ ...base, lexicalWeight: 0.5 });
    const score = Object.fromEntries(hits.map((h) => [h.id, h.score]));
    expect(score['a']).toBeCloseTo(0.5 * 0.8 + 0.5 * (1.1 / 2));
    expect(score['b']).toBeCloseTo(0.5 * 0.4 + 0.5 * (1.3 / 2));
    expect(score['c']).toBeCloseTo(0.5 * 0.2 + 0.5 * (1.6 / 2));
    // Not among the lexical candidates: BM25 counts as 0.
    expect(score['d']).toBeCloseTo(0.5 * (1.2 / 2));
    expect(hits.find((h) => h.id === 'c')).toMatchObject({ lexicalRank: 3, denseRank: 1 });
    expect(hits.find((h) => h.id === 'a')!.denseRank).toBeUndefined();
  });

  it('ranks as the lexical retriever alone at weight 1 and as the dense one at weight 0', () => {
    expect(byScore(fuseRankings({ ...base, lexicalWeight: 1 })).slice(0, 3)).toEqual(['a', 'b', 'c']);
    expect(byScore(fuseRankings({ ...base, lexicalWeight: 0 })).slice(0, 2)).toEqual(['c', 'b']);
  });

  it('gives a memory without a vector the lowest dense score', () => {
    const hits = fuseRankings({ ...base, cosineOf: (ids) => ids.map(() => undefined), lexicalWeight: 0.5 });
    expect(hits.find((h) => h.id === 'b')!.score).toBeCloseTo(0.5 * 0.4);
  });

  it('scores lexical candidates 0 when no query word is indexed (no reference score)', () => {
    const hits = fuseRankings({ ...base, lexicalReference: 0, lexicalWeight: 0.5 });
    expect(hits.find((h) => h.id === 'a')!.score).toBeCloseTo(0.5 * (1.1 / 2));
  });

  it('asks for the cosines of lexical-only candidates, once, and only when there are any', () => {
    const asked: string[][] = [];
    const track = (ids: string[]) => (asked.push(ids), cosineOf(ids));
    fuseRankings({ ...base, cosineOf: track, lexicalWeight: 0.5 });
    fuseRankings({ ...base, lexical: [], cosineOf: track, lexicalWeight: 0.5 });
    expect(asked).toEqual([['a', 'b']]);
  });

  it('states a lexical weight in [0, 1]', () => {
    expect(LEXICAL_WEIGHT).toBeGreaterThanOrEqual(0);
    expect(LEXICAL_WEIGHT).toBeLessThanOrEqual(1);
    expect(() => new HybridIndex({ lexicalWeight: 1.5 })).toThrow(RangeError);
  });
});

/**
 * A corpus of 600 memories of ten words each (from 400 pseudo-words) with clustered 384-dimensional vectors, and
 * 200 queries, each looking for one memory. Each retriever is either useful for a query (two of the target's
 * words plus two random ones; the target's vector plus noise) or noise (four random words; a random vector).
 */
function noiseCorpus(useful: 'lexical' | 'dense', seed: number) {
  const rand = mulberry32(seed);
  const gauss = gaussian(rand);
  const dims = 384;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const word = () => `w${Math.floor(rand() * 400)}`;
  const unit = (v: Float32Array) => {
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  };
  const centroids = Array.from({ length: 20 }, () => Float32Array.from({ length: dims }, gauss));
  const memories = Array.from({ length: 600 }, (_, i) => {
    const centroid = pick(centroids);
    return {
      id: `m${i}`,
      words: Array.from({ length: 10 }, word),
      vector: unit(centroid.map((x) => x + 0.8 * gauss())),
    };
  });
  const index = new HybridIndex();
  for (const m of memories) {
    index.add({ id: m.id, text: m.words.join(' '), updatedAt: 0 });
    index.setVector(m.id, 'e', m.vector);
  }
  const queries = Array.from({ length: 200 }, () => {
    const target = pick(memories);
    const text =
      useful === 'lexical'
        ? [pick(target.words), pick(target.words), word(), word()].join(' ')
        : [word(), word(), word(), word()].join(' ');
    const vector =
      useful === 'dense'
        ? target.vector.map((x) => x + 0.15 * gauss())
        : unit(Float32Array.from({ length: dims }, gauss));
    return { target: target.id, text, vector };
  });
  return { index, queries };
}

/** Share of queries whose target is in the top 10. */
function recallAt10(
  { index, queries }: ReturnType<typeof noiseCorpus>,
  mode: 'lexical' | 'dense' | 'hybrid',
): number {
  const found = queries.filter((q) =>
    index
      .search({
        text: mode === 'dense' ? '' : q.text,
        ...(mode !== 'lexical' && { vector: q.vector, embedderId: 'e' }),
        limit: 10,
      })
      .some((h) => h.id === q.target),
  );
  return found.length / queries.length;
}

/** How far below the useful retriever alone fused recall@10 may fall when the other retriever is pure noise. */
const NOISE_MARGIN = 0.05;

describe('fusion with a retriever that returns noise', () => {
  it.each([1, 2, 3])(
    'keeps recall@10 within 0.05 of lexical search alone when the vectors are noise (seed %i)',
    (seed) => {
      const corpus = noiseCorpus('lexical', seed);
      const lexical = recallAt10(corpus, 'lexical');
      const hybrid = recallAt10(corpus, 'hybrid');
      console.info(
        `[fusion] lexical useful, dense noise: lexical ${lexical}, hybrid ${hybrid}, dense ${recallAt10(corpus, 'dense')}`,
      );
      expect(lexical).toBeGreaterThan(0.5);
      expect(hybrid).toBeGreaterThanOrEqual(lexical - NOISE_MARGIN);
    },
  );

  it.each([1, 2, 3])(
    'keeps recall@10 within 0.05 of dense search alone when the words are noise (seed %i)',
    (seed) => {
      const corpus = noiseCorpus('dense', seed);
      const dense = recallAt10(corpus, 'dense');
      const hybrid = recallAt10(corpus, 'hybrid');
      console.info(
        `[fusion] dense useful, lexical noise: dense ${dense}, hybrid ${hybrid}, lexical ${recallAt10(corpus, 'lexical')}`,
      );
      expect(dense).toBeGreaterThan(0.5);
      expect(hybrid).toBeGreaterThanOrEqual(dense - NOISE_MARGIN);
    },
  );
});
