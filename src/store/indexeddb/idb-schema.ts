/**
 * The IndexedDB layout of the app's database (`memory-r1` by default): object stores, their keys and indexes, and
 * the zod schemas every record read back is validated with. The upgrade steps are in idb-upgrades.ts.
 *
 * Versions (each upgrade step runs once, in order, inside the version-change transaction, so an interrupted upgrade
 * leaves the previous version intact):
 * - v1: `memories` (key `id`; value = `MemoryRecord`) and `events` (key `seq`; indexes `memoryId`, `batchId`,
 *   `turnId`; value = `MemoryEvent`).
 * - v2: `memories` values gain `ord` (the `seq` of the event that created the memory, indexed) so memories created
 *   at the same time keep their creation order; `batches` (key `batchId`, index `turnId`; value = `BatchRecord`,
 *   for `findTurn` and `undo`), rebuilt from the v1 audit log; `embeddings` (key `${embedderId}:${textHash}`, index
 *   `embedderId`); `failures` (key `turnId`; value = `TurnFailure`); and the app's stores, which this layer never
 *   writes: `conversations` (key `id`, index `updatedAt`; value = `Conversation`), `messages` (key `id`, index
 *   `conversationId`; value = `StoredMessage`, see conversations-store.ts), `settings` (key `key`; value =
 *   `{key, value}` with a JSON-safe `value`) and `models` (key `id`; value = a custom model record
 *   `{id, name, url, ...}` owned by the model manager).
 * - v3: fewer, larger records, because IndexedDB's cost is per request (a 10k import went from ~30k requests to
 *   ~360). `memories` values become chunks (key `chunk`, auto-increment; value = `MemoryChunk`
 *   `{chunk, ids, memories}`: at most `MEMORY_CHUNK_SIZE` stored memories, each memory in exactly one chunk) with
 *   the multiEntry index `ids`; the unused `ord` index is dropped (`ord` stays on each memory). `events` values
 *   become runs (key `seq` = the first event's `seq`; value = `EventRun` `{seq, events, memoryIds}`: at most
 *   `EVENT_RUN_SIZE` events of one write, ascending `seq`) with the multiEntry index `memoryIds`; the unused
 *   `batchId` and `turnId` indexes are dropped. `embeddings` values become chunks (auto-increment key, so a later
 *   chunk is newer; value = `EmbeddingChunk` `{embedderId, keys, dims, vectors}`: at most `EMBEDDING_CHUNK_SIZE`
 *   vectors of one length packed in one `Float32Array`) with the indexes `embedderId` and `keys` (multiEntry,
 *   `${embedderId}:${textHash}`); when a key is in several chunks, the newest chunk holds its current vector. The
 *   upgrade converts all three from v2 without loss.
 * - v4: `passes` (key `turnId`; value = `PassRecord`, see pass-journal.ts): the pass journal, one entry per turn
 *   whose Memory Manager pass started and has not ended, or is held for review. A batch for the turn or its failure
 *   removes the entry in the same transaction. The upgrade only adds the store; nothing else changes.
 */
import type { DBSchema, IDBPDatabase } from 'idb';
import { z } from 'zod';
import type { MemoryEvent, MemoryRecord, PassRecord, TurnFailure } from '../../core/types';
import type { BatchRecord } from '../planning/batch-record';
import { CorruptRecordError } from '../errors';
import { memoryEventSchema, memoryRecordSchema } from '../export-format';

/** The schema version this code writes; `openMemoryDb` upgrades older databases to it. */
export const DB_VERSION = 4;
/** Database name used when none is given. */
export const DEFAULT_DB_NAME = 'memory-r1';

/** A memory as stored: the record plus `ord`, the `seq` of the event that created it (for creation order). */
export type StoredMemory = MemoryRecord & { ord: number };

/** Most memories in one `memories` record; a write rewrites the chunks it changes and adds new memories in new ones. */
export const MEMORY_CHUNK_SIZE = 64;
/** Most events in one `events` record; a write with more events stores several runs. */
export const EVENT_RUN_SIZE = 256;
/** Most vectors in one `embeddings` record: small enough that reading one vector back stays cheap. */
export const EMBEDDING_CHUNK_SIZE = 64;

/** One `memories` record: `chunk` is its key (set by the store when the chunk is added); `ids` lists its memories. */
export interface MemoryChunk {
  chunk?: number;
  ids: string[];
  memories: StoredMemory[];
}

/** One `events` record: consecutive events of one write, in `seq` order, and the memories they concern. */
export interface EventRun {
  seq: number;
  events: MemoryEvent[];
  memoryIds: string[];
}

/**
 * One `embeddings` record: vectors of one embedder, keyed by content (`${embedderId}:${textHash}`, so edited texts
 * are re-embedded); vector `i` is `vectors.subarray(i * dims, (i + 1) * dims)`.
 */
export interface EmbeddingChunk {
  embedderId: string;
  keys: string[];
  dims: number;
  vectors: Float32Array;
}

/** The database's stores (current version), as `idb` types them. */
export interface MemoryDbSchema extends DBSchema {
  memories: { key: number; value: MemoryChunk; indexes: { ids: string } };
  events: { key: number; value: EventRun; indexes: { memoryIds: string } };
  batches: { key: string; value: BatchRecord; indexes: { turnId: string } };
  embeddings: { key: number; value: EmbeddingChunk; indexes: { embedderId: string; keys: string } };
  failures: { key: string; value: TurnFailure };
  passes: { key: string; value: PassRecord };
  conversations: { key: string; value: unknown; indexes: { updatedAt: number } };
  messages: { key: string; value: unknown; indexes: { conversationId: string } };
  settings: { key: string; value: { key: string; value: unknown } };
  models: { key: string; value: unknown };
}

/** An open database of the current version. */
export type MemoryDb = IDBPDatabase<MemoryDbSchema>;

/** The key of an embedding record. */
export function embeddingKey(embedderId: string, hash: string): string {
  return `${embedderId}:${hash}`;
}

/** Validates a memory read back (the record fields plus `ord`). */
export const storedMemorySchema = memoryRecordSchema.extend({ ord: z.number().int().nonnegative() });

const appliedOpSchema = z.strictObject({
  op: z.enum(['ADD', 'UPDATE', 'DELETE']),
  memoryId: z.string().min(1),
  text: z.string().optional(),
  previousText: z.string().optional(),
});

/** Validates a batch record read back. */
export const batchRecordSchema = z.strictObject({
  batchId: z.string().min(1),
  turnId: z.string().optional(),
  time: z.number().nonnegative(),
  modelId: z.string().optional(),
  speaker: z.string().optional(),
  conversationId: z.string().optional(),
  applied: z.array(appliedOpSchema),
  undoneAt: z.number().nonnegative().optional(),
});

export const HASH = /^[0-9a-f]{16}$/;

/** Validates a chunk of memories read back: its key, and `ids` listing exactly its memories. */
export const memoryChunkSchema = z
  .strictObject({
    chunk: z.number().int().positive(),
    ids: z.array(z.string()),
    memories: z.array(storedMemorySchema).min(1),
  })
  .refine(
    (c) => c.ids.length === c.memories.length && c.memories.every((m, i) => m.id === c.ids[i]),
    'ids does not list the ids of the memories',
  );

/** Validates a run of events read back: ascending `seq`, keyed by the first, listing the memories concerned. */
export const eventRunSchema = z
  .strictObject({
    seq: z.number().int().nonnegative(),
    events: z.array(memoryEventSchema).min(1),
    memoryIds: z.array(z.string()),
  })
  .refine((run) => run.events[0]!.seq === run.seq, 'the key is not the seq of the first event')
  .refine(
    (run) => run.events.every((e, i) => i === 0 || e.seq > run.events[i - 1]!.seq),
    'the events are not in seq order',
  )
  .refine(
    (run) => sameIds(run.memoryIds, run.events),
    'memoryIds does not list exactly the memories of the events',
  );

/** Whether `ids` lists each memory of the events exactly once. */
function sameIds(ids: readonly string[], events: readonly MemoryEvent[]): boolean {
  const listed = new Set(ids);
  return (
    listed.size === ids.length &&
    events.every((e) => listed.has(e.memoryId)) &&
    listed.size === new Set(events.map((e) => e.memoryId)).size
  );
}

/** Validates a chunk of embeddings read back: keys of its embedder, one non-empty vector per key. */
export const embeddingChunkSchema = z
  .strictObject({
    embedderId: z.string().min(1),
    keys: z.array(z.string()).min(1),
    dims: z.number().int().positive(),
    vectors: z.instanceof(Float32Array),
  })
  .refine((c) => c.vectors.length === c.keys.length * c.dims, 'vectors does not hold dims floats per key')
  .refine(
    (c) =>
      c.keys.every(
        (key) =>
          key.length === c.embedderId.length + 17 &&
          key.startsWith(`${c.embedderId}:`) &&
          HASH.test(key.slice(-16)),
      ),
    'a key is not embedderId:textHash',
  );

/** Checks a record read from `store` against `schema`; throws `CorruptRecordError` naming the record and problem. */
export function readRecord<T>(schema: z.ZodType<T>, store: string, value: unknown, key?: IDBValidKey): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const fields = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const id = key ?? fields.id ?? fields.seq ?? fields.key ?? fields.chunk ?? fields.batchId ?? fields.turnId;
  throw new CorruptRecordError(
    store,
    id === undefined ? '?' : String(id),
    `${where}${issue?.message ?? 'invalid'}`,
  );
}

/** Drops the storage-only `ord` field. */
export function toRecord(stored: StoredMemory): MemoryRecord {
  const { ord: _ord, ...record } = stored;
  return record;
}

/** Packs memories (in the order given) into new chunks, which get their keys when added. */
export function memoryChunks(memories: readonly StoredMemory[]): MemoryChunk[] {
  return slices(memories, MEMORY_CHUNK_SIZE).map((slice) => ({
    ids: slice.map((m) => m.id),
    memories: slice,
  }));
}

/** Consecutive pieces of a list, each at most `size` long. */
function slices<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < list.length; start += size) out.push(list.slice(start, start + size));
  return out;
}

/** Splits the events of one write (in `seq` order) into the runs stored for them. */
export function eventRuns(events: readonly MemoryEvent[]): EventRun[] {
  return slices(events, EVENT_RUN_SIZE).map((slice) => ({
    seq: slice[0]!.seq,
    events: slice,
    memoryIds: [...new Set(slice.map((e) => e.memoryId))],
  }));
}

/** Packs vectors of one embedder (all of one length) into the chunks stored for them, copying each vector. */
export function embeddingChunks(
  embedderId: string,
  items: readonly { hash: string; vector: Float32Array }[],
): EmbeddingChunk[] {
  return slices(items, EMBEDDING_CHUNK_SIZE).map((slice) => {
    const dims = slice[0]!.vector.length;
    const vectors = new Float32Array(slice.length * dims);
    slice.forEach((item, i) => vectors.set(item.vector, i * dims));
    return { embedderId, keys: slice.map((item) => embeddingKey(embedderId, item.hash)), dims, vectors };
  });
}

/** The vectors of a chunk by key (views into its buffer); a key listed twice keeps its last vector. */
export function chunkVectors(chunk: EmbeddingChunk): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  chunk.keys.forEach((key, i) => out.set(key, chunk.vectors.subarray(i * chunk.dims, (i + 1) * chunk.dims)));
  return out;
}

/** The text hash in an embedding key. */
export function hashOfKey(key: string): string {
  return key.slice(-16);
}
