/**
 * Pure planning shared by every `MemoryStore` (in-memory, IndexedDB): given a batch (or an undo) and a synchronous
 * lookup of the current records, compute exactly which records and audit events to write. No I/O happens here, so
 * an IndexedDB store prefetches what the plan reads (`referencedMemoryIds`) inside its transaction, plans, then
 * writes the plan in the same transaction.
 *
 * Stable API (the IndexedDB store depends on it; replay is in event-replay.ts):
 * - `planBatch(state, batch, ctx): BatchPlan` validates all-or-nothing, throws `InvalidBatchError`, or
 *   `StaleMemoryError` (naming every such memory) when an UPDATE/DELETE carries an `expected` text the memory no
 *   longer has; the staleness check comes first, so a stale batch is reported as stale.
 * - `planUndo(state, batch, ctx): BatchPlan` throws `NotFoundError` / `UndoConflictError`.
 * - `replayEvents(events): MemoryRecord[]` rebuilds records from an audit log, throws `HistoryReplayError`.
 * - `applyEvent(current, event): MemoryRecord` the single rule both planning and replay use.
 * - `batchesFromEvents(events): BatchRecord[]` rebuilds batch records (for imports).
 * - `referencedMemoryIds(batch)`, `toAppliedBatch(record)`, `MAX_TEXT_BYTES`, `utf8Length(text)`.
 *
 * Event rules (and thus what replay reproduces), times in epoch ms:
 * - ADD creates `{id, text, speaker?, conversationId?, createdAt: time, updatedAt: time, sourceTurnIds: [turnId]}`.
 * - UPDATE sets `text`, `updatedAt`; DELETE sets `deletedAt` and `updatedAt` (tombstone, never removed). Both
 *   append the batch's turnId to `sourceTurnIds`.
 * - Undo writes UNDO_ADD (tombstones), UNDO_UPDATE (restores the previous text), UNDO_DELETE (clears `deletedAt`)
 *   under the ORIGINAL batch id and turn id, sets `updatedAt` to the undo time and removes the undone turn id from
 *   `sourceTurnIds`. A batch is undone exactly when UNDO_* events with its batch id exist.
 * - Events of one memory carry that memory's speaker and conversationId.
 */
import {
  InvalidBatchError,
  NotFoundError,
  StaleMemoryError,
  UndoConflictError,
  type StaleMemory,
} from '../../core/errors';
import { newId } from '../../core/ids';
import type {
  AppliedBatch,
  AppliedOp,
  MemoryEvent,
  MemoryOpBatch,
  MemoryRecord,
  StoreOp,
} from '../../core/types';
import type { BatchRecord } from './batch-record';
import { applyEvent, scopeOf } from './event-replay';

/** Longest memory text accepted, in UTF-8 bytes (64 KiB); the import limit is the same. */
export const MAX_TEXT_BYTES = 65_536;

/** What the planner reads: current records (tombstones included) and whether a batch id is taken. */
export interface PlannerState {
  getMemory(id: string): MemoryRecord | undefined;
  hasBatch(batchId: string): boolean;
}

/** Per-call inputs the planner cannot know itself. */
export interface PlanContext {
  /** Current time (epoch ms); used when the batch has no `time`, and always for undo. */
  now: number;
  /** `seq` of the first event this plan writes; the following events get consecutive numbers. */
  nextSeq: number;
  /** Id generator for ADDs without an id and batches without a batchId; defaults to `newId`. */
  newId?: () => string;
}

/** Everything a store writes for one batch or undo, in one transaction. */
export interface BatchPlan {
  /** The batch record to put (for undo: the original with `undoneAt` set). */
  batch: BatchRecord;
  /** New or changed records to put (never deletions: DELETE writes a tombstone). */
  records: MemoryRecord[];
  /** Audit events to append, `seq` already assigned from `ctx.nextSeq`. */
  events: MemoryEvent[];
  /** The value `apply` / `undo` returns. */
  result: AppliedBatch;
}

/**
 * UTF-8 byte length of a text, without allocating for short texts.
 * @example utf8Length('é') // => 2
 */
export function utf8Length(text: string): number {
  if (text.length * 3 <= MAX_TEXT_BYTES) {
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) bytes += 1;
      else if (c < 0x800) bytes += 2;
      else if (c >= 0xd800 && c <= 0xdbff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    return bytes;
  }
  return new TextEncoder().encode(text).length;
}

/** Ids of the existing memories a batch reads (UPDATE/DELETE targets and explicit ADD ids), for prefetching. */
export function referencedMemoryIds(batch: MemoryOpBatch): string[] {
  const ids = new Set<string>();
  for (const op of batch.ops) if (typeof op.id === 'string') ids.add(op.id);
  return [...ids];
}

/** The `AppliedBatch` a stored batch record answers with (`duplicate` is added by the caller). */
export function toAppliedBatch(record: BatchRecord): AppliedBatch {
  return {
    batchId: record.batchId,
    ...(record.turnId !== undefined && { turnId: record.turnId }),
    time: record.time,
    applied: record.applied.map((op) => ({ ...op })),
  };
}

function checkText(text: unknown, where: string): string {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new InvalidBatchError(`${where} needs a non-empty text; nothing in this batch was applied.`);
  }
  if (utf8Length(text) > MAX_TEXT_BYTES) {
    throw new InvalidBatchError(
      `${where} has a text over ${MAX_TEXT_BYTES} bytes; shorten it. Nothing in this batch was applied.`,
    );
  }
  return text;
}

function checkOptionalString(value: unknown, what: string): void {
  if (value !== undefined && (typeof value !== 'string' || utf8Length(value) > MAX_TEXT_BYTES)) {
    throw new InvalidBatchError(
      `The batch's ${what} must be a string of at most ${MAX_TEXT_BYTES} bytes; nothing in this batch was applied.`,
    );
  }
}

/**
 * The UPDATE/DELETE operations whose `expected` text no longer matches their memory (changed, deleted or gone).
 * Throws `InvalidBatchError` for an `expected` that is not `{text: string}`.
 */
function staleMemories(state: PlannerState, ops: readonly StoreOp[]): StaleMemory[] {
  const stale: StaleMemory[] = [];
  ops.forEach((op, index) => {
    if ((op.op !== 'UPDATE' && op.op !== 'DELETE') || op.expected === undefined) return;
    const expected: unknown = op.expected;
    const text = expected && typeof expected === 'object' ? (expected as { text?: unknown }).text : undefined;
    if (typeof text !== 'string' || typeof op.id !== 'string') {
      throw new InvalidBatchError(
        `Operation ${index + 1} (${op.op}) has an \`expected\` without a text string; nothing in this batch was applied.`,
      );
    }
    const current = state.getMemory(op.id);
    const live = current !== undefined && current.deletedAt === undefined ? current : undefined;
    if (live?.text !== text) stale.push({ memoryId: op.id, expected: text, current: live?.text ?? null });
  });
  return stale;
}

/**
 * Plans a batch: validates every op against the current state (all-or-nothing) and returns the records and events
 * to write. Throws `StaleMemoryError` when an UPDATE/DELETE's `expected` text is no longer its memory's, else
 * `InvalidBatchError` naming the first bad op; then nothing may be written.
 * @example planBatch(state, { turnId: 't1', ops: [{ op: 'ADD', text: 'Likes tea' }] }, { now: 1, nextSeq: 1 })
 * // => { records: [{ id: '…', text: 'Likes tea', … }], events: [{ seq: 1, type: 'ADD', … }], … }
 */
export function planBatch(state: PlannerState, batch: MemoryOpBatch, ctx: PlanContext): BatchPlan {
  const makeId = ctx.newId ?? newId;
  if (!Array.isArray(batch.ops)) throw new InvalidBatchError('A batch needs an `ops` array.');
  checkOptionalString(batch.batchId, 'batchId');
  checkOptionalString(batch.turnId, 'turnId');
  checkOptionalString(batch.speaker, 'speaker');
  checkOptionalString(batch.conversationId, 'conversationId');
  checkOptionalString(batch.modelId, 'modelId');
  if (batch.time !== undefined && !Number.isFinite(batch.time)) {
    throw new InvalidBatchError('The batch time must be a finite number of epoch milliseconds.');
  }
  const stale = staleMemories(state, batch.ops);
  if (stale.length > 0) throw new StaleMemoryError(stale);
  const batchId = batch.batchId ?? makeId();
  if (batch.batchId !== undefined && (batchId === '' || state.hasBatch(batchId))) {
    throw new InvalidBatchError(
      `Batch id "${batchId}" is empty or already used; omit it to get a fresh one.`,
    );
  }
  const time = batch.time ?? ctx.now;
  const touched = new Set<string>();
  const records: MemoryRecord[] = [];
  const events: MemoryEvent[] = [];
  const applied: AppliedOp[] = [];
  const common = {
    batchId,
    ...(batch.turnId !== undefined && { turnId: batch.turnId }),
    ...(batch.modelId !== undefined && { modelId: batch.modelId }),
    time,
  };

  batch.ops.forEach((op, index) => {
    const where = `Operation ${index + 1} (${String((op as { op?: unknown }).op)})`;
    const claim = (id: string): void => {
      if (touched.has(id)) {
        throw new InvalidBatchError(
          `${where} touches memory "${id}", which another operation of this batch already touches; combine them into one operation.`,
        );
      }
      touched.add(id);
    };
    let event: MemoryEvent;
    let current: MemoryRecord | undefined;
    if (op.op === 'ADD') {
      const text = checkText(op.text, where);
      if (op.id !== undefined && (typeof op.id !== 'string' || op.id === '' || utf8Length(op.id) > 1024)) {
        throw new InvalidBatchError(
          `${where} has an empty, over-long (1 KiB) or non-string id; omit it to get a fresh one.`,
        );
      }
      checkOptionalString(op.speaker, 'speaker');
      checkOptionalString(op.conversationId, 'conversationId');
      const id = op.id ?? makeId();
      if (state.getMemory(id)) {
        throw new InvalidBatchError(
          `${where} wants id "${id}", but a memory with that id exists; use UPDATE, or omit the id.`,
        );
      }
      claim(id);
      const speaker = op.speaker ?? batch.speaker;
      const conversationId = op.conversationId ?? batch.conversationId;
      event = {
        seq: ctx.nextSeq + events.length,
        ...common,
        memoryId: id,
        type: 'ADD',
        before: null,
        after: text,
        ...(speaker !== undefined && { speaker }),
        ...(conversationId !== undefined && { conversationId }),
      };
      applied.push({ op: 'ADD', memoryId: id, text });
    } else if (op.op === 'UPDATE' || op.op === 'DELETE') {
      if (typeof op.id !== 'string') throw new InvalidBatchError(`${where} needs the id of a memory.`);
      current = state.getMemory(op.id);
      if (!current || current.deletedAt !== undefined) {
        throw new InvalidBatchError(
          `${where} names memory "${op.id}", which ${current ? 'is deleted' : 'does not exist'}; nothing in this batch was applied.`,
        );
      }
      claim(op.id);
      if (op.op === 'UPDATE') {
        const text = checkText(op.text, where);
        event = {
          seq: ctx.nextSeq + events.length,
          ...common,
          memoryId: op.id,
          type: 'UPDATE',
          before: current.text,
          after: text,
          ...scopeOf(current),
        };
        applied.push({ op: 'UPDATE', memoryId: op.id, text, previousText: current.text });
      } else {
        event = {
          seq: ctx.nextSeq + events.length,
          ...common,
          memoryId: op.id,
          type: 'DELETE',
          before: current.text,
          after: null,
          ...scopeOf(current),
        };
        applied.push({ op: 'DELETE', memoryId: op.id, previousText: current.text });
      }
    } else {
      throw new InvalidBatchError(
        `${where} is not ADD, UPDATE or DELETE (NOOPs never reach the store); nothing in this batch was applied.`,
      );
    }
    events.push(event);
    records.push(applyEvent(current, event));
  });

  const record: BatchRecord = {
    ...common,
    ...(batch.speaker !== undefined && { speaker: batch.speaker }),
    ...(batch.conversationId !== undefined && { conversationId: batch.conversationId }),
    applied,
  };
  return { batch: record, records, events, result: toAppliedBatch(record) };
}

/**
 * Plans the reversal of a batch. Throws `NotFoundError` when the batch is unknown (`undefined`) or already undone,
 * and `UndoConflictError` when a memory it touched changed afterwards (its text or deleted state is no longer what
 * the batch left). The result's `applied` lists the reversing changes (an undone ADD shows as DELETE, an undone
 * DELETE as ADD).
 */
export function planUndo(
  state: PlannerState,
  batch: BatchRecord | undefined,
  ctx: PlanContext,
  batchIdForMessage = batch?.batchId ?? '',
): BatchPlan {
  if (!batch) throw new NotFoundError(`No batch "${batchIdForMessage}" exists; it may have been cleared.`);
  if (batch.undoneAt !== undefined) {
    throw new NotFoundError(`Batch "${batch.batchId}" was already undone; there is nothing left to reverse.`);
  }
  const time = ctx.now;
  const records: MemoryRecord[] = [];
  const events: MemoryEvent[] = [];
  const applied: AppliedOp[] = [];
  for (const op of batch.applied) {
    const current = state.getMemory(op.memoryId);
    const expectDeleted = op.op === 'DELETE';
    const expectText = op.op === 'DELETE' ? op.previousText : op.text;
    if (!current || (current.deletedAt !== undefined) !== expectDeleted || current.text !== expectText) {
      throw new UndoConflictError(
        `Memory "${op.memoryId}" changed after batch "${batch.batchId}", so undoing it would overwrite that later change. ` +
          'Undo the later batches first (newest first), or edit the memory by hand.',
      );
    }
    const base = {
      seq: ctx.nextSeq + events.length,
      batchId: batch.batchId,
      memoryId: op.memoryId,
      ...(batch.turnId !== undefined && { turnId: batch.turnId }),
      ...(batch.modelId !== undefined && { modelId: batch.modelId }),
      ...scopeOf(current),
      time,
    };
    let event: MemoryEvent;
    if (op.op === 'ADD') {
      event = { ...base, type: 'UNDO_ADD', before: current.text, after: null };
      applied.push({ op: 'DELETE', memoryId: op.memoryId, previousText: current.text });
    } else if (op.op === 'UPDATE') {
      const previous = op.previousText;
      if (previous === undefined) {
        throw new UndoConflictError(
          `Batch "${batch.batchId}" did not record the text memory "${op.memoryId}" had before, so it cannot be undone.`,
        );
      }
      event = { ...base, type: 'UNDO_UPDATE', before: current.text, after: previous };
      applied.push({ op: 'UPDATE', memoryId: op.memoryId, text: previous, previousText: current.text });
    } else {
      event = { ...base, type: 'UNDO_DELETE', before: null, after: current.text };
      applied.push({ op: 'ADD', memoryId: op.memoryId, text: current.text });
    }
    events.push(event);
    records.push(applyEvent(current, event));
  }
  const undone: BatchRecord = { ...batch, applied: batch.applied.map((op) => ({ ...op })), undoneAt: time };
  return {
    batch: undone,
    records,
    events,
    result: {
      batchId: batch.batchId,
      ...(batch.turnId !== undefined && { turnId: batch.turnId }),
      time,
      applied,
    },
  };
}
