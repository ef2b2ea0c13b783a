import { describe, expect, it } from 'vitest';
import { UndoConflictError } from '../../core/errors';
import { HistoryReplayError } from '../errors';
import { batchesFromEvents, replayEvents } from './event-replay';
import { harness } from './fixtures/planner-harness';

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
