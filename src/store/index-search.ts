/**
 * Pure helpers over a `HybridIndex` shared by every `MemoryStore` (in-memory, IndexedDB), so that both search and
 * validate vectors by exactly the same rules: how a `SearchQuery` becomes an index search and its hits scored
 * records, which records a `MemoryFilter` lets through, a page of the newest records, and the vector-dimension check
 * made before anything is written.
 */
import type {
  MemoryFilter,
  MemoryPage,
  MemoryRecord,
  PageQuery,
  ScoredMemory,
  SearchQuery,
} from '../core/types';
import { VectorDimensionError } from './errors';
import type { HybridIndex } from './hybrid-search';

/**
 * Searches the index for a query and returns copies of the hit records (from `recordOf`), best first, with their
 * ranks. The query's vector is used only when the index holds vectors of its embedder; otherwise search is lexical.
 */
export function searchIndex(
  index: HybridIndex,
  query: SearchQuery,
  recordOf: (id: string) => MemoryRecord | undefined,
): ScoredMemory[] {
  const useVector =
    query.vector !== undefined &&
    query.embedderId !== undefined &&
    index.vectorDims(query.embedderId) !== undefined;
  const hits = index.search({
    text: query.text,
    ...(useVector && { vector: query.vector, embedderId: query.embedderId }),
    ...(query.speaker !== undefined && { speaker: query.speaker }),
    ...(query.conversationId !== undefined && { conversationId: query.conversationId }),
    ...(query.includeDeleted !== undefined && { includeDeleted: query.includeDeleted }),
    ...(query.limit !== undefined && { limit: query.limit }),
  });
  return hits.map((hit) => ({
    memory: structuredClone(recordOf(hit.id)!),
    score: hit.score,
    ...(hit.lexicalRank !== undefined && { lexicalRank: hit.lexicalRank }),
    ...(hit.denseRank !== undefined && { denseRank: hit.denseRank }),
  }));
}

/** Rejects vectors whose length differs from each other or from what the index holds for the embedder. */
export function checkVectorDims(
  index: HybridIndex,
  embedderId: string,
  items: { vector: Float32Array }[],
): void {
  let dims = index.vectorDims(embedderId);
  for (const { vector } of items) {
    dims ??= vector.length;
    if (vector.length !== dims) throw new VectorDimensionError(embedderId, dims, vector.length);
  }
}

/** Whether a record is visible under a filter. */
export function matchesFilter(record: MemoryRecord, filter: MemoryFilter = {}): boolean {
  if (record.deletedAt !== undefined && !filter.includeDeleted) return false;
  if (filter.speaker !== undefined && record.speaker !== filter.speaker) return false;
  return filter.conversationId === undefined || record.conversationId === filter.conversationId;
}

/**
 * `MemoryStore.page` over every record a store holds (tombstones included), given oldest first: copies of the
 * `limit` newest that `query` lets through, how many it lets through, and the live records' speakers, sorted. Only the
 * page is copied, so a page of a 100,000-memory bank costs one pass over it rather than a copy of it.
 */
export function pageOf(records: Iterable<MemoryRecord>, query: PageQuery): MemoryPage {
  const matching: MemoryRecord[] = [];
  const speakers = new Set<string>();
  for (const record of records) {
    if (record.speaker !== undefined && record.deletedAt === undefined) speakers.add(record.speaker);
    if (matchesFilter(record, query)) matching.push(record);
  }
  // Newest first; among memories created at the same time, the later one first (the reverse of `list`).
  matching.reverse().sort((a, b) => b.createdAt - a.createdAt);
  return {
    memories: matching.slice(0, Math.max(0, query.limit)).map((r) => structuredClone(r)),
    total: matching.length,
    speakers: [...speakers].sort(),
  };
}
