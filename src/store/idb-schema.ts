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
 */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames, openDB } from 'idb';
import { z } from 'zod';
import type { MemoryEvent, MemoryRecord, TurnFailure } from '../core/types';
import { type BatchRecord, batchesFromEvents } from './batch-planner';
import { CorruptRecordError } from './errors';
import { memoryEventSchema, memoryRecordSchema } from './export-format';

/** The schema version this code writes; `openMemoryDb` upgrades older databases to it. */
export const DB_VERSION = 2;
/** Database name used when none is given. */
export const DEFAULT_DB_NAME = 'memory-r1';

/** A memory as stored: the record plus `ord`, the `seq` of the event that created it (for creation order). */
export type StoredMemory = MemoryRecord & { ord: number };

/** A stored embedding: one vector per embedder and text (keyed by content, so edited texts are re-embedded). */
export interface StoredEmbedding {
  key: string;
  embedderId: string;
  textHash: string;
  vector: Float32Array;
}

/** The database's stores (current version), as `idb` types them. */
export interface MemoryDbSchema extends DBSchema {
  memories: { key: string; value: StoredMemory; indexes: { ord: number } };
  events: { key: number; value: MemoryEvent; indexes: { memoryId: string; batchId: string; turnId: string } };
  batches: { key: string; value: BatchRecord; indexes: { turnId: string } };
  embeddings: { key: string; value: StoredEmbedding; indexes: { embedderId: string } };
  failures: { key: string; value: TurnFailure };
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

/** Validates an embedding read back: a non-empty Float32Array under a key that matches its fields. */
export const storedEmbeddingSchema = z
  .strictObject({
    key: z.string(),
    embedderId: z.string().min(1),
    textHash: z.string().regex(/^[0-9a-f]{16}$/),
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
  const id = key ?? fields.id ?? fields.seq ?? fields.key ?? fields.batchId ?? fields.turnId;
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
  const events = db.createObjectStore('events', { keyPath: 'seq' });
  events.createIndex('memoryId', 'memoryId');
  events.createIndex('batchId', 'batchId');
  events.createIndex('turnId', 'turnId');
}

/**
 * v2: creation order on memories, batch records rebuilt from the audit log, embeddings, failures and the app's
 * stores. Runs synchronously inside the version-change transaction: a failed step aborts the whole upgrade.
 */
function upgradeToV2(db: MemoryDb, tx: UpgradeTx, fail: (err: unknown) => void): void {
  const batches = db.createObjectStore('batches', { keyPath: 'batchId' });
  batches.createIndex('turnId', 'turnId');
  db.createObjectStore('embeddings', { keyPath: 'key' }).createIndex('embedderId', 'embedderId');
  db.createObjectStore('failures', { keyPath: 'turnId' });
  db.createObjectStore('conversations', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
  db.createObjectStore('messages', { keyPath: 'id' }).createIndex('conversationId', 'conversationId');
  db.createObjectStore('settings', { keyPath: 'key' });
  db.createObjectStore('models', { keyPath: 'id' });
  const memories = tx.objectStore('memories');
  memories.createIndex('ord', 'ord');

  // `upgrade` must be synchronous, so the rewrite runs in these reads' callbacks, while the transaction is active.
  const rawEvents = tx.objectStore('events').getAll();
  const rawMemories = memories.getAll();
  Promise.all([rawEvents, rawMemories])
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

/** The upgrade steps, in order; step `i` brings a database from version `i` to `i + 1`. */
const STEPS: ((db: MemoryDb, tx: UpgradeTx, fail: (err: unknown) => void) => void)[] = [
  upgradeToV1,
  upgradeToV2,
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
        for (let v = oldVersion; v < DB_VERSION; v++) STEPS[v]!(db, tx, (err) => fail(err, tx));
      },
      ...(callbacks.blocked && { blocked: callbacks.blocked }),
      ...(callbacks.blocking && { blocking: callbacks.blocking }),
    });
  } catch (err) {
    throw upgradeError ?? err;
  }
}
