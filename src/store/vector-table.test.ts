import { describe, expect, it } from 'vitest';
import { VectorDimensionError } from './errors';
import { TopK, VectorTable, normalize } from './vector-table';

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
});
