/**
 * Keeps an `IndexedDbStore`'s `RecordCache` in step with the database: loading it whole on open or after a clear in
 * another tab, caching what a local write committed, and refreshing what another tab's announced change touched.
 */
import type { MemoryRecord } from '../../core/types';
import type { RecordCache } from '../search/record-cache';
import type { ChangeMessage } from './change-feed';
import {
  EMBEDDING_CHUNK_SIZE,
  MEMORY_CHUNK_SIZE,
  type MemoryDb,
  type StoredMemory,
  chunkVectors,
  embeddingChunkSchema,
  embeddingKey,
  hashOfKey,
  readRecord,
  toRecord,
} from './idb-schema';
import { byCreation, forEachChunk, readChunk, readEmbeddings, readMemories, readVectors } from './idb-rows';
import type { ReadTx } from './idb-transaction';
import type { RecordVectors } from './idb-writes';

/** Memories (or embeddings) read per `getAll` call when loading, so opening a large bank never clones it all at once. */
const LOAD_CHUNK = 10_000;

/** Loads every memory and every matching embedding into an empty cache. */
export async function fillCache(db: MemoryDb, cache: RecordCache): Promise<void> {
  const tx: ReadTx = db.transaction(['memories', 'embeddings'], 'readonly');
  const memories: StoredMemory[] = [];
  await forEachChunk(tx, 'memories', Math.floor(LOAD_CHUNK / MEMORY_CHUNK_SIZE), (value, key) => {
    memories.push(...readChunk(value, key).memories);
  });
  memories.sort(byCreation);
  for (const stored of memories) cache.put(toRecord(stored));
  // Chunks come oldest first, so a vector stored again later replaces the earlier one.
  await forEachChunk(tx, 'embeddings', Math.floor(LOAD_CHUNK / EMBEDDING_CHUNK_SIZE), (value, key) => {
    const chunk = readRecord(embeddingChunkSchema, 'embeddings', value, key);
    for (const [k, vector] of chunkVectors(chunk)) cache.attachVector(chunk.embedderId, hashOfKey(k), vector);
  });
  await tx.done;
}

/** Caches written records with the vectors their (possibly new) texts have, per embedder. */
export function cacheRecords(cache: RecordCache, records: MemoryRecord[], vectors: RecordVectors): void {
  for (const record of records) {
    cache.put(record);
    for (const [embedderId, vector] of vectors.get(record.id) ?? [])
      cache.setVector(record.id, embedderId, vector);
  }
}

/** Gives every cached memory whose text has one of these hashes its vector; returns the memories touched. */
export function attachVectors(
  cache: RecordCache,
  embedderId: string,
  items: { hash: string; vector: Float32Array }[],
): string[] {
  return items.flatMap(({ hash, vector }) => cache.attachVector(embedderId, hash, vector));
}

/** Re-reads the memories or embeddings another page changed into the cache; returns the memories concerned. */
export async function refreshCache(
  db: MemoryDb,
  cache: RecordCache,
  message: Extract<ChangeMessage, { kind: 'memories' | 'embeddings' }>,
): Promise<string[]> {
  const tx: ReadTx = db.transaction(['memories', 'embeddings'], 'readonly');
  if (message.kind === 'memories') {
    const current = await readMemories(tx, message.memoryIds);
    const records = [...current.values()].map((c) => c.record);
    const vectors = await readVectors(tx, records);
    for (const id of message.memoryIds) if (!current.has(id)) cache.remove(id);
    cacheRecords(cache, records, vectors);
    return message.memoryIds;
  }
  const found = await readEmbeddings(
    tx,
    message.hashes.map((hash) => embeddingKey(message.embedderId, hash)),
  );
  return attachVectors(
    cache,
    message.embedderId,
    [...found].map(([key, vector]) => ({ hash: hashOfKey(key), vector })),
  );
}
