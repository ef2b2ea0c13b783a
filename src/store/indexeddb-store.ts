/**
 * `IndexedDbStore`: the app's `MemoryStore`, kept in IndexedDB (layout and upgrades in idb-schema.ts) and run in
 * the memory worker. Planning is the shared pure code (batch-planner.ts, import-planner.ts), so it behaves exactly
 * like `InMemoryStore`; search is a `HybridIndex` built from the database on open and kept in step with it.
 *
 * Guarantees:
 * - A batch, an undo, an import or a clear is ONE readwrite transaction; anything failing mid-way (an invalid op,
 *   a full disk, an abort, a crash) aborts it and leaves nothing partial. `QuotaExceededError` becomes `QuotaError`.
 * - Writers from every tab are serialized by the Web Lock `memory-r1-write`, and each write re-reads what it plans
 *   against inside its transaction, so concurrent batches from two pages lose no update, and an UPDATE or DELETE
 *   decided against a text its memory no longer has is refused there (`StaleMemoryError`). Every committed change
 *   is announced on the BroadcastChannel `memory-r1-changes`; other pages refresh their index and call `onChange`.
 * - A batch for a turn, and a turn's failure, remove the turn's pass journal entry in the same transaction.
 * - Every record read back is validated; a damaged record raises `CorruptRecordError` instead of vanishing.
 *
 * `get`, `list`, `history`, `findTurn`, `failures` and `export` read the database (always current, across tabs);
 * `search` and `missingEmbeddings` answer from the in-memory index, which follows other tabs within one message.
 */
import { z } from 'zod';
import { QuotaError, isAbortError, throwIfAborted } from '../core/errors';
import { textHash } from '../core/ids';
import type {
  AppliedBatch,
  CallOptions,
  ImportReport,
  MemoryEvent,
  MemoryExport,
  MemoryFilter,
  MemoryOpBatch,
  MemoryPage,
  MemoryRecord,
  MemoryStore,
  PageQuery,
  PassRecord,
  ScoredMemory,
  SearchQuery,
  TurnFailure,
} from '../core/types';
import {
  type BatchRecord,
  type PlannerState,
  planBatch,
  planUndo,
  referencedMemoryIds,
  toAppliedBatch,
} from './batch-planner';
import { StoreClosedError, VectorDimensionError } from './errors';
import { EXPORT_FORMAT, EXPORT_VERSION, fitFailure, parseImport, turnFailureSchema } from './export-format';
import { HybridIndex } from './hybrid-search';
import { checkVectorDims, matchesFilter, pageOf, searchIndex } from './index-search';
import {
  DEFAULT_DB_NAME,
  EMBEDDING_CHUNK_SIZE,
  MEMORY_CHUNK_SIZE,
  type MemoryChunk,
  type MemoryDb,
  type MemoryDbSchema,
  type StoredMemory,
  batchRecordSchema,
  chunkVectors,
  embeddingChunkSchema,
  embeddingChunks,
  embeddingKey,
  eventRunSchema,
  eventRuns,
  hashOfKey,
  memoryChunkSchema,
  memoryChunks,
  openMemoryDb,
  readRecord,
  toRecord,
} from './idb-schema';
import { type IDBPTransaction, type StoreNames, unwrap } from 'idb';
import { type ImportState, importMemoryIds, planImport } from './import-planner';
import { byTurnTime, passRecordSchema } from './pass-journal';

/** Name of the Web Lock every writer of the default database holds. */
export const WRITE_LOCK = 'memory-r1-write';
/** Name of the BroadcastChannel committed changes are announced on. */
export const CHANGE_CHANNEL = 'memory-r1-changes';

/** Options of `IndexedDbStore.open`. */
export interface IndexedDbStoreOptions {
  /** Database name; default `memory-r1` (tests use a fresh name each). */
  name?: string;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
}

/** A committed change, from this page (`local`) or another page on the same database (`remote`). */
export interface StoreChange {
  origin: 'local' | 'remote';
  /** What changed: memories (and their events), embeddings, failures, the pass journal, or everything (clear). */
  kind: 'memories' | 'embeddings' | 'failures' | 'passes' | 'reset';
  /** The memories concerned, for `memories` and `embeddings`. */
  memoryIds?: string[];
  /**
   * Set when refreshing after a remote change failed (e.g. a damaged record: the index may be stale), or with
   * `StoreClosedError` when the store closed itself so a newer app version in another tab could upgrade the database.
   */
  error?: Error;
}

/** Storage use of this origin, and whether the browser promised not to evict it. */
export interface StorageReport {
  usage: number;
  quota: number;
  persisted: boolean;
}

const fromId = z.string();
const changeMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memories'), db: z.string(), from: fromId, memoryIds: z.array(z.string()) }),
  z.object({
    kind: z.literal('embeddings'),
    db: z.string(),
    from: fromId,
    embedderId: z.string(),
    hashes: z.array(z.string()),
  }),
  z.object({ kind: z.literal('failures'), db: z.string(), from: fromId }),
  z.object({ kind: z.literal('passes'), db: z.string(), from: fromId }),
  z.object({ kind: z.literal('reset'), db: z.string(), from: fromId }),
]);
type ChangeMessage = z.infer<typeof changeMessageSchema>;

/** Keeps only the fields of a failure the schema knows, so a caller's extra fields never make the store unreadable. */
const failureInputSchema = z.object(turnFailureSchema.shape);

/** What `apply` and `undo` write: the bank, and the pass journal entry a turn's batch ends. */
const MEMORY_STORES: Names[] = ['memories', 'events', 'batches', 'embeddings', 'passes'];
const BANK_STORES: Names[] = ['memories', 'events', 'batches', 'embeddings', 'failures', 'passes'];
type Names = StoreNames<MemoryDbSchema>;
/** A readwrite transaction over some of the stores (typed loosely: the names are checked when it is opened). */
type WriteTx = IDBPTransaction<MemoryDbSchema, Names[], 'readwrite'>;

/** Typed fire-and-forget writes on one store of a write transaction; failures surface through the transaction. */
interface StoreWriter<N extends Names> {
  put(value: MemoryDbSchema[N]['value']): void;
  add(value: MemoryDbSchema[N]['value']): void;
  delete(key: MemoryDbSchema[N]['key']): void;
  clear(): void;
}
/** Any transaction, for helpers that only read. */
type ReadTx = IDBPTransaction<MemoryDbSchema, Names[], 'readonly'>;

function reading(tx: WriteTx | ReadTx): ReadTx {
  return tx as unknown as ReadTx;
}

/** Memories (or embeddings) read per `getAll` call when loading, so opening a large bank never clones it all at once. */
const LOAD_CHUNK = 10_000;

/** A `MemoryStore` in IndexedDB with an in-memory hybrid index, safe with several tabs open. */
export class IndexedDbStore implements MemoryStore {
  private readonly instanceId = crypto.randomUUID();
  private readonly lockName: string;
  private readonly channel: BroadcastChannel;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  /** Serializes this instance's writes and cache refreshes, so a slow refresh never overwrites a newer write. */
  private queue: Promise<unknown> = Promise.resolve();
  private records = new Map<string, MemoryRecord>();
  private hashOf = new Map<string, string>();
  private idsByHash = new Map<string, Set<string>>();
  private index = new HybridIndex();
  private persistRequested = false;
  private closedBy: 'closed' | 'upgraded' | undefined;

  private constructor(
    private readonly connection: MemoryDb,
    private readonly name: string,
    private readonly now: () => number,
  ) {
    this.lockName = name === DEFAULT_DB_NAME ? WRITE_LOCK : `${WRITE_LOCK}:${name}`;
    this.channel = new BroadcastChannel(CHANGE_CHANNEL);
    this.channel.onmessage = (event: MessageEvent<unknown>) => this.onMessage(event.data);
  }

  /**
   * Opens (creating or upgrading) the database and builds the search index from it. Throws `CorruptRecordError`
   * when a stored record is damaged.
   * @example const store = await IndexedDbStore.open(); await store.apply({ ops: [{ op: 'ADD', text: 'Likes tea' }] });
   */
  static async open(options: IndexedDbStoreOptions = {}): Promise<IndexedDbStore> {
    const name = options.name ?? DEFAULT_DB_NAME;
    const opened: { store?: IndexedDbStore } = {};
    // A newer version of the app in another tab wants to upgrade: step aside instead of blocking it forever.
    const db = await openMemoryDb(name, { blocking: () => opened.store?.shutDown('upgraded') });
    const store = new IndexedDbStore(db, name, options.now ?? Date.now);
    opened.store = store;
    try {
      await store.serial(() => store.reload());
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /** Calls `listener` after every committed change (local or from another page); returns the unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes the database connection and stops listening to other pages; later calls throw `StoreClosedError`. */
  close(): void {
    this.shutDown('closed');
    this.listeners.clear();
  }

  private shutDown(reason: 'closed' | 'upgraded'): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    this.channel.close();
    this.connection.close();
    if (reason === 'upgraded') {
      this.emit({ origin: 'remote', kind: 'reset', error: new StoreClosedError('upgraded') });
    }
  }

  /** The open connection; throws `StoreClosedError` once the store was closed. */
  private get db(): MemoryDb {
    if (this.closedBy) throw new StoreClosedError(this.closedBy);
    return this.connection;
  }

  /** How much this origin stores and may store, and whether its storage is persistent. */
  async storageEstimate(): Promise<StorageReport> {
    const estimate = await navigator.storage.estimate();
    return {
      usage: estimate.usage ?? 0,
      quota: estimate.quota ?? 0,
      persisted: (await navigator.storage.persisted?.()) ?? false,
    };
  }

  async apply(batch: MemoryOpBatch, opts: CallOptions = {}): Promise<AppliedBatch> {
    throwIfAborted(opts.signal);
    if (batch.embeddings) checkVectorDims(this.index, batch.embeddings.embedderId, batch.embeddings.vectors);
    return this.exclusive(opts.signal, async () => {
      const outcome = await this.write(MEMORY_STORES, opts.signal, async (tx, out) => {
        if (batch.turnId !== undefined) {
          // Queued first: any failure below aborts the transaction, and the journal entry stays with it.
          out('passes').delete(batch.turnId);
          const earlier = await liveBatchForTurn(tx, batch.turnId);
          if (earlier) return { duplicate: { ...toAppliedBatch(earlier), duplicate: true } };
        }
        const ids = Array.isArray(batch.ops) ? referencedMemoryIds(batch) : [];
        const current = await readMemories(tx, ids);
        const batchTaken =
          typeof batch.batchId === 'string' &&
          (await tx.objectStore('batches').getKey(batch.batchId)) !== undefined;
        const state: PlannerState = {
          getMemory: (id) => current.get(id)?.record,
          hasBatch: () => batchTaken,
        };
        const plan = planBatch(state, batch, { now: this.now(), nextSeq: await nextSeq(tx) });
        if (batch.embeddings) {
          const { embedderId, vectors } = batch.embeddings;
          putEmbeddingRecords(out('embeddings'), embedderId, withHashes(vectors));
        }
        writeMemories(out('memories'), withOrd(plan.records, current, plan.events), current);
        writeEvents(out('events'), plan.events);
        out('batches').put(plan.batch);
        const vectors = await readVectors(tx, plan.records);
        return { plan, vectors };
      });
      if (outcome.duplicate) return outcome.duplicate;
      this.cacheRecords(outcome.plan.records, outcome.vectors);
      this.announce({ kind: 'memories', memoryIds: outcome.plan.records.map((r) => r.id) });
      this.requestPersistence();
      return outcome.plan.result;
    });
  }

  async search(query: SearchQuery, opts: CallOptions = {}): Promise<ScoredMemory[]> {
    throwIfAborted(opts.signal);
    if (this.closedBy) throw new StoreClosedError(this.closedBy);
    return searchIndex(this.index, query, (id) => this.records.get(id));
  }

  async get(id: string): Promise<MemoryRecord | undefined> {
    const value: unknown = await this.db.getFromIndex('memories', 'ids', id);
    const stored = value === undefined ? undefined : readChunk(value).memories.find((m) => m.id === id);
    return stored && toRecord(stored);
  }

  async list(filter: MemoryFilter = {}): Promise<MemoryRecord[]> {
    return (await this.readAllMemories()).filter((r) => matchesFilter(r, filter));
  }

  /** Served from the cache that search uses (every record, oldest first), not from the database. */
  async page(query: PageQuery): Promise<MemoryPage> {
    if (this.closedBy) throw new StoreClosedError(this.closedBy);
    return pageOf(this.records.values(), query);
  }

  async history(memoryId?: string): Promise<MemoryEvent[]> {
    if (memoryId === undefined) return readEvents(await this.db.getAll('events'));
    const runs = await this.db.getAllFromIndex('events', 'memoryIds', memoryId);
    return readEvents(runs).filter((e) => e.memoryId === memoryId);
  }

  async findTurn(turnId: string): Promise<AppliedBatch | undefined> {
    const record = await liveBatchForTurn(this.db.transaction(['batches'], 'readonly'), turnId);
    return record && toAppliedBatch(record);
  }

  async undo(batchId: string): Promise<AppliedBatch> {
    return this.exclusive(undefined, async () => {
      const { plan, vectors } = await this.write(MEMORY_STORES, undefined, async (tx, out) => {
        const raw = await tx.objectStore('batches').get(batchId);
        const batch = raw === undefined ? undefined : readRecord(batchRecordSchema, 'batches', raw, batchId);
        const current = await readMemories(tx, batch ? batch.applied.map((op) => op.memoryId) : []);
        const state: PlannerState = { getMemory: (id) => current.get(id)?.record, hasBatch: () => true };
        const plan = planUndo(state, batch, { now: this.now(), nextSeq: await nextSeq(tx) }, batchId);
        writeMemories(out('memories'), withOrd(plan.records, current, plan.events), current);
        writeEvents(out('events'), plan.events);
        out('batches').put(plan.batch);
        return { plan, vectors: await readVectors(tx, plan.records) };
      });
      this.cacheRecords(plan.records, vectors);
      this.announce({ kind: 'memories', memoryIds: plan.records.map((r) => r.id) });
      return plan.result;
    });
  }

  async putEmbeddings(embedderId: string, items: { text: string; vector: Float32Array }[]): Promise<void> {
    checkVectorDims(this.index, embedderId, items);
    if (items.length === 0) return;
    const hashed = withHashes(items);
    await this.exclusive(undefined, async () => {
      await this.write(['embeddings'], undefined, async (tx, out) => {
        const sample = await tx.objectStore('embeddings').index('embedderId').get(embedderId);
        if (sample !== undefined) {
          const { dims } = readRecord(embeddingChunkSchema, 'embeddings', sample);
          const bad = items.find((item) => item.vector.length !== dims);
          if (bad) throw new VectorDimensionError(embedderId, dims, bad.vector.length);
        }
        putEmbeddingRecords(out('embeddings'), embedderId, hashed);
      });
      const memoryIds = this.attachVectors(embedderId, hashed);
      this.broadcast({ kind: 'embeddings', embedderId, hashes: [...new Set(hashed.map((h) => h.hash))] });
      this.emit({ origin: 'local', kind: 'embeddings', memoryIds });
    });
  }

  async missingEmbeddings(embedderId: string, limit = Infinity): Promise<MemoryRecord[]> {
    const out: MemoryRecord[] = [];
    for (const record of await this.list()) {
      if (out.length >= limit) break;
      if (!this.index.hasVector(record.id, embedderId)) out.push(record);
    }
    return out;
  }

  async recordFailure(failure: TurnFailure): Promise<void> {
    const clean = fitFailure(failureInputSchema.parse(failure));
    await this.exclusive(undefined, () =>
      this.write(['failures', 'passes'], undefined, async (tx, out) => {
        out('failures').put(clean);
        out('passes').delete(clean.turnId);
      }),
    );
    this.announce({ kind: 'failures' });
  }

  async failures(): Promise<TurnFailure[]> {
    const values = await this.db.getAll('failures');
    return values.map((f) => readRecord(turnFailureSchema, 'failures', f)).sort((a, b) => a.time - b.time);
  }

  async clearFailure(turnId: string): Promise<void> {
    await this.exclusive(undefined, () =>
      this.write(['failures'], undefined, async (tx, out) => {
        out('failures').delete(turnId);
      }),
    );
    this.announce({ kind: 'failures' });
  }

  async putPass(pass: PassRecord): Promise<void> {
    const clean = passRecordSchema.parse(pass);
    await this.exclusive(undefined, () =>
      this.write(['passes'], undefined, async (tx, out) => out('passes').put(clean)),
    );
    this.announce({ kind: 'passes' });
  }

  async passes(): Promise<PassRecord[]> {
    const values = await this.db.getAll('passes');
    return values.map((p) => readRecord(passRecordSchema, 'passes', p)).sort(byTurnTime);
  }

  async clearPass(turnId: string): Promise<void> {
    await this.exclusive(undefined, () =>
      this.write(['passes'], undefined, async (tx, out) => out('passes').delete(turnId)),
    );
    this.announce({ kind: 'passes' });
  }

  /** One consistent snapshot (a single read transaction), so a concurrent write in another tab cannot tear it. */
  async export(): Promise<MemoryExport> {
    const tx = this.db.transaction(['memories', 'events', 'failures'], 'readonly');
    const [memories, events, failures] = await Promise.all([
      tx.objectStore('memories').getAll(),
      tx.objectStore('events').getAll(),
      tx.objectStore('failures').getAll(),
    ]);
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: this.now(),
      memories: memories
        .flatMap((v) => readChunk(v).memories)
        .sort(byCreation)
        .map(toRecord),
      events: readEvents(events),
      failures: failures
        .map((f) => readRecord(turnFailureSchema, 'failures', f))
        .sort((a, b) => a.time - b.time),
    };
  }

  async import(data: unknown): Promise<ImportReport> {
    const parsed = parseImport(data);
    return this.exclusive(undefined, async () => {
      const { plan, vectors } = await this.write(BANK_STORES, undefined, async (tx, out) => {
        // All chunks in one request: cheaper than looking each imported id up in the `ids` index (a request each).
        const [memoryValues, batchKeys, failureKeys] = await Promise.all([
          tx.objectStore('memories').getAll(),
          tx.objectStore('batches').getAllKeys(),
          tx.objectStore('failures').getAllKeys(),
        ]);
        const current = memoriesOf(
          memoryValues.map((v) => readChunk(v)),
          new Set(importMemoryIds(parsed)),
        );
        const taken = new Set(batchKeys);
        const failed = new Set(failureKeys);
        const seq = await nextSeq(tx);
        const state: ImportState = {
          getMemory: (id) => current.get(id)?.record,
          hasBatch: (id) => taken.has(id),
          hasEvents: () => seq > 1,
          hasFailure: (turnId) => failed.has(turnId),
        };
        const plan = planImport(state, parsed, { now: this.now(), nextSeq: seq });
        writeMemories(out('memories'), withOrd(plan.records, current, plan.events), current);
        writeEvents(out('events'), plan.events);
        for (const batch of plan.batches) out('batches').put(batch);
        for (const failure of plan.failures) out('failures').put(failure);
        return { plan, vectors: await readVectors(tx, plan.records) };
      });
      this.cacheRecords(plan.records, vectors);
      this.announce({ kind: 'memories', memoryIds: plan.records.map((r) => r.id) });
      if (plan.failures.length > 0) this.announce({ kind: 'failures' });
      this.requestPersistence();
      return plan.report;
    });
  }

  async clear(): Promise<void> {
    await this.exclusive(undefined, async () => {
      await this.write(BANK_STORES, undefined, async (tx, out) => {
        for (const name of BANK_STORES) out(name).clear();
      });
      this.resetCache();
      this.announce({ kind: 'reset' });
    });
  }

  /** Runs `fn` after every earlier write or refresh of this instance has finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs a write holding this instance's queue and the cross-tab write lock (when the browser has Web Locks). */
  private exclusive<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return this.serial(() => {
      throwIfAborted(signal);
      // Without Web Locks, IndexedDB's own ordering of overlapping readwrite transactions still serializes writers,
      // because every write reads what it plans against inside its transaction.
      if (typeof navigator === 'undefined' || !navigator.locks) return fn();
      return navigator.locks.request(this.lockName, signal ? { signal } : {}, fn) as Promise<T>;
    });
  }

  /**
   * One readwrite transaction: `body` reads (awaiting only IndexedDB requests), plans synchronously and queues its
   * writes on the native stores `out(name)` gives. Writes are plain requests, not promises: a failing one aborts
   * the transaction, and `done` reports its error. Any error or an abort of `signal` aborts the transaction, so
   * nothing is written.
   */
  private async write<T>(
    names: Names[],
    signal: AbortSignal | undefined,
    body: (tx: WriteTx, out: <N extends Names>(name: N) => StoreWriter<N>) => Promise<T>,
  ): Promise<T> {
    const tx = this.db.transaction(names, 'readwrite');
    // A failing request rejects `done` before the reads of `body` fail; handle it now so it is never unobserved.
    const done = tx.done;
    done.catch(() => undefined);
    // Native requests skip idb's promise per request, which halves the cost of bulk writes (imports, backfills).
    const out = <N extends Names>(name: N): StoreWriter<N> => {
      const store = unwrap(tx.objectStore(name));
      return {
        put: (value) => void store.put(value),
        add: (value) => void store.add(value),
        delete: (key) => void store.delete(key),
        clear: () => void store.clear(),
      };
    };
    const abort = (): void => {
      try {
        tx.abort();
      } catch {
        // The transaction already committed or aborted; there is nothing left to stop.
      }
    };
    signal?.addEventListener('abort', abort);
    try {
      const result = await body(tx, out);
      await done;
      return result;
    } catch (err) {
      const txError = tx.error;
      abort();
      await done.catch(() => undefined);
      throw writeError(err, tx.error ?? txError, signal);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Loads every memory and every matching embedding into the cache and index. */
  private async reload(): Promise<void> {
    this.resetCache();
    const tx: ReadTx = this.db.transaction(['memories', 'embeddings'], 'readonly');
    const memories: StoredMemory[] = [];
    await forEachChunk(tx, 'memories', Math.floor(LOAD_CHUNK / MEMORY_CHUNK_SIZE), (value, key) => {
      memories.push(...readChunk(value, key).memories);
    });
    memories.sort(byCreation);
    for (const stored of memories) this.cacheRecord(toRecord(stored));
    // Chunks come oldest first, so a vector stored again later replaces the earlier one.
    await forEachChunk(tx, 'embeddings', Math.floor(LOAD_CHUNK / EMBEDDING_CHUNK_SIZE), (value, key) => {
      const chunk = readRecord(embeddingChunkSchema, 'embeddings', value, key);
      for (const [k, vector] of chunkVectors(chunk)) {
        for (const id of this.idsByHash.get(hashOfKey(k)) ?? [])
          this.index.setVector(id, chunk.embedderId, vector);
      }
    });
    await tx.done;
  }

  private resetCache(): void {
    this.records = new Map();
    this.hashOf = new Map();
    this.idsByHash = new Map();
    this.index = new HybridIndex();
  }

  /** Puts a record in the cache and index, re-linking it to its text hash. */
  private cacheRecord(record: MemoryRecord): void {
    this.records.set(record.id, record);
    this.index.upsert(record);
    const hash = textHash(record.text);
    const oldHash = this.hashOf.get(record.id);
    if (oldHash === hash) return;
    if (oldHash !== undefined) this.idsByHash.get(oldHash)?.delete(record.id);
    let ids = this.idsByHash.get(hash);
    if (!ids) this.idsByHash.set(hash, (ids = new Set()));
    ids.add(record.id);
    this.hashOf.set(record.id, hash);
  }

  private uncacheRecord(id: string): void {
    const hash = this.hashOf.get(id);
    if (hash !== undefined) this.idsByHash.get(hash)?.delete(id);
    this.hashOf.delete(id);
    this.records.delete(id);
    this.index.remove(id);
  }

  /** Caches written records with the vectors their (possibly new) texts have, per embedder. */
  private cacheRecords(
    records: MemoryRecord[],
    vectors: Map<string, Map<string, Float32Array | undefined>>,
  ): void {
    for (const record of records) {
      this.cacheRecord(record);
      for (const [embedderId, vector] of vectors.get(record.id) ?? []) {
        if (vector) this.index.setVector(record.id, embedderId, vector);
        else this.index.removeVector(record.id, embedderId);
      }
    }
  }

  /** Gives every cached memory whose text has one of these hashes its vector; returns the memories touched. */
  private attachVectors(embedderId: string, items: { hash: string; vector: Float32Array }[]): string[] {
    const touched: string[] = [];
    for (const { hash, vector } of items) {
      for (const id of this.idsByHash.get(hash) ?? []) {
        this.index.setVector(id, embedderId, vector);
        touched.push(id);
      }
    }
    return touched;
  }

  private async readAllMemories(): Promise<MemoryRecord[]> {
    const values = await this.db.getAll('memories');
    return values
      .flatMap((v) => readChunk(v).memories)
      .sort(byCreation)
      .map(toRecord);
  }

  /** Asks the browser once to keep this origin's data, as soon as the first memory exists. */
  private requestPersistence(): void {
    if (this.persistRequested || this.records.size === 0) return;
    this.persistRequested = true;
    const storage = typeof navigator === 'undefined' ? undefined : navigator.storage;
    if (!storage?.persist) return;
    // Best effort by design: a refusal only leaves storage "best-effort", which `storageEstimate()` reports.
    void (async () => {
      if (!(await storage.persisted())) await storage.persist();
    })().catch(() => undefined);
  }

  private announce(
    change: { kind: 'memories'; memoryIds: string[] } | { kind: 'failures' | 'passes' | 'reset' },
  ): void {
    this.broadcast(change);
    this.emit({ origin: 'local', ...change });
  }

  private broadcast(
    change:
      | { kind: 'memories'; memoryIds: string[] }
      | { kind: 'embeddings'; embedderId: string; hashes: string[] }
      | { kind: 'failures' | 'passes' | 'reset' },
  ): void {
    const message: ChangeMessage = { ...change, db: this.name, from: this.instanceId };
    this.channel.postMessage(message);
  }

  private emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }

  /** Refreshes the cache after another page committed a change, then tells listeners. */
  private onMessage(data: unknown): void {
    const parsed = changeMessageSchema.safeParse(data);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.db !== this.name || message.from === this.instanceId) return;
    void this.serial(async () => {
      try {
        const memoryIds = await this.refresh(message);
        this.emit({ origin: 'remote', kind: message.kind, ...(memoryIds && { memoryIds }) });
      } catch (err) {
        this.emit({
          origin: 'remote',
          kind: message.kind,
          error: err instanceof Error ? err : new Error(String(err)),
        });
      }
    });
  }

  private async refresh(message: ChangeMessage): Promise<string[] | undefined> {
    if (message.kind === 'reset') {
      await this.reload();
      return undefined;
    }
    if (message.kind === 'failures' || message.kind === 'passes') return undefined;
    const tx: ReadTx = this.db.transaction(['memories', 'embeddings'], 'readonly');
    if (message.kind === 'memories') {
      const current = await readMemories(tx, message.memoryIds);
      const records = [...current.values()].map((c) => c.record);
      const vectors = await readVectors(tx, records);
      for (const id of message.memoryIds) if (!current.has(id)) this.uncacheRecord(id);
      this.cacheRecords(records, vectors);
      return message.memoryIds;
    }
    const found = await readEmbeddings(
      tx,
      message.hashes.map((hash) => embeddingKey(message.embedderId, hash)),
    );
    return this.attachVectors(
      message.embedderId,
      [...found].map(([key, vector]) => ({ hash: hashOfKey(key), vector })),
    );
  }
}

/** Oldest first; memories created at the same time keep their creation order. */
function byCreation(a: StoredMemory, b: StoredMemory): number {
  return a.createdAt - b.createdAt || a.ord - b.ord;
}

/** Maps a failed write to the error callers see: the abort reason, `QuotaError`, or the error itself. */
function writeError(err: unknown, txError: DOMException | null, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) {
    return signal.reason instanceof Error
      ? signal.reason
      : new DOMException('The operation was aborted.', 'AbortError');
  }
  const names = [txError?.name, (err as { name?: unknown } | null)?.name];
  if (names.includes('QuotaExceededError')) return new QuotaError();
  // A failed write request aborts the transaction; a read still pending then fails with a bare AbortError.
  return txError && isAbortError(err) ? txError : err;
}

/** A chunk of memories read back, with its key. */
type ReadChunk = MemoryChunk & { chunk: number };

/** A memory read back, with the chunk that holds it (one object per chunk, shared by its memories). */
interface CurrentMemory {
  stored: StoredMemory;
  record: MemoryRecord;
  chunk: ReadChunk;
}

/** Validates a `memories` record read back. */
function readChunk(value: unknown, key?: IDBValidKey): ReadChunk {
  return readRecord(memoryChunkSchema, 'memories', value, key) as ReadChunk;
}

/** The memories of some chunks whose ids are `wanted`, keyed by id. */
function memoriesOf(chunks: ReadChunk[], wanted: ReadonlySet<string>): Map<string, CurrentMemory> {
  const out = new Map<string, CurrentMemory>();
  for (const chunk of chunks) {
    for (const stored of chunk.memories) {
      if (wanted.has(stored.id)) out.set(stored.id, { stored, record: toRecord(stored), chunk });
    }
  }
  return out;
}

/** Reads the given memories (validated), keyed by id; absent ids are left out. */
async function readMemories(
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
function writeMemories(
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
async function nextSeq(tx: WriteTx | ReadTx): Promise<number> {
  const cursor = await reading(tx).objectStore('events').openCursor(null, 'prev');
  if (!cursor) return 1;
  const run = readRecord(eventRunSchema, 'events', cursor.value, cursor.key);
  return run.events[run.events.length - 1]!.seq + 1;
}

/** Queues a write's events, grouped into the runs `events` stores. */
function writeEvents(store: StoreWriter<'events'>, events: MemoryEvent[]): void {
  for (const run of eventRuns(events)) store.add(run);
}

/** The events of runs read back (validated), in `seq` order. */
function readEvents(values: unknown[]): MemoryEvent[] {
  return values.flatMap((value) => readRecord(eventRunSchema, 'events', value).events);
}

/** Items to store with their text hashes, computed once. */
function withHashes(
  items: { text: string; vector: Float32Array }[],
): { hash: string; vector: Float32Array }[] {
  return items.map((item) => ({ hash: textHash(item.text), vector: item.vector }));
}

/** The batch that processed a turn and was not undone, if any. */
async function liveBatchForTurn(tx: WriteTx | ReadTx, turnId: string): Promise<BatchRecord | undefined> {
  const values: unknown[] = await reading(tx).objectStore('batches').index('turnId').getAll(turnId);
  return values
    .map((v) => readRecord(batchRecordSchema, 'batches', v) as BatchRecord)
    .filter((b) => b.undoneAt === undefined)
    .sort((a, b) => a.time - b.time)[0];
}

/** Records to store with their `ord`: kept from the stored record, else the `seq` of the event that created it. */
function withOrd(
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
function putEmbeddingRecords(
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
async function readEmbeddings(
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
async function readVectors(
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
async function forEachChunk(
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
