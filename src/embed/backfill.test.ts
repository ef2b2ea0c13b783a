import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import type { MemoryStore } from '../core/types';
import { InMemoryStore } from '../store/in-memory-store';
import type { Progress } from '../core/progress';
import { runBackfill } from './backfill';
import { RecordingEmbedder } from './test-embedder';
import { TransformersEmbedder } from './transformers-embedder';

async function storeWith(texts: string[]): Promise<InMemoryStore> {
  const store = new InMemoryStore();
  await store.apply({ ops: texts.map((text) => ({ op: 'ADD' as const, text })) });
  return store;
}

const tenTexts = Array.from({ length: 10 }, (_, i) => `memory number ${i}`);

/** The report of `done` of `total` memories embedded, with its fraction. */
const embedded = (done: number, total: number, fraction: number): Progress => ({
  done,
  total,
  fraction,
  text: `Embedded ${done} of ${total} memories`,
});

describe('runBackfill', () => {
  it('embeds every memory without a vector as a passage and reports progress up to the total', async () => {
    const store = await storeWith(tenTexts);
    const embedder = new RecordingEmbedder();
    const progress: Progress[] = [];
    const result = await runBackfill(store, embedder, { batchSize: 4, onProgress: (p) => progress.push(p) });
    expect(result).toEqual(embedded(10, 10, 1));
    expect(progress).toEqual([
      embedded(0, 10, 0),
      embedded(4, 10, 0.4),
      embedded(8, 10, 0.8),
      embedded(10, 10, 1),
    ]);
    expect(embedder.calls.map((c) => c.kind)).toEqual(['passage', 'passage', 'passage']);
    expect(new Set(embedder.embeddedTexts)).toEqual(new Set(tenTexts));
    expect(await store.missingEmbeddings(embedder.id)).toEqual([]);
  });

  it('stores vectors the dense search then uses', async () => {
    const store = await storeWith(tenTexts);
    const embedder = new RecordingEmbedder();
    await runBackfill(store, embedder);
    const hits = await store.search({
      text: 'zzz',
      vector: embedder.vectorFor('memory number 7', 'passage'),
      embedderId: embedder.id,
      limit: 1,
    });
    expect(hits[0]?.memory.text).toBe('memory number 7');
  });

  it('resumes after an abort with only the memories still missing', async () => {
    const store = await storeWith(tenTexts);
    const controller = new AbortController();
    const embedder = new RecordingEmbedder();
    const aborted = runBackfill(store, embedder, {
      batchSize: 4,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 4) controller.abort();
      },
    });
    expect(isAbortError(await aborted.catch((e: unknown) => e))).toBe(true);
    expect(await store.missingEmbeddings(embedder.id)).toHaveLength(6);

    // A fresh run (as after a reload) asks the store again and embeds only the other six.
    const again = new RecordingEmbedder();
    expect(await runBackfill(store, again, { batchSize: 4 })).toEqual(embedded(6, 6, 1));
    expect(again.embeddedTexts).toHaveLength(6);
    expect(await store.missingEmbeddings(embedder.id)).toEqual([]);
  });

  it('stores nothing from a chunk whose embedding was aborted', async () => {
    const store = await storeWith(tenTexts);
    const controller = new AbortController();
    const embedder = new RecordingEmbedder();
    embedder.beforeReturn = () => controller.abort();
    const err = await runBackfill(store, embedder, { signal: controller.signal }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(await store.missingEmbeddings(embedder.id)).toHaveLength(10);
  });

  it('re-embeds everything for a newly chosen model and keeps the old vectors', async () => {
    const store = await storeWith(tenTexts);
    const oldModel = new RecordingEmbedder('old-model', 8);
    const newModel = new RecordingEmbedder('new-model', 12);
    await runBackfill(store, oldModel);
    expect(await runBackfill(store, newModel)).toEqual(embedded(10, 10, 1));
    expect(await store.missingEmbeddings('old-model')).toEqual([]);
    expect(await store.missingEmbeddings('new-model')).toEqual([]);
  });

  it('picks up memories stored while it runs', async () => {
    const store = await storeWith(tenTexts.slice(0, 3));
    const embedder = new RecordingEmbedder();
    let added = false;
    embedder.beforeReturn = async () => {
      if (added) return;
      added = true;
      await store.apply({ ops: [{ op: 'ADD', text: 'arrived during the backfill' }] });
    };
    expect(await runBackfill(store, embedder)).toEqual(embedded(4, 4, 1));
    expect(await store.missingEmbeddings(embedder.id)).toEqual([]);
  });

  it('embeds a text shared by several memories once', async () => {
    const store = await storeWith(['same text', 'same text', 'other text']);
    const embedder = new RecordingEmbedder();
    await runBackfill(store, embedder);
    expect(embedder.embeddedTexts.sort()).toEqual(['other text', 'same text']);
    expect(await store.missingEmbeddings(embedder.id)).toEqual([]);
  });

  it('reports completion at once when nothing is missing', async () => {
    const store = await storeWith([]);
    const progress: Progress[] = [];
    await runBackfill(store, new RecordingEmbedder(), { onProgress: (p) => progress.push(p) });
    expect(progress).toEqual([embedded(0, 0, 1)]);
  });

  it('finishes even if the store keeps reporting memories as missing', async () => {
    const inner = await storeWith(tenTexts);
    const forgetful: MemoryStore = Object.assign(Object.create(inner) as InMemoryStore, {
      putEmbeddings: async () => undefined,
    });
    const embedder = new RecordingEmbedder();
    expect(await runBackfill(forgetful, embedder)).toEqual(embedded(10, 10, 1));
    expect(embedder.embeddedTexts).toHaveLength(10);
  });

  it('gives the real embedder vectors that find the memory sharing its words', async () => {
    const store = await storeWith([
      'Caroline went hiking in the mountain with her sister',
      'The stock market prices fell',
      'We cook dinner for the family on Sunday',
    ]);
    const embedder = await TransformersEmbedder.create({
      model: 'tiny-embedder',
      localModelPath: fileURLToPath(new URL('./fixtures/', import.meta.url)),
    });
    try {
      await runBackfill(store, embedder);
      const queries = ['hiking trip to the mountain', 'market price', 'family dinner'];
      const vectors = await embedder.embed(queries, 'query');
      const best = await Promise.all(
        vectors.map(async (vector) => {
          const hits = await store.search({ text: '', vector, embedderId: embedder.id, limit: 1 });
          return hits[0]?.memory.text;
        }),
      );
      expect(best).toEqual([
        'Caroline went hiking in the mountain with her sister',
        'The stock market prices fell',
        'We cook dinner for the family on Sunday',
      ]);
    } finally {
      await embedder.dispose();
    }
  });
});
