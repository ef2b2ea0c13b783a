import { describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import { CachedEmbedder } from './embedding-cache';
import { RecordingEmbedder } from './test-embedder';

describe('CachedEmbedder', () => {
  it('keeps the inner embedder id and dims so cached vectors are interchangeable', () => {
    const cached = new CachedEmbedder(new RecordingEmbedder('model-a', 16));
    expect(cached.id).toBe('model-a');
    expect(cached.dims).toBe(16);
  });

  it('embeds a repeated text once and returns the same vector in input order', async () => {
    const inner = new RecordingEmbedder();
    const cached = new CachedEmbedder(inner);
    const first = await cached.embed(['alpha', 'beta', 'alpha'], 'passage');
    const second = await cached.embed(['beta', 'gamma', 'alpha'], 'passage');
    expect(inner.calls.map((c) => c.texts)).toEqual([['alpha', 'beta'], ['gamma']]);
    expect(first).toEqual(['alpha', 'beta', 'alpha'].map((t) => inner.vectorFor(t, 'passage')));
    expect(second).toEqual(['beta', 'gamma', 'alpha'].map((t) => inner.vectorFor(t, 'passage')));
    expect(cached.stats()).toEqual({ hits: 3, misses: 3, size: 3 });
  });

  it('caches queries and passages separately because models prefix them differently', async () => {
    const inner = new RecordingEmbedder();
    const cached = new CachedEmbedder(inner);
    const [asPassage] = await cached.embed(['alpha'], 'passage');
    const [asQuery] = await cached.embed(['alpha'], 'query');
    expect(inner.calls.map((c) => c.kind)).toEqual(['passage', 'query']);
    expect(asQuery).toEqual(inner.vectorFor('alpha', 'query'));
    expect(asQuery).not.toEqual(asPassage);
  });

  it('drops the least recently used vector when full', async () => {
    const inner = new RecordingEmbedder();
    const cached = new CachedEmbedder(inner, { maxEntries: 2 });
    await cached.embed(['a', 'b'], 'query');
    await cached.embed(['a'], 'query'); // a is now more recent than b
    await cached.embed(['c'], 'query'); // evicts b
    await cached.embed(['a', 'b'], 'query');
    expect(inner.embeddedTexts).toEqual(['a', 'b', 'c', 'b']);
  });

  it('returns every vector even when one call brings more new texts than the cache holds', async () => {
    const inner = new RecordingEmbedder();
    const cached = new CachedEmbedder(inner, { maxEntries: 1 });
    const texts = ['a', 'b', 'c'];
    expect(await cached.embed(texts, 'passage')).toEqual(texts.map((t) => inner.vectorFor(t, 'passage')));
  });

  it('is not corrupted when a caller mutates a returned vector', async () => {
    const inner = new RecordingEmbedder();
    const cached = new CachedEmbedder(inner);
    const [v] = await cached.embed(['alpha'], 'query');
    v?.fill(0);
    expect((await cached.embed(['alpha'], 'query'))[0]).toEqual(inner.vectorFor('alpha', 'query'));
  });

  it('keeps vectors of different embedders apart when they share a cache key space', async () => {
    const a = new CachedEmbedder(new RecordingEmbedder('model-a'));
    const b = new CachedEmbedder(new RecordingEmbedder('model-b'));
    const [va] = await a.embed(['alpha'], 'query');
    const [vb] = await b.embed(['alpha'], 'query');
    expect(va).not.toEqual(vb);
  });

  it('rejects with an AbortError and caches nothing when aborted', async () => {
    const inner = new RecordingEmbedder();
    const cached = new CachedEmbedder(inner);
    const err = await cached
      .embed(['alpha'], 'query', { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(cached.stats().size).toBe(0);
  });

  it('rejects a cache size that is not a positive integer', () => {
    expect(() => new CachedEmbedder(new RecordingEmbedder(), { maxEntries: 0 })).toThrow(RangeError);
  });
});
