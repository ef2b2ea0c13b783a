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
import { throwIfAborted } from '../../core/errors';
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
} from '../../core/types';
import { toAppliedBatch } from '../planning/batch-planner';
import { StoreClosedError, VectorDimensionError } from '../errors';
import { EXPORT_FORMAT, EXPORT_VERSION, fitFailure, parseImport } from '../export-format';
import { checkVectorDims, matchesFilter, pageOf, searchIndex } from '../search/index-search';
import { RecordCache } from '../search/record-cache';
import { ChangeFeed, type ChangeMessage, type StoreChange } from './change-feed';
import { attachVectors, cacheRecords, fillCache, refreshCache } from './idb-cache';
import { DEFAULT_DB_NAME, type MemoryDb, embeddingChunkSchema, readRecord, toRecord } from './idb-schema';
import {
  liveBatchForTurn,
  putEmbeddingRecords,
  readAllMemories,
  readChunk,
  readEvents,
  readFailures,
  readSnapshot,
  withHashes,
} from './idb-rows';
import { type Names, WriteQueue, writeTransaction } from './idb-transaction';
import { writeBatch, writeImport, writeUndo } from './idb-writes';
import { openMemoryDb } from './idb-upgrades';
import { byTurnTime, passRecordSchema } from './pass-journal';
import { storeInput } from '../store-input';
import { type StorageReport, estimateStorage, requestPersistence } from './storage-persistence';

/** Name of the Web Lock every writer of the default database holds. */
export const WRITE_LOCK = 'memory-r1-write';

/** Options of `IndexedDbStore.open`. */
export interface IndexedDbStoreOptions {
  /** Database name; default `memory-r1` (tests use a fresh name each). */
  name?: string;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
}

/** What `apply` and `undo` write: the bank, and the pass journal entry a turn's batch ends. */
const MEMORY_STORES: Names[] = ['memories', 'events', 'batches', 'embeddings', 'passes'];
const BANK_STORES: Names[] = ['memories', 'events', 'batches', 'embeddings', 'failures', 'passes'];

/** A `MemoryStore` in IndexedDB with an in-memory hybrid index, safe with several tabs open. */
export class IndexedDbStore implements MemoryStore {
  private readonly feed: ChangeFeed;
  /** Serializes this instance's writes and cache refreshes, so a slow refresh never overwrites a newer write. */
  private readonly queue: WriteQueue;
  private cache = new RecordCache();
  private persistRequested = false;
  private closedBy: 'closed' | 'upgraded' | undefined;

  private constructor(
    private readonly connection: MemoryDb,
    name: string,
    private readonly now: () => number,
  ) {
    this.queue = new WriteQueue(name === DEFAULT_DB_NAME ? WRITE_LOCK : `${WRITE_LOCK}:${name}`);
    this.feed = new ChangeFeed(name, (message) => this.onRemote(message));
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
      await store.queue.serial(() => store.reload());
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /** Calls `listener` after every committed change (local or from another page); returns the unsubscribe function. */
  onChange(listener: (change: StoreChange) => void): () => void {
    return this.feed.onChange(listener);
  }

  /** Closes the database connection and stops listening to other pages; later calls throw `StoreClosedError`. */
  close(): void {
    this.shutDown('closed');
    this.feed.clearListeners();
  }

  private shutDown(reason: 'closed' | 'upgraded'): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    this.feed.close();
    this.connection.close();
    if (reason === 'upgraded') {
      this.feed.emit({ origin: 'remote', kind: 'reset', error: new StoreClosedError('upgraded') });
    }
  }

  /** The open connection; throws `StoreClosedError` once the store was closed. */
  private get db(): MemoryDb {
    if (this.closedBy) throw new StoreClosedError(this.closedBy);
    return this.connection;
  }

  /** How much this origin stores and may store, and whether its storage is persistent. */
  async storageEstimate(): Promise<StorageReport> {
    return estimateStorage();
  }

  async apply(batch: MemoryOpBatch, opts: CallOptions = {}): Promise<AppliedBatch> {
    storeInput.apply(batch);
    throwIfAborted(opts.signal);
    if (batch.embeddings)
      checkVectorDims(this.cache.index, batch.embeddings.embedderId, batch.embeddings.vectors);
    return this.queue.exclusive(opts.signal, async () => {
      const outcome = await writeTransaction(this.db, MEMORY_STORES, opts.signal, (tx, out) =>
        writeBatch(tx, out, batch, this.now()),
      );
      if ('duplicate' in outcome) return outcome.duplicate;
      cacheRecords(this.cache, outcome.plan.records, outcome.vectors);
      this.feed.announce({ kind: 'memories', memoryIds: outcome.plan.records.map((r) => r.id) });
      this.requestPersistence();
      return outcome.plan.result;
    });
  }

  async search(query: SearchQuery, opts: CallOptions = {}): Promise<ScoredMemory[]> {
    storeInput.search(query);
    throwIfAborted(opts.signal);
    if (this.closedBy) throw new StoreClosedError(this.closedBy);
    return searchIndex(this.cache.index, query, (id) => this.cache.get(id));
  }

  async get(id: string): Promise<MemoryRecord | undefined> {
    storeInput.args('get', { id });
    const value: unknown = await this.db.getFromIndex('memories', 'ids', id);
    const stored = value === undefined ? undefined : readChunk(value).memories.find((m) => m.id === id);
    return stored && toRecord(stored);
  }

  async list(filter: MemoryFilter = {}): Promise<MemoryRecord[]> {
    storeInput.list(filter);
    return (await readAllMemories(this.db)).filter((r) => matchesFilter(r, filter));
  }

  /** Served from the cache that search uses (every record, oldest first), not from the database. */
  async page(query: PageQuery): Promise<MemoryPage> {
    storeInput.page(query);
    if (this.closedBy) throw new StoreClosedError(this.closedBy);
    return pageOf(this.cache.values(), query);
  }

  async history(memoryId?: string): Promise<MemoryEvent[]> {
    storeInput.args('history', { memoryId });
    if (memoryId === undefined) return readEvents(await this.db.getAll('events'));
    const runs = await this.db.getAllFromIndex('events', 'memoryIds', memoryId);
    return readEvents(runs).filter((e) => e.memoryId === memoryId);
  }

  async findTurn(turnId: string): Promise<AppliedBatch | undefined> {
    storeInput.args('findTurn', { turnId });
    const record = await liveBatchForTurn(this.db.transaction(['batches'], 'readonly'), turnId);
    return record && toAppliedBatch(record);
  }

  async undo(batchId: string): Promise<AppliedBatch> {
    storeInput.args('undo', { batchId });
    return this.queue.exclusive(undefined, async () => {
      const { plan, vectors } = await writeTransaction(this.db, MEMORY_STORES, undefined, (tx, out) =>
        writeUndo(tx, out, batchId, this.now()),
      );
      cacheRecords(this.cache, plan.records, vectors);
      this.feed.announce({ kind: 'memories', memoryIds: plan.records.map((r) => r.id) });
      return plan.result;
    });
  }

  async putEmbeddings(embedderId: string, items: { text: string; vector: Float32Array }[]): Promise<void> {
    storeInput.args('putEmbeddings', { embedderId, items });
    checkVectorDims(this.cache.index, embedderId, items);
    if (items.length === 0) return;
    const hashed = withHashes(items);
    await this.queue.exclusive(undefined, async () => {
      await writeTransaction(this.db, ['embeddings'], undefined, async (tx, out) => {
        const sample = await tx.objectStore('embeddings').index('embedderId').get(embedderId);
        if (sample !== undefined) {
          const { dims } = readRecord(embeddingChunkSchema, 'embeddings', sample);
          const bad = items.find((item) => item.vector.length !== dims);
          if (bad) throw new VectorDimensionError(embedderId, dims, bad.vector.length);
        }
        putEmbeddingRecords(out('embeddings'), embedderId, hashed);
      });
      const memoryIds = attachVectors(this.cache, embedderId, hashed);
      this.feed.broadcast({
        kind: 'embeddings',
        embedderId,
        hashes: [...new Set(hashed.map((h) => h.hash))],
      });
      this.feed.emit({ origin: 'local', kind: 'embeddings', memoryIds });
    });
  }

  async missingEmbeddings(embedderId: string, limit?: number): Promise<MemoryRecord[]> {
    storeInput.args('missingEmbeddings', { embedderId, limit });
    const max = limit ?? Infinity;
    const out: MemoryRecord[] = [];
    for (const record of await this.list()) {
      if (out.length >= max) break;
      if (!this.cache.index.hasVector(record.id, embedderId)) out.push(record);
    }
    return out;
  }

  async recordFailure(failure: TurnFailure): Promise<void> {
    const clean = fitFailure(storeInput.recordFailure(failure));
    await this.queue.exclusive(undefined, () =>
      writeTransaction(this.db, ['failures', 'passes'], undefined, async (tx, out) => {
        out('failures').put(clean);
        out('passes').delete(clean.turnId);
      }),
    );
    this.feed.announce({ kind: 'failures' });
  }

  async failures(): Promise<TurnFailure[]> {
    return readFailures(await this.db.getAll('failures'));
  }

  async clearFailure(turnId: string): Promise<void> {
    storeInput.args('clearFailure', { turnId });
    await this.queue.exclusive(undefined, () =>
      writeTransaction(this.db, ['failures'], undefined, async (tx, out) => {
        out('failures').delete(turnId);
      }),
    );
    this.feed.announce({ kind: 'failures' });
  }

  async putPass(pass: PassRecord): Promise<void> {
    const clean = storeInput.putPass(pass);
    await this.queue.exclusive(undefined, () =>
      writeTransaction(this.db, ['passes'], undefined, async (tx, out) => out('passes').put(clean)),
    );
    this.feed.announce({ kind: 'passes' });
  }

  async passes(): Promise<PassRecord[]> {
    const values = await this.db.getAll('passes');
    return values.map((p) => readRecord(passRecordSchema, 'passes', p)).sort(byTurnTime);
  }

  async clearPass(turnId: string): Promise<void> {
    storeInput.args('clearPass', { turnId });
    await this.queue.exclusive(undefined, () =>
      writeTransaction(this.db, ['passes'], undefined, async (tx, out) => out('passes').delete(turnId)),
    );
    this.feed.announce({ kind: 'passes' });
  }

  /** One consistent snapshot (a single read transaction), so a concurrent write in another tab cannot tear it. */
  async export(): Promise<MemoryExport> {
    const snapshot = await readSnapshot(this.db);
    return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: this.now(), ...snapshot };
  }

  async import(data: unknown): Promise<ImportReport> {
    const parsed = parseImport(data);
    return this.queue.exclusive(undefined, async () => {
      const { plan, vectors } = await writeTransaction(this.db, BANK_STORES, undefined, (tx, out) =>
        writeImport(tx, out, parsed, this.now()),
      );
      cacheRecords(this.cache, plan.records, vectors);
      this.feed.announce({ kind: 'memories', memoryIds: plan.records.map((r) => r.id) });
      if (plan.failures.length > 0) this.feed.announce({ kind: 'failures' });
      this.requestPersistence();
      return plan.report;
    });
  }

  async clear(): Promise<void> {
    await this.queue.exclusive(undefined, async () => {
      await writeTransaction(this.db, BANK_STORES, undefined, async (tx, out) => {
        for (const name of BANK_STORES) out(name).clear();
      });
      this.resetCache();
      this.feed.announce({ kind: 'reset' });
    });
  }

  /** Loads every memory and every matching embedding into a fresh cache and index. */
  private async reload(): Promise<void> {
    this.resetCache();
    await fillCache(this.db, this.cache);
  }

  private resetCache(): void {
    this.cache = new RecordCache();
  }

  /** Asks the browser once to keep this origin's data, as soon as the first memory exists. */
  private requestPersistence(): void {
    if (this.persistRequested || this.cache.size === 0) return;
    this.persistRequested = true;
    requestPersistence();
  }

  /** Refreshes the cache after another page committed a change, then tells listeners. */
  private onRemote(message: ChangeMessage): void {
    void this.queue.serial(async () => {
      try {
        const memoryIds = await this.refresh(message);
        this.feed.emit({ origin: 'remote', kind: message.kind, ...(memoryIds && { memoryIds }) });
      } catch (err) {
        this.feed.emit({
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
    return refreshCache(this.db, this.cache, message);
  }
}
