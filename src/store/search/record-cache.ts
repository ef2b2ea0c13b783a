/**
 * `RecordCache`: the current memories held in memory with their `HybridIndex` and the text-hash links that let an
 * embedding stored later (or by another tab) find every memory with that text. Both stores keep exactly one, so
 * `InMemoryStore` and `IndexedDbStore` cache and index records the same way; each store decides where the vectors
 * come from (its own embedding map, or IndexedDB).
 */
import { textHash } from '../../core/ids';
import type { MemoryRecord } from '../../core/types';
import { HybridIndex } from './hybrid-search';

/** Records by id, their search index, and text hash ↔ id links. */
export class RecordCache {
  /** The search index over the cached records. */
  readonly index = new HybridIndex();
  private readonly records = new Map<string, MemoryRecord>();
  private readonly hashes = new Map<string, string>();
  private readonly idsByHash = new Map<string, Set<string>>();

  /** Number of cached records. */
  get size(): number {
    return this.records.size;
  }

  /** The cached record with this id. */
  get(id: string): MemoryRecord | undefined {
    return this.records.get(id);
  }

  /** Every cached record, in insertion order (oldest first when loaded that way). */
  values(): IterableIterator<MemoryRecord> {
    return this.records.values();
  }

  /** The text hash of a cached record. */
  hashOf(id: string): string | undefined {
    return this.hashes.get(id);
  }

  /** Ids of the cached records whose text has this hash. */
  idsWithHash(hash: string): Iterable<string> {
    return this.idsByHash.get(hash) ?? [];
  }

  /** Puts a record in the cache and index, re-linking it to its text hash; returns that hash. */
  put(record: MemoryRecord): string {
    this.records.set(record.id, record);
    this.index.upsert(record);
    const hash = textHash(record.text);
    const oldHash = this.hashes.get(record.id);
    if (oldHash === hash) return hash;
    if (oldHash !== undefined) this.idsByHash.get(oldHash)?.delete(record.id);
    let ids = this.idsByHash.get(hash);
    if (!ids) this.idsByHash.set(hash, (ids = new Set()));
    ids.add(record.id);
    this.hashes.set(record.id, hash);
    return hash;
  }

  /** Drops a record from the cache, the index and the hash links. */
  remove(id: string): void {
    const hash = this.hashes.get(id);
    if (hash !== undefined) this.idsByHash.get(hash)?.delete(id);
    this.hashes.delete(id);
    this.records.delete(id);
    this.index.remove(id);
  }

  /** Sets (or, for `undefined`, removes) one embedder's vector of a cached record. */
  setVector(id: string, embedderId: string, vector: Float32Array | undefined): void {
    if (vector) this.index.setVector(id, embedderId, vector);
    else this.index.removeVector(id, embedderId);
  }

  /** Gives every cached record whose text has this hash the vector; returns the ids touched. */
  attachVector(embedderId: string, hash: string, vector: Float32Array): string[] {
    const touched = [...this.idsWithHash(hash)];
    for (const id of touched) this.index.setVector(id, embedderId, vector);
    return touched;
  }
}
