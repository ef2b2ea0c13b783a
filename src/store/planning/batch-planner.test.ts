import { describe, expect, it } from 'vitest';
import { InvalidBatchError, NotFoundError, StaleMemoryError, UndoConflictError } from '../../core/errors';
import type { MemoryOpBatch } from '../../core/types';
import { referencedMemoryIds, utf8Length } from './batch-planner';
import { harness } from './fixtures/planner-harness';

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

describe('utf8Length', () => {
  it('counts multi-byte characters', () => {
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('x'.repeat(70_000))).toBe(70_000);
  });
});
