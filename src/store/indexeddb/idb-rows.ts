/**
 * Row encoding of the memory database for `IndexedDbStore`: reading and writing memory chunks, event runs, batches
 * and embedding chunks inside a transaction, every value read back validated (`readRecord`). Pure helpers over one
 * transaction each; the store decides which run together (idb-transaction.ts opens them).
 */
import { textHash } from '../../core/ids';
import type { MemoryEvent, MemoryRecord, TurnFailure } from '../../core/types';
import { turnFailureSchema } from '../export-format';
import type { BatchRecord } from '../planning/batch-record';
import {
  type MemoryChunk,
  type MemoryDb,
  type StoredMemory,
  batchRecordSchema,
  chunkVectors,
  embeddingChunkSchema,
  embeddingChunks,
  embeddingKey,
  eventRunSchema,
  eventRuns,
  memoryChunkSchema,
  memoryChunks,
  readRecord,
  toRecord,
} from './idb-schema';
import { type ReadTx, type StoreWriter, type WriteTx, reading } from './idb-transaction';

/** Oldest first; memories created at the same time keep their creation order. */
export function byCreation(a: StoredMemory, b: StoredMemory): number {
  return a.createdAt - b.createdAt || a.ord - b.ord;
}

/** A chunk of memories read back, with its key. */
export type ReadChunk = MemoryChunk & { chunk: number };

/** A memory read back, with the chunk that holds it (one object per chunk, shared by its memories). */
export interface CurrentMemory {
  stored: StoredMemory;
  record: MemoryRecord;
  chunk: ReadChunk;
}

/** Validates a `memories` record read back. */
export function readChunk(value: unknown, key?: IDBValidKey): ReadChunk {
  return readRecord(memoryChunkSchema, 'memories', value, key) as ReadChunk;
}

/** The memories of some chunks whose ids are `wanted`, keyed by id. */
export function memoriesOf(chunks: ReadChunk[], wanted: ReadonlySet<string>): Map<string, CurrentMemory> {
  const out = new Map<string, CurrentMemory>();
  for (const chunk of chunks) {
    for (const stored of chunk.memories) {
      if (wanted.has(stored.id)) out.set(stored.id, { stored, record: toRecord(stored), chunk });
    }
  }
  return out;
}

/** Reads the given memories (validated), keyed by id; absent ids are left out. */
export async function readMemories(
  tx: WriteTx | ReadTx,
  ids: readonly string[],
): Promise<Map<string, CurrentMemory>> {
  const index = reading(tx).objectStore('memories').index('ids');
  const values: unknown[] = await Promise.all(ids.map((id) => index.get(id)));
  const chunks = new Map<number, ReadChunk>();
  for (const value of values) {
    if (value === undefined) continue;
    const chunk = readChunk(value);
    if (!chunks.has(chunk.chunk)) chunks.set(chunk.chunk, chunk);
  }
  return memoriesOf([...chunks.values()], new Set(ids));
}

/** Queues written memories: each changed chunk is rewritten whole, new memories go into new chunks. */
export function writeMemories(
  store: StoreWriter<'memories'>,
  records: StoredMemory[],
  current: Map<string, CurrentMemory>,
): void {
  const changed = new Set<ReadChunk>();
  const fresh: StoredMemory[] = [];
  for (const record of records) {
    const holder = current.get(record.id)?.chunk;
    if (!holder) {
      fresh.push(record);
      continue;
    }
    holder.memories[holder.ids.indexOf(record.id)] = record;
    changed.add(holder);
  }
  for (const chunk of changed) store.put(chunk);
  for (const chunk of memoryChunks(fresh)) store.add(chunk);
}

/** The `seq` the next event gets: one past the last one in the log (1 for an empty log). */
export async function nextSeq(tx: WriteTx | ReadTx): Promise<number> {
  const cursor = await reading(tx).objectStore('events').openCursor(null, 'prev');
  if (!cursor) return 1;
  const run = readRecord(eventRunSchema, 'events', cursor.value, cursor.key);
  return run.events[run.events.length - 1]!.seq + 1;
}

/** Queues a write's events, grouped into the runs `events` stores. */
export function writeEvents(store: StoreWriter<'events'>, events: MemoryEvent[]): void {
  for (const run of eventRuns(events)) store.add(run);
}

/** The events of runs read back (validated), in `seq` order. */
export function readEvents(values: unknown[]): MemoryEvent[] {
  return values.flatMap((value) => readRecord(eventRunSchema, 'events', value).events);
}

/** Items to store with their text hashes, computed once. */
export function withHashes(
  items: { text: string; vector: Float32Array }[],
): { hash: string; vector: Float32Array }[] {
  return items.map((item) => ({ hash: textHash(item.text), vector: item.vector }));
}

/** The batch that processed a turn and was not undone, if any. */
export async function liveBatchForTurn(
  tx: WriteTx | ReadTx,
  turnId: string,
): Promise<BatchRecord | undefined> {
  const values: unknown[] = await reading(tx).objectStore('batches').index('turnId').getAll(turnId);
  return values
    .map((v) => readRecord(batchRecordSchema, 'batches', v) as BatchRecord)
    .filter((b) => b.undoneAt === undefined)
    .sort((a, b) => a.time - b.time)[0];
}

/** Records to store with their `ord`: kept from the stored record, else the `seq` of the event that created it. */
export function withOrd(
  records: MemoryRecord[],
  current: Map<string, CurrentMemory>,
  events: MemoryEvent[],
): StoredMemory[] {
  const created = new Map<string, number>();
  for (const e of events) if (!created.has(e.memoryId)) created.set(e.memoryId, e.seq);
  return records.map((record) => ({
    ...record,
    ord: current.get(record.id)?.stored.ord ?? created.get(record.id) ?? 0,
  }));
}

/** Queues embedding chunks (copies, so a view into a larger buffer stores only its own floats). */
export function putEmbeddingRecords(
  store: StoreWriter<'embeddings'>,
  embedderId: string,
  items: { hash: string; vector: Float32Array }[],
): void {
  for (const chunk of embeddingChunks(embedderId, items)) store.add(chunk);
}

/**
 * The current vector of each embedding key found (the one in the newest chunk holding the key), reading each
 * chunk once.
 */
export async function readEmbeddings(
  tx: WriteTx | ReadTx,
  keys: readonly string[],
): Promise<Map<string, Float32Array>> {
  const store = reading(tx).objectStore('embeddings');
  const newest = new Map<string, number>();
  await Promise.all(
    [...new Set(keys)].map(async (key) => {
      const chunkKeys = await store.index('keys').getAllKeys(key);
      if (chunkKeys.length > 0) newest.set(key, Math.max(...chunkKeys));
    }),
  );
  const chunks = new Map<number, Map<string, Float32Array>>();
  await Promise.all(
    [...new Set(newest.values())].map(async (chunkKey) => {
      const value: unknown = await store.get(chunkKey);
      chunks.set(chunkKey, chunkVectors(readRecord(embeddingChunkSchema, 'embeddings', value, chunkKey)));
    }),
  );
  const out = new Map<string, Float32Array>();
  for (const [key, chunkKey] of newest) {
    const vector = chunks.get(chunkKey)?.get(key);
    if (vector) out.set(key, vector);
  }
  return out;
}

/** For each record, the vector its current text has under every embedder in the database (`undefined`: none). */
export async function readVectors(
  tx: WriteTx | ReadTx,
  records: MemoryRecord[],
): Promise<Map<string, Map<string, Float32Array | undefined>>> {
  const store = reading(tx).objectStore('embeddings');
  const embedders: string[] = [];
  let cursor = await store.index('embedderId').openKeyCursor(null, 'nextunique');
  while (cursor) {
    embedders.push(cursor.key);
    cursor = await cursor.continue();
  }
  const out = new Map<string, Map<string, Float32Array | undefined>>();
  if (embedders.length === 0) return out;
  const keysOf = new Map(
    records.map((record) => {
      const hash = textHash(record.text);
      return [record.id, embedders.map((embedderId) => embeddingKey(embedderId, hash))];
    }),
  );
  const found = await readEmbeddings(tx, [...keysOf.values()].flat());
  for (const record of records) {
    const keys = keysOf.get(record.id)!;
    out.set(record.id, new Map(embedders.map((embedderId, i) => [embedderId, found.get(keys[i]!)])));
  }
  return out;
}

/**
 * Calls `fn` on every value of a store in key order, reading `rows` rows per request. `fn` must be synchronous:
 * the transaction stays alive only while requests are pending.
 */
export async function forEachChunk(
  tx: ReadTx,
  name: 'memories' | 'embeddings',
  rows: number,
  fn: (value: unknown, key: IDBValidKey) => void,
): Promise<void> {
  const store = tx.objectStore(name);
  let after: IDBValidKey | undefined;
  for (;;) {
    const range = after === undefined ? null : IDBKeyRange.lowerBound(after, true);
    const [keys, values] = await Promise.all([store.getAllKeys(range, rows), store.getAll(range, rows)]);
    values.forEach((value, i) => fn(value, keys[i]!));
    if (keys.length < rows) return;
    after = keys[keys.length - 1];
  }
}

/** Every memory in the database, validated, oldest first. */
export async function readAllMemories(db: MemoryDb): Promise<MemoryRecord[]> {
  const values = await db.getAll('memories');
  return values
    .flatMap((v) => readChunk(v).memories)
    .sort(byCreation)
    .map(toRecord);
}

/** Memories, events and failures read in one transaction, so a concurrent write in another tab cannot tear them. */
export async function readSnapshot(
  db: MemoryDb,
): Promise<{ memories: MemoryRecord[]; events: MemoryEvent[]; failures: TurnFailure[] }> {
  const tx = db.transaction(['memories', 'events', 'failures'], 'readonly');
  const [memories, events, failures] = await Promise.all([
    tx.objectStore('memories').getAll(),
    tx.objectStore('events').getAll(),
    tx.objectStore('failures').getAll(),
  ]);
  return {
    memories: memories
      .flatMap((v) => readChunk(v).memories)
      .sort(byCreation)
      .map(toRecord),
    events: readEvents(events),
    failures: readFailures(failures),
  };
}

/** Failures read back (validated), oldest first. */
export function readFailures(values: unknown[]): TurnFailure[] {
  return values.map((f) => readRecord(turnFailureSchema, 'failures', f)).sort((a, b) => a.time - b.time);
}
