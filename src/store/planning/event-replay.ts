/**
 * Replaying the audit log: `applyEvent` is the single rule by which an event changes its memory (planning in
 * batch-planner.ts and replay both use it), `replayEvents` rebuilds every record from a log and
 * `batchesFromEvents` rebuilds the batch records (imports use both). See batch-planner.ts for the event rules.
 */
import type { MemoryEvent, MemoryEventType, MemoryRecord } from '../../core/types';
import { HistoryReplayError } from '../errors';
import type { BatchRecord } from './batch-record';

/** The speaker and conversation of a memory, which its events carry. */
export function scopeOf(record: MemoryRecord): Pick<MemoryEvent, 'speaker' | 'conversationId'> {
  return {
    ...(record.speaker !== undefined && { speaker: record.speaker }),
    ...(record.conversationId !== undefined && { conversationId: record.conversationId }),
  };
}

/** A copy of `list` without the last occurrence of `value`. */
function removeLast(list: string[], value: string | undefined): string[] {
  if (value === undefined) return list.slice();
  const i = list.lastIndexOf(value);
  return i < 0 ? list.slice() : [...list.slice(0, i), ...list.slice(i + 1)];
}

/** Throws `HistoryReplayError` for an event that does not fit its memory's state. */
function fail(event: MemoryEvent, why: string): never {
  throw new HistoryReplayError(
    `Event ${event.seq} (${event.type} of memory ${event.memoryId}) does not follow from the events before it: ${why}.`,
  );
}

/**
 * Applies one audit event to the record it concerns (`undefined` when the memory does not exist yet) and returns
 * the new record; throws `HistoryReplayError` when the event does not fit the record's state.
 */
export function applyEvent(current: MemoryRecord | undefined, event: MemoryEvent): MemoryRecord {
  const live = current !== undefined && current.deletedAt === undefined;
  const turnId = event.turnId;
  const type: MemoryEventType = event.type;
  if (type === 'ADD') {
    if (current) fail(event, 'the memory already exists');
    if (event.before !== null || event.after === null)
      fail(event, 'an ADD has before = null and a text after');
    return {
      id: event.memoryId,
      text: event.after,
      ...(event.speaker !== undefined && { speaker: event.speaker }),
      ...(event.conversationId !== undefined && { conversationId: event.conversationId }),
      createdAt: event.time,
      updatedAt: event.time,
      sourceTurnIds: turnId !== undefined ? [turnId] : [],
    };
  }
  if (!current) fail(event, 'the memory does not exist');
  switch (type) {
    case 'UPDATE':
    case 'UNDO_UPDATE':
      if (!live) fail(event, 'the memory is deleted');
      if (event.before !== current.text) fail(event, '`before` differs from the current text');
      if (event.after === null) fail(event, 'an update needs a text after');
      return {
        ...current,
        text: event.after,
        updatedAt: event.time,
        sourceTurnIds:
          type === 'UPDATE'
            ? [...current.sourceTurnIds, ...(turnId !== undefined ? [turnId] : [])]
            : removeLast(current.sourceTurnIds, turnId),
      };
    case 'DELETE':
    case 'UNDO_ADD':
      if (!live) fail(event, 'the memory is already deleted');
      if (event.before !== current.text) fail(event, '`before` differs from the current text');
      if (event.after !== null) fail(event, 'a deletion has after = null');
      return {
        ...current,
        updatedAt: event.time,
        deletedAt: event.time,
        sourceTurnIds:
          type === 'DELETE'
            ? [...current.sourceTurnIds, ...(turnId !== undefined ? [turnId] : [])]
            : removeLast(current.sourceTurnIds, turnId),
      };
    case 'UNDO_DELETE': {
      if (live) fail(event, 'the memory is not deleted');
      if (event.before !== null || event.after !== current.text) {
        fail(event, 'an UNDO_DELETE has before = null and the kept text after');
      }
      const { deletedAt: _deletedAt, ...rest } = current;
      return { ...rest, updatedAt: event.time, sourceTurnIds: removeLast(current.sourceTurnIds, turnId) };
    }
    default:
      return fail(event, `unknown event type "${String(type)}"`);
  }
}

/**
 * Rebuilds the records an audit log implies (tombstones included), in order of creation. Events are applied in
 * `seq` order; throws `HistoryReplayError` when they are inconsistent.
 * @example replayEvents([{ seq: 1, batchId: 'b', memoryId: 'm', type: 'ADD', before: null, after: 'x', time: 5 }])
 * // => [{ id: 'm', text: 'x', createdAt: 5, updatedAt: 5, sourceTurnIds: [] }]
 */
export function replayEvents(events: readonly MemoryEvent[]): MemoryRecord[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const records = new Map<string, MemoryRecord>();
  let lastSeq = -Infinity;
  for (const event of sorted) {
    if (event.seq === lastSeq) fail(event, 'another event has the same seq');
    lastSeq = event.seq;
    records.set(event.memoryId, applyEvent(records.get(event.memoryId), event));
  }
  return [...records.values()];
}

/** Rebuilds batch records from an audit log (batches that wrote no events cannot be recovered this way). */
export function batchesFromEvents(events: readonly MemoryEvent[]): BatchRecord[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const batches = new Map<string, BatchRecord>();
  for (const e of sorted) {
    let batch = batches.get(e.batchId);
    if (!batch) {
      batch = {
        batchId: e.batchId,
        ...(e.turnId !== undefined && { turnId: e.turnId }),
        time: e.time,
        ...(e.modelId !== undefined && { modelId: e.modelId }),
        applied: [],
      };
      batches.set(e.batchId, batch);
    }
    if (e.type === 'ADD' || e.type === 'UPDATE' || e.type === 'DELETE') {
      batch.applied.push({
        op: e.type,
        memoryId: e.memoryId,
        ...(e.after !== null && { text: e.after }),
        ...(e.before !== null && { previousText: e.before }),
      });
    } else if (batch.undoneAt === undefined) {
      batch.undoneAt = e.time;
    }
  }
  return [...batches.values()];
}
