/**
 * The planning writes of `IndexedDbStore`, each the body of one readwrite transaction (see `writeTransaction`):
 * read what the plan depends on inside the transaction, plan with the shared pure planners (so the result is exactly
 * `InMemoryStore`'s), queue the writes, and read back the vectors the written records' texts have, for the cache.
 */
import type { AppliedBatch, MemoryOpBatch } from '../../core/types';
import {
  type BatchPlan,
  type PlannerState,
  planBatch,
  planUndo,
  referencedMemoryIds,
  toAppliedBatch,
} from '../planning/batch-planner';
import { type ImportPlan, type ImportState, importMemoryIds, planImport } from '../planning/import-planner';
import type { ParsedImport } from '../export-format';
import { batchRecordSchema, readRecord } from './idb-schema';
import {
  liveBatchForTurn,
  memoriesOf,
  nextSeq,
  putEmbeddingRecords,
  readChunk,
  readMemories,
  readVectors,
  withHashes,
  withOrd,
  writeEvents,
  writeMemories,
} from './idb-rows';
import type { Names, StoreWriter, WriteTx } from './idb-transaction';

/** Gives the native writer of one store of the transaction. */
type Out = <N extends Names>(name: N) => StoreWriter<N>;
/** Each written record's vector per embedder (`undefined`: none for its current text). */
export type RecordVectors = Map<string, Map<string, Float32Array | undefined>>;
/** A written plan with the vectors of its records. */
export interface Written<P> {
  plan: P;
  vectors: RecordVectors;
}

/** Plans and queues a batch; a turn already processed gives the earlier batch back as a duplicate instead. */
export async function writeBatch(
  tx: WriteTx,
  out: Out,
  batch: MemoryOpBatch,
  now: number,
): Promise<Written<BatchPlan> | { duplicate: AppliedBatch }> {
  if (batch.turnId !== undefined) {
    // Queued first, so a failure below aborts the transaction, and the journal entry stays with it.
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
  const plan = planBatch(state, batch, { now, nextSeq: await nextSeq(tx) });
  if (batch.embeddings) {
    const { embedderId, vectors } = batch.embeddings;
    putEmbeddingRecords(out('embeddings'), embedderId, withHashes(vectors));
  }
  writeMemories(out('memories'), withOrd(plan.records, current, plan.events), current);
  writeEvents(out('events'), plan.events);
  out('batches').put(plan.batch);
  const vectors = await readVectors(tx, plan.records);
  return { plan, vectors };
}

/** Plans and queues the undo of a batch. */
export async function writeUndo(
  tx: WriteTx,
  out: Out,
  batchId: string,
  now: number,
): Promise<Written<BatchPlan>> {
  const raw = await tx.objectStore('batches').get(batchId);
  const batch = raw === undefined ? undefined : readRecord(batchRecordSchema, 'batches', raw, batchId);
  const current = await readMemories(tx, batch ? batch.applied.map((op) => op.memoryId) : []);
  const state: PlannerState = { getMemory: (id) => current.get(id)?.record, hasBatch: () => true };
  const plan = planUndo(state, batch, { now, nextSeq: await nextSeq(tx) }, batchId);
  writeMemories(out('memories'), withOrd(plan.records, current, plan.events), current);
  writeEvents(out('events'), plan.events);
  out('batches').put(plan.batch);
  return { plan, vectors: await readVectors(tx, plan.records) };
}

/** Plans and queues an import (memories, events, batches and failures) against the whole bank. */
export async function writeImport(
  tx: WriteTx,
  out: Out,
  parsed: ParsedImport,
  now: number,
): Promise<Written<ImportPlan>> {
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
  const plan = planImport(state, parsed, { now, nextSeq: seq });
  writeMemories(out('memories'), withOrd(plan.records, current, plan.events), current);
  writeEvents(out('events'), plan.events);
  for (const batch of plan.batches) out('batches').put(batch);
  for (const failure of plan.failures) out('failures').put(failure);
  return { plan, vectors: await readVectors(tx, plan.records) };
}
