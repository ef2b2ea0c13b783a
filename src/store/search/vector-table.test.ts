import { describe, expect, it } from 'vitest';
import { VectorDimensionError } from '../errors';
import { TopK, VectorTable, normalize } from './vector-table';

/** Seeded unit-ish vectors around `clusters` centroids (clustered like real embeddings), deterministic. */
function clusteredVectors(count: number, dims: number, clusters: number, seed: number): Float32Array[] {
  let state = seed;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const centroids = Array.from({ length: clusters }, () => Float32Array.from({ length: dims }, gauss));
  return Array.from({ length: count }, () =>
    Float32Array.from(centroids[Math.floor(rand() * clusters)]!, (x) => x + 0.8 * gauss()),
  );
}

describe('normalize', () => {
  it('scales to unit length and leaves a zero vector at zero', () => {
    expect([...normalize([3, 4])]).toEqual([expect.closeTo(0.6), expect.closeTo(0.8)]);
    expect([...normalize([0, 0])]).toEqual([0, 0]);
  });
});

describe('TopK', () => {
  it('keeps the k best of many items, best first', () => {
    const heap = new TopK(3);
    const scores = [5, 1, 9, 3, 7, 2, 8];
    scores.forEach((s, i) => heap.offer(i, s));
    expect(heap.sorted()).toEqual([
      { item: 2, score: 9 },
      { item: 6, score: 8 },
      { item: 4, score: 7 },
    ]);
  });
  it('matches a full sort on random input', () => {
    const heap = new TopK(10);
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(0));
    values.forEach((v, i) => heap.offer(i, v));
    const expected = values
      .map((score, item) => ({ item, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    expect(heap.sorted()).toEqual(expected);
  });
});

describe('VectorTable', () => {
  it('ranks by cosine similarity regardless of vector length', () => {
    const t = new VectorTable(2);
    t.set('x', [10, 0]);
    t.set('y', [0, 0.1]);
    t.set('xy', [1, 1]);
    expect(t.topK([1, 0.1], 3).map((h) => h.id)).toEqual(['x', 'xy', 'y']);
    expect(t.topK([1, 0], 1)[0]!.score).toBeCloseTo(1);
  });
  it('grows past its initial capacity and keeps rows intact after swap-remove', () => {
    const t = new VectorTable(3, 'e', 2);
    for (let i = 0; i < 50; i++) t.set(`m${i}`, [i + 1, 1, 0]);
    t.remove('m0');
    t.remove('m10');
    expect(t.size).toBe(48);
    expect(t.has('m10')).toBe(false);
    const top = t.topK([49 + 1, 1, 0], 1);
    expect(top[0]!.id).toBe('m49');
    for (let i = 1; i < 50; i++) {
      if (i === 10) continue;
      expect(t.topK([i + 1, 1, 0], 1)[0]!.score).toBeCloseTo(1, 5);
    }
  });
  it('replaces a vector set twice for the same id', () => {
    const t = new VectorTable(2);
    t.set('a', [1, 0]);
    t.set('a', [0, 1]);
    expect(t.size).toBe(1);
    expect(t.topK([0, 1], 1)[0]!.score).toBeCloseTo(1);
  });
  it('applies the filter to candidates', () => {
    const t = new VectorTable(2);
    t.set('a', [1, 0]);
    t.set('b', [0.9, 0.1]);
    expect(t.topK([1, 0], 2, (id) => id !== 'a').map((h) => h.id)).toEqual(['b']);
  });
  it('rejects vectors of another length', () => {
    const t = new VectorTable(2);
    expect(() => t.set('a', [1, 2, 3])).toThrow(VectorDimensionError);
    expect(() => t.topK([1], 1)).toThrow(VectorDimensionError);
  });
  it.each([
    ['clustered', 20],
    ['random', 4000],
  ])('finds the exact top 60 through the int8 scan on %s vectors, with exact scores', (_, clusters) => {
    const t = new VectorTable(64, 'e', 64, { rerankMin: 0 });
    clusteredVectors(4000, 64, clusters, 1).forEach((v, i) => t.set(`m${i}`, v));
    let found = 0;
    for (const q of clusteredVectors(20, 64, clusters, 9)) {
      const exact = new Map(t.exactTopK(q, 60).map((h) => [h.id, h.score]));
      const got = t.topK(q, 60);
      for (const hit of got) if (exact.has(hit.id)) expect(hit.score).toBeCloseTo(exact.get(hit.id)!, 5);
      found += got.filter((h) => exact.has(h.id)).length;
    }
    expect(found / (60 * 20)).toBeGreaterThanOrEqual(0.99);
  });
  it('applies the filter while scanning, so a narrow filter still yields k results', () => {
    const t = new VectorTable(32, 'e', 64, { rerankMin: 20, rerankFactor: 1 });
    const vectors = clusteredVectors(1000, 32, 10, 2);
    vectors.forEach((v, i) => t.set(`m${i}`, v));
    const rare = (id: string) => Number(id.slice(1)) % 97 === 0;
    const got = t.topK(vectors[0]!, 5, rare);
    const exact = t.exactTopK(vectors[0]!, 5, rare);
    expect(got.map((h) => h.id)).toEqual(exact.map((h) => h.id));
    got.forEach((hit, i) => expect(hit.score).toBeCloseTo(exact[i]!.score, 5));
    expect(got).toHaveLength(5);
  });
  it('keeps int8 rows in step with float rows through growth, replacement and swap-remove', () => {
    const t = new VectorTable(48, 'e', 2, { rerankMin: 1, rerankFactor: 1 });
    const vectors = clusteredVectors(300, 48, 300, 3);
    vectors.forEach((v, i) => t.set(`m${i}`, v));
    t.set('m5', vectors[6]!);
    t.remove('m0');
    t.remove('m100');
    for (const i of [1, 99, 150, 299]) expect(t.topK(vectors[i]!, 1)[0]!.id).toBe(`m${i}`);
    expect(new Set(t.topK(vectors[6]!, 2).map((h) => h.id))).toEqual(new Set(['m5', 'm6']));
    expect(t.topK(vectors[0]!, 300).map((h) => h.id)).not.toContain('m0');
  });
  it('scores every row exactly when the table is no larger than the rerank width, or when int8 is off', () => {
    const vectors = clusteredVectors(500, 16, 5, 4);
    for (const options of [{ rerankMin: 1000 }, { rerankMin: 1, int8: false }]) {
      const t = new VectorTable(16, 'e', 64, options);
      vectors.forEach((v, i) => t.set(`m${i}`, v));
      expect(t.topK(vectors[7]!, 60)).toEqual(t.exactTopK(vectors[7]!, 60));
    }
  });
});
