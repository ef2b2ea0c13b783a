/**
 * The IndexedDB layout of the app's database (`memory-r1` by default): object stores, their keys and indexes, the
 * versioned upgrade steps `openDB` runs, and the zod schemas every record read back is validated with.
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
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames, openDB, unwrap } from 'idb';
import { z } from 'zod';
import type { MemoryEvent, MemoryRecord, PassRecord, TurnFailure } from '../core/types';
import { type BatchRecord, batchesFromEvents } from './batch-planner';
import { CorruptRecordError } from './errors';
import { memoryEventSchema, memoryRecordSchema } from './export-format';

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

const HASH = /^[0-9a-f]{16}$/;

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

/** Validates a version-2 embedding record (one vector per record), read when upgrading to version 3. */
const v2EmbeddingSchema = z
  .strictObject({
    key: z.string(),
    embedderId: z.string().min(1),
    textHash: z.string().regex(HASH),
    vector: z.instanceof(Float32Array).refine((v) => v.length > 0, 'the vector is empty'),
  })
  .refine(
    (e) => e.key === embeddingKey(e.embedderId, e.textHash),
    'the key does not match embedderId:textHash',
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

type UpgradeTx = IDBPTransaction<MemoryDbSchema, StoreNames<MemoryDbSchema>[], 'versionchange'>;

/** v1: the memory bank and its audit log. */
function upgradeToV1(db: MemoryDb): void {
  db.createObjectStore('memories', { keyPath: 'id' });
  // Indexes of the v1 layout, which the current schema type no longer has.
  const events = unwrap(db).createObjectStore('events', { keyPath: 'seq' });
  events.createIndex('memoryId', 'memoryId');
  events.createIndex('batchId', 'batchId');
  events.createIndex('turnId', 'turnId');
}

/**
 * v2: creation order on memories, batch records rebuilt from the audit log, embeddings, failures and the app's
 * stores. Runs inside the version-change transaction: a failed step aborts the whole upgrade.
 */
function upgradeToV2(db: MemoryDb, tx: UpgradeTx, fail: (err: unknown) => void): Promise<void> {
  const batches = db.createObjectStore('batches', { keyPath: 'batchId' });
  batches.createIndex('turnId', 'turnId');
  db.createObjectStore('embeddings', { keyPath: 'key' }).createIndex('embedderId', 'embedderId');
  db.createObjectStore('failures', { keyPath: 'turnId' });
  db.createObjectStore('conversations', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
  db.createObjectStore('messages', { keyPath: 'id' }).createIndex('conversationId', 'conversationId');
  db.createObjectStore('settings', { keyPath: 'key' });
  db.createObjectStore('models', { keyPath: 'id' });
  const memories = asV2(tx).objectStore('memories');
  memories.createIndex('ord', 'ord');

  // `upgrade` must be synchronous, so the rewrite runs in these reads' callbacks, while the transaction is active.
  const rawEvents = tx.objectStore('events').getAll();
  const rawMemories = memories.getAll();
  return Promise.all([rawEvents, rawMemories])
    .then(([eventValues, memoryValues]) => {
      const events = eventValues.map((e) => readRecord(memoryEventSchema, 'events', e));
      const created = new Map<string, number>();
      for (const e of events)
        if (e.type === 'ADD' && !created.has(e.memoryId)) created.set(e.memoryId, e.seq);
      let fallback = events.reduce((max, e) => Math.max(max, e.seq), 0);
      for (const value of memoryValues) {
        const record = readRecord(memoryRecordSchema, 'memories', value);
        memories.put({ ...record, ord: created.get(record.id) ?? ++fallback }).catch(fail);
      }
      for (const batch of batchesFromEvents(events)) batches.put(batch).catch(fail);
    })
    .catch(fail);
}

/**
 * v3: memories regrouped into chunks, events into runs and embeddings into chunks (see the layout above). Reads
 * the v2 records, checks them, then rebuilds the three stores with the same content; like v2, it runs inside the
 * version-change transaction.
 */
function upgradeToV3(db: MemoryDb, tx: UpgradeTx, fail: (err: unknown) => void): Promise<void> {
  const v2 = asV2(tx);
  const rawMemories = v2.objectStore('memories').getAll();
  const rawEvents = v2.objectStore('events').getAll();
  const rawEmbeddings = v2.objectStore('embeddings').getAll();
  return Promise.all([rawMemories, rawEvents, rawEmbeddings])
    .then(([memoryValues, eventValues, embeddingValues]) => {
      const memories = memoryValues
        .map((m) => readRecord(storedMemorySchema, 'memories', m))
        .sort((a, b) => a.ord - b.ord);
      const events = eventValues
        .map((e) => readRecord(memoryEventSchema, 'events', e))
        .sort((a, b) => a.seq - b.seq);
      const embeddings = embeddingValues.map((e) => readRecord(v2EmbeddingSchema, 'embeddings', e));
      db.deleteObjectStore('memories');
      const memoryStore = createMemoryStore(db);
      for (const chunk of memoryChunks(memories)) memoryStore.add(chunk).catch(fail);
      const eventStore = tx.objectStore('events');
      for (const index of ['memoryId', 'batchId', 'turnId']) unwrap(eventStore).deleteIndex(index);
      eventStore.createIndex('memoryIds', 'memoryIds', { multiEntry: true });
      eventStore.clear().catch(fail);
      // Runs never span two v2 batches, so each batch's events stay together as a later write would store them.
      let start = 0;
      for (let i = 1; i <= events.length; i++) {
        if (i === events.length || events[i]!.batchId !== events[start]!.batchId) {
          for (const run of eventRuns(events.slice(start, i))) eventStore.add(run).catch(fail);
          start = i;
        }
      }
      db.deleteObjectStore('embeddings');
      const chunks = createEmbeddingStore(db);
      // A chunk holds vectors of one length; v2 did not enforce one length per embedder, so group by both.
      const groups = new Map<
        string,
        { embedderId: string; items: { hash: string; vector: Float32Array }[] }
      >();
      for (const e of embeddings) {
        const group = `${e.vector.length}:${e.embedderId}`;
        if (!groups.has(group)) groups.set(group, { embedderId: e.embedderId, items: [] });
        groups.get(group)!.items.push({ hash: e.textHash, vector: e.vector });
      }
      for (const { embedderId, items } of groups.values()) {
        for (const chunk of embeddingChunks(embedderId, items)) chunks.add(chunk).catch(fail);
      }
    })
    .catch(fail);
}

/** v4: the pass journal. */
function upgradeToV4(db: MemoryDb): void {
  db.createObjectStore('passes', { keyPath: 'turnId' });
}

/** The v2 layout of the stores v3 rebuilds, for the steps that read or write them in that layout. */
interface V2Schema extends DBSchema {
  memories: { key: string; value: StoredMemory; indexes: { ord: number } };
  events: { key: number; value: MemoryEvent };
  embeddings: { key: string; value: unknown };
}

/** The upgrade transaction typed with the v2 layout. */
function asV2(
  tx: UpgradeTx,
): IDBPTransaction<V2Schema, ('memories' | 'events' | 'embeddings')[], 'versionchange'> {
  return tx as unknown as IDBPTransaction<
    V2Schema,
    ('memories' | 'events' | 'embeddings')[],
    'versionchange'
  >;
}

/** Creates the v3 `memories` store. */
function createMemoryStore(db: MemoryDb) {
  const store = db.createObjectStore('memories', { keyPath: 'chunk', autoIncrement: true });
  store.createIndex('ids', 'ids', { multiEntry: true });
  return store;
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

/** Creates the v3 `embeddings` store. */
function createEmbeddingStore(db: MemoryDb) {
  const store = db.createObjectStore('embeddings', { autoIncrement: true });
  store.createIndex('embedderId', 'embedderId');
  store.createIndex('keys', 'keys', { multiEntry: true });
  return store;
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

/**
 * The upgrade steps, in order; step `i` brings a database from version `i` to `i + 1`. A step that reads returns
 * a promise that settles once its writes are queued; the next step starts then, so it reads what they wrote.
 */
const STEPS: ((db: MemoryDb, tx: UpgradeTx, fail: (err: unknown) => void) => Promise<void> | void)[] = [
  upgradeToV1,
  upgradeToV2,
  upgradeToV3,
  upgradeToV4,
];

/**
 * Opens (creating or upgrading) the app's database. `blocked` is called when another tab keeps an older version
 * open; the open waits until that tab closes or reloads.
 */
export async function openMemoryDb(
  name: string = DEFAULT_DB_NAME,
  callbacks: { blocked?: () => void; blocking?: () => void } = {},
): Promise<MemoryDb> {
  // A step that fails after its first await cannot throw into openDB; it aborts the upgrade and we rethrow here.
  let upgradeError: unknown;
  const fail = (err: unknown, tx: UpgradeTx): void => {
    upgradeError ??= err;
    try {
      tx.abort();
    } catch {
      // Already finished or aborting: the open rejects either way.
    }
  };
  try {
    return await openDB<MemoryDbSchema>(name, DB_VERSION, {
      upgrade(db, oldVersion, _newVersion, tx) {
        // A failed upgrade is reported by openDB's rejection; this keeps its `done` from rejecting unobserved.
        tx.done.catch(() => undefined);
        const stepFail = (err: unknown): void => fail(err, tx);
        let queued: Promise<void> | undefined;
        for (let v = oldVersion; v < DB_VERSION; v++) {
          const step = STEPS[v]!;
          queued = queued ? queued.then(() => step(db, tx, stepFail)) : (step(db, tx, stepFail) ?? undefined);
        }
        queued?.catch(stepFail);
      },
      ...(callbacks.blocked && { blocked: callbacks.blocked }),
      ...(callbacks.blocking && { blocking: callbacks.blocking }),
    });
  } catch (err) {
    throw upgradeError ?? err;
  }
}
