import { describe, expect, it } from 'vitest';
import { InvalidBatchError, NotFoundError, StaleMemoryError, UndoConflictError } from '../core/errors';
import type { MemoryOpBatch, MemoryRecord } from '../core/types';
import {
  type BatchPlan,
  type BatchRecord,
  batchesFromEvents,
  planBatch,
  planUndo,
  referencedMemoryIds,
  replayEvents,
  utf8Length,
} from './batch-planner';
import { HistoryReplayError } from './errors';

/** A tiny store over the planner, enough to exercise sequences of plans. */
function harness() {
  const records = new Map<string, MemoryRecord>();
  const batches = new Map<string, BatchRecord>();
  const events: BatchPlan['events'] = [];
  let counter = 0;
  let now = 1000;
  const state = { getMemory: (id: string) => records.get(id), hasBatch: (id: string) => batches.has(id) };
  const ctx = () => ({ now: now++, nextSeq: events.length + 1, newId: () => `id${++counter}` });
  const write = (plan: BatchPlan) => {
    for (const r of plan.records) records.set(r.id, r);
    events.push(...plan.events);
    batches.set(plan.batch.batchId, plan.batch);
    return plan;
  };
  return {
    records,
    events,
    batches,
    apply: (batch: MemoryOpBatch) => write(planBatch(state, batch, ctx())),
    undo: (batchId: string) => write(planUndo(state, batches.get(batchId), ctx(), batchId)),
    plan: (batch: MemoryOpBatch) => planBatch(state, batch, ctx()),
  };
}

describe('planBatch', () => {
  it('reports a stale UPDATE before any other problem of the batch, and lists every stale memory', () => {
    const h = harness();
    h.apply({
      ops: [
        { op: 'ADD', id: 'a', text: 'likes tea' },
        { op: 'ADD', id: 'b', text: 'has a dog' },
      ],
    });
    h.apply({
      ops: [
        { op: 'UPDATE', id: 'a', text: 'likes coffee' },
        { op: 'DELETE', id: 'b' },
      ],
    });
    const error: unknown = (() => {
      try {
        return h.plan({
          ops: [
            { op: 'UPDATE', id: 'ghost', text: 'x' },
            { op: 'UPDATE', id: 'a', text: 'likes green tea', expected: { text: 'likes tea' } },
            { op: 'DELETE', id: 'b', expected: { text: 'has a dog' } },
          ],
        });
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(StaleMemoryError);
    expect((error as StaleMemoryError).stale).toEqual([
      { memoryId: 'a', expected: 'likes tea', current: 'likes coffee' },
      { memoryId: 'b', expected: 'has a dog', current: null },
    ]);
  });

  it('gives an ADD a fresh id and inherits scope and turn from the batch', () => {
    const h = harness();
    const plan = h.apply({
      turnId: 't1',
      speaker: 'Caroline',
      conversationId: 'c1',
      modelId: 'm',
      ops: [{ op: 'ADD', text: 'Caroline likes tea' }],
    });
    expect(plan.records).toEqual([
      {
        id: 'id2',
        text: 'Caroline likes tea',
        speaker: 'Caroline',
        conversationId: 'c1',
        createdAt: 1000,
        updatedAt: 1000,
        sourceTurnIds: ['t1'],
      },
    ]);
    expect(plan.events[0]).toMatchObject({
      seq: 1,
      type: 'ADD',
      before: null,
      after: 'Caroline likes tea',
      turnId: 't1',
      modelId: 'm',
      speaker: 'Caroline',
      conversationId: 'c1',
      batchId: 'id1',
    });
    expect(plan.result).toEqual({
      batchId: 'id1',
      turnId: 't1',
      time: 1000,
      applied: [{ op: 'ADD', memoryId: 'id2', text: 'Caroline likes tea' }],
    });
  });

  it('keeps the id when UPDATE merges a fact and records before and after', () => {
    const h = harness();
    h.apply({ turnId: 't1', ops: [{ op: 'ADD', id: 'a', text: 'likes tea' }] });
    const plan = h.apply({
      turnId: 't2',
      time: 5000,
      ops: [{ op: 'UPDATE', id: 'a', text: 'likes green tea' }],
    });
    expect(plan.records[0]).toMatchObject({
      id: 'a',
      text: 'likes green tea',
      updatedAt: 5000,
      createdAt: 1000,
    });
    expect(plan.records[0]!.sourceTurnIds).toEqual(['t1', 't2']);
    expect(plan.events[0]).toMatchObject({
      seq: 2,
      type: 'UPDATE',
      before: 'likes tea',
      after: 'likes green tea',
    });
  });

  it('tombstones on DELETE instead of removing the record', () => {
    const h = harness();
    h.apply({ ops: [{ op: 'ADD', id: 'a', text: 'x' }] });
    const plan = h.apply({ ops: [{ op: 'DELETE', id: 'a' }] });
    expect(plan.records[0]).toMatchObject({ id: 'a', text: 'x', deletedAt: 1001 });
    expect(plan.events[0]).toMatchObject({ type: 'DELETE', before: 'x', after: null });
  });

  it.each([
    ['an ADD without text', [{ op: 'ADD', text: '  ' }]],
    ['an UPDATE of an unknown memory', [{ op: 'UPDATE', id: 'nope', text: 'y' }]],
    ['a DELETE of an unknown memory', [{ op: 'DELETE', id: 'nope' }]],
    ['an UPDATE without text', [{ op: 'UPDATE', id: 'a', text: '' }]],
    [
      'two ops on one memory',
      [
        { op: 'UPDATE', id: 'a', text: 'y' },
        { op: 'DELETE', id: 'a' },
      ],
    ],
    ['an ADD reusing an existing id', [{ op: 'ADD', id: 'a', text: 'y' }]],
    ['a NOOP', [{ op: 'NOOP', id: 'a' }]],
    ['a text over 64 KiB', [{ op: 'ADD', text: 'x'.repeat(65_537) }]],
  ])('rejects %s with InvalidBatchError', (_name, ops) => {
    const h = harness();
    h.apply({ ops: [{ op: 'ADD', id: 'a', text: 'x' }] });
    expect(() => h.plan({ ops: [{ op: 'ADD', text: 'fine' }, ...ops] as MemoryOpBatch['ops'] })).toThrow(
      InvalidBatchError,
    );
  });

  it('rejects a DELETE of an already deleted memory', () => {
    const h = harness();
    h.apply({ ops: [{ op: 'ADD', id: 'a', text: 'x' }] });
    h.apply({ ops: [{ op: 'DELETE', id: 'a' }] });
    expect(() => h.plan({ ops: [{ op: 'DELETE', id: 'a' }] })).toThrow(/is deleted/);
  });

  it('rejects a batch id that is already used', () => {
    const h = harness();
    h.apply({ batchId: 'b', ops: [] });
    expect(() => h.plan({ batchId: 'b', ops: [] })).toThrow(InvalidBatchError);
  });

  it('lists the ids a batch reads for prefetching', () => {
    expect(
      referencedMemoryIds({
        ops: [
          { op: 'ADD', text: 'x' },
          { op: 'ADD', id: 'n', text: 'x' },
          { op: 'DELETE', id: 'd' },
        ],
      }),
    ).toEqual(['n', 'd']);
  });
});

describe('planUndo', () => {
  it('reverses ADD, UPDATE and DELETE of one batch', () => {
    const h = harness();
    h.apply({
      ops: [
        { op: 'ADD', id: 'u', text: 'old' },
        { op: 'ADD', id: 'd', text: 'gone' },
      ],
    });
    const b = h.apply({
      turnId: 't2',
      ops: [
        { op: 'ADD', id: 'n', text: 'new' },
        { op: 'UPDATE', id: 'u', text: 'changed' },
        { op: 'DELETE', id: 'd' },
      ],
    });
    const before = { u: h.records.get('u')!, d: h.records.get('d')! };
    const undo = h.undo(b.batch.batchId);
    expect(undo.events.map((e) => e.type)).toEqual(['UNDO_ADD', 'UNDO_UPDATE', 'UNDO_DELETE']);
    expect(h.records.get('n')!.deletedAt).toBeDefined();
    expect(h.records.get('u')).toMatchObject({ text: 'old', sourceTurnIds: [] });
    expect(h.records.get('d')!.deletedAt).toBeUndefined();
    expect(before.u.sourceTurnIds).toEqual(['t2']);
    expect(undo.batch.undoneAt).toBeDefined();
    expect(undo.result.applied).toEqual([
      { op: 'DELETE', memoryId: 'n', previousText: 'new' },
      { op: 'UPDATE', memoryId: 'u', text: 'old', previousText: 'changed' },
      { op: 'ADD', memoryId: 'd', text: 'gone' },
    ]);
  });

  it('refuses to undo when a later batch changed the same memory', () => {
    const h = harness();
    const a = h.apply({ ops: [{ op: 'ADD', id: 'a', text: 'x' }] });
    h.apply({ ops: [{ op: 'UPDATE', id: 'a', text: 'y' }] });
    expect(() => h.undo(a.batch.batchId)).toThrow(UndoConflictError);
  });

  it('reports unknown and already undone batches as not found', () => {
    const h = harness();
    const a = h.apply({ ops: [{ op: 'ADD', id: 'a', text: 'x' }] });
    expect(() => h.undo('missing')).toThrow(NotFoundError);
    h.undo(a.batch.batchId);
    expect(() => h.undo(a.batch.batchId)).toThrow(NotFoundError);
  });
});

describe('replayEvents', () => {
  it('reproduces the planned records, undos included', () => {
    const h = harness();
    const a = h.apply({ turnId: 't1', speaker: 's', ops: [{ op: 'ADD', id: 'a', text: 'x' }] });
    h.apply({ turnId: 't2', ops: [{ op: 'UPDATE', id: 'a', text: 'y' }] });
    const c = h.apply({
      turnId: 't3',
      ops: [
        { op: 'DELETE', id: 'a' },
        { op: 'ADD', text: 'z' },
      ],
    });
    h.undo(c.batch.batchId);
    expect(() => h.undo(a.batch.batchId)).toThrow(UndoConflictError);
    expect(replayEvents(h.events)).toEqual([...h.records.values()]);
  });

  it('rejects a log whose before text does not match', () => {
    expect(() =>
      replayEvents([
        { seq: 1, batchId: 'b', memoryId: 'm', type: 'ADD', before: null, after: 'x', time: 1 },
        { seq: 2, batchId: 'b2', memoryId: 'm', type: 'UPDATE', before: 'other', after: 'y', time: 2 },
      ]),
    ).toThrow(HistoryReplayError);
  });

  it('rejects an update of a memory that was never added', () => {
    expect(() =>
      replayEvents([
        { seq: 1, batchId: 'b', memoryId: 'm', type: 'DELETE', before: 'x', after: null, time: 1 },
      ]),
    ).toThrow(/does not exist/);
  });
});

describe('batchesFromEvents', () => {
  it('rebuilds applied ops and the undone mark', () => {
    const h = harness();
    const a = h.apply({ turnId: 't1', ops: [{ op: 'ADD', id: 'a', text: 'x' }] });
    h.undo(a.batch.batchId);
    const [batch] = batchesFromEvents(h.events);
    expect(batch).toMatchObject({ batchId: a.batch.batchId, turnId: 't1', applied: a.batch.applied });
    expect(batch!.undoneAt).toBeDefined();
  });
});

describe('utf8Length', () => {
  it('counts multi-byte characters', () => {
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('x'.repeat(70_000))).toBe(70_000);
  });
});
