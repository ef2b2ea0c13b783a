/**
 * `InMemoryStore`: the reference `MemoryStore`, kept entirely in memory. Node evaluation and RL runs use it, and
 * the conformance suite (conformance.ts) treats its behaviour as the specification other stores must match.
 * All planning is delegated to the pure planners (batch-planner.ts, import-planner.ts) and search to `HybridIndex`,
 * so the IndexedDB store shares exactly the same rules. Callers always receive copies: mutating a returned record
 * never changes the store.
 */
import { throwIfAborted } from '../core/errors';
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
  type BatchPlan,
  type PlanContext,
  planBatch,
  planUndo,
  toAppliedBatch,
} from './planning/batch-planner';
import type { BatchRecord } from './planning/batch-record';
import { EXPORT_FORMAT, EXPORT_VERSION, fitFailure, parseImport } from './export-format';
import { RecordCache } from './search/record-cache';
import { checkVectorDims, matchesFilter, pageOf, searchIndex } from './search/index-search';
import { type ImportState, planImport } from './planning/import-planner';
import { byTurnTime } from './indexeddb/pass-journal';
import { storeInput } from './store-input';

/** Options of `InMemoryStore`. */
export interface InMemoryStoreOptions {
  /** Clock in epoch ms; default `Date.now` (tests pass a fake one). */
  now?: () => number;
}

/** A `MemoryStore` held in memory: the reference implementation and the store for Node runs. */
export class InMemoryStore implements MemoryStore {
  private readonly now: () => number;
  private cache = new RecordCache();
  private events: MemoryEvent[] = [];
  private batches = new Map<string, BatchRecord>();
  /** turnId → batchId of the batch that processed it (undone batches are removed). */
  private turns = new Map<string, string>();
  /** embedderId → textHash → vector. */
  private embeddings = new Map<string, Map<string, Float32Array>>();
  private failureMap = new Map<string, TurnFailure>();
  private passMap = new Map<string, PassRecord>();
  private nextSeq = 1;

  constructor(options: InMemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private get state(): ImportState {
    return {
      getMemory: (id) => this.cache.get(id),
      hasBatch: (id) => this.batches.has(id),
      hasEvents: () => this.events.length > 0,
      hasFailure: (turnId) => this.failureMap.has(turnId),
    };
  }

  private context(): PlanContext {
    return { now: this.now(), nextSeq: this.nextSeq };
  }

  /** Puts a record and keeps the search index and embedding links in step with it. */
  private putRecord(record: MemoryRecord): void {
    const hash = this.cache.put(record);
    for (const [embedderId, vectors] of this.embeddings)
      this.cache.setVector(record.id, embedderId, vectors.get(hash));
  }

  private writePlan(plan: Pick<BatchPlan, 'records' | 'events'>): void {
    for (const record of plan.records) this.putRecord(record);
    for (const event of plan.events) {
      this.events.push(event);
      this.nextSeq = Math.max(this.nextSeq, event.seq + 1);
    }
  }

  private storeEmbeddings(embedderId: string, items: { text: string; vector: Float32Array }[]): void {
    let vectors = this.embeddings.get(embedderId);
    if (!vectors) this.embeddings.set(embedderId, (vectors = new Map()));
    for (const { text, vector } of items) {
      const hash = textHash(text);
      const copy = Float32Array.from(vector);
      vectors.set(hash, copy);
      this.cache.attachVector(embedderId, hash, copy);
    }
  }

  async apply(batch: MemoryOpBatch, opts: CallOptions = {}): Promise<AppliedBatch> {
    storeInput.apply(batch);
    throwIfAborted(opts.signal);
    if (batch.turnId !== undefined) {
      const earlier = this.turns.get(batch.turnId);
      const record = earlier !== undefined ? this.batches.get(earlier) : undefined;
      if (record) {
        this.passMap.delete(batch.turnId);
        return { ...toAppliedBatch(record), duplicate: true };
      }
    }
    const plan = planBatch(this.state, batch, this.context());
    if (batch.embeddings)
      checkVectorDims(this.cache.index, batch.embeddings.embedderId, batch.embeddings.vectors);
    if (batch.embeddings) this.storeEmbeddings(batch.embeddings.embedderId, batch.embeddings.vectors);
    this.writePlan(plan);
    this.batches.set(plan.batch.batchId, plan.batch);
    if (plan.batch.turnId !== undefined) {
      this.turns.set(plan.batch.turnId, plan.batch.batchId);
      this.passMap.delete(plan.batch.turnId);
    }
    return plan.result;
  }

  async search(query: SearchQuery, opts: CallOptions = {}): Promise<ScoredMemory[]> {
    storeInput.search(query);
    throwIfAborted(opts.signal);
    return searchIndex(this.cache.index, query, (id) => this.cache.get(id));
  }

  async get(id: string): Promise<MemoryRecord | undefined> {
    storeInput.args('get', { id });
    const record = this.cache.get(id);
    return record && structuredClone(record);
  }

  async list(filter: MemoryFilter = {}): Promise<MemoryRecord[]> {
    storeInput.list(filter);
    return [...this.cache.values()]
      .filter((r) => matchesFilter(r, filter))
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((r) => structuredClone(r));
  }

  async page(query: PageQuery): Promise<MemoryPage> {
    storeInput.page(query);
    return pageOf(this.cache.values(), query);
  }

  async history(memoryId?: string): Promise<MemoryEvent[]> {
    storeInput.args('history', { memoryId });
    return this.events
      .filter((e) => memoryId === undefined || e.memoryId === memoryId)
      .map((e) => structuredClone(e));
  }

  async findTurn(turnId: string): Promise<AppliedBatch | undefined> {
    storeInput.args('findTurn', { turnId });
    const batchId = this.turns.get(turnId);
    const record = batchId !== undefined ? this.batches.get(batchId) : undefined;
    return record && toAppliedBatch(record);
  }

  async undo(batchId: string): Promise<AppliedBatch> {
    storeInput.args('undo', { batchId });
    const plan = planUndo(this.state, this.batches.get(batchId), this.context(), batchId);
    this.writePlan(plan);
    this.batches.set(batchId, plan.batch);
    if (plan.batch.turnId !== undefined && this.turns.get(plan.batch.turnId) === batchId) {
      this.turns.delete(plan.batch.turnId);
    }
    return plan.result;
  }

  async putEmbeddings(embedderId: string, items: { text: string; vector: Float32Array }[]): Promise<void> {
    storeInput.args('putEmbeddings', { embedderId, items });
    checkVectorDims(this.cache.index, embedderId, items);
    this.storeEmbeddings(embedderId, items);
  }

  async missingEmbeddings(embedderId: string, limit?: number): Promise<MemoryRecord[]> {
    storeInput.args('missingEmbeddings', { embedderId, limit });
    const max = limit ?? Infinity;
    const vectors = this.embeddings.get(embedderId);
    const out: MemoryRecord[] = [];
    for (const record of await this.list()) {
      if (out.length >= max) break;
      if (!vectors?.has(this.cache.hashOf(record.id)!)) out.push(record);
    }
    return out;
  }

  async recordFailure(failure: TurnFailure): Promise<void> {
    const clean = fitFailure(storeInput.recordFailure(failure));
    this.failureMap.set(clean.turnId, structuredClone(clean));
    this.passMap.delete(failure.turnId);
  }

  async failures(): Promise<TurnFailure[]> {
    return [...this.failureMap.values()].sort((a, b) => a.time - b.time).map((f) => structuredClone(f));
  }

  async clearFailure(turnId: string): Promise<void> {
    storeInput.args('clearFailure', { turnId });
    this.failureMap.delete(turnId);
  }

  async putPass(pass: PassRecord): Promise<void> {
    this.passMap.set(pass.turnId, structuredClone(storeInput.putPass(pass)));
  }

  async passes(): Promise<PassRecord[]> {
    return [...this.passMap.values()].sort(byTurnTime).map((p) => structuredClone(p));
  }

  async clearPass(turnId: string): Promise<void> {
    storeInput.args('clearPass', { turnId });
    this.passMap.delete(turnId);
  }

  async export(): Promise<MemoryExport> {
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: this.now(),
      memories: await this.list({ includeDeleted: true }),
      events: await this.history(),
      failures: await this.failures(),
    };
  }

  async import(data: unknown): Promise<ImportReport> {
    const parsed = parseImport(data);
    const plan = planImport(this.state, parsed, this.context());
    this.writePlan(plan);
    for (const batch of plan.batches) {
      this.batches.set(batch.batchId, batch);
      if (batch.turnId !== undefined && batch.undoneAt === undefined && !this.turns.has(batch.turnId)) {
        this.turns.set(batch.turnId, batch.batchId);
      }
    }
    for (const failure of plan.failures) this.failureMap.set(failure.turnId, failure);
    return plan.report;
  }

  async clear(): Promise<void> {
    this.cache = new RecordCache();
    this.events = [];
    this.batches = new Map();
    this.turns = new Map();
    this.embeddings = new Map();
    this.failureMap = new Map();
    this.passMap = new Map();
    this.nextSeq = 1;
  }
}
