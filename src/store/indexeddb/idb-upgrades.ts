/**
 * The versioned upgrades of the memory database (the layout of each version is described in idb-schema.ts) and
 * `openMemoryDb`, which runs the steps an older database needs, in order, inside the version-change transaction,
 * so an interrupted or failing upgrade leaves the previous version intact.
 */
import { type DBSchema, type IDBPTransaction, type StoreNames, openDB, unwrap } from 'idb';
import { z } from 'zod';
import type { MemoryEvent } from '../../core/types';
import { batchesFromEvents } from '../planning/event-replay';
import { memoryEventSchema, memoryRecordSchema } from '../export-format';
import {
  DB_VERSION,
  DEFAULT_DB_NAME,
  HASH,
  type MemoryDb,
  type MemoryDbSchema,
  type StoredMemory,
  embeddingChunks,
  embeddingKey,
  eventRuns,
  memoryChunks,
  readRecord,
  storedMemorySchema,
} from './idb-schema';
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

/** The version-change transaction an upgrade step runs in. */
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

/** Creates the v3 `embeddings` store. */
function createEmbeddingStore(db: MemoryDb) {
  const store = db.createObjectStore('embeddings', { autoIncrement: true });
  store.createIndex('embedderId', 'embedderId');
  store.createIndex('keys', 'keys', { multiEntry: true });
  return store;
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
