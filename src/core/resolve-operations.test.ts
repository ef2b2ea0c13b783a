import { describe, expect, it } from 'vitest';
import { resolveOperations } from './resolve-operations';

describe('resolveOperations', () => {
  const shown = [
    { id: 'm-a', text: 'A', createdAt: 0, updatedAt: 0, sourceTurnIds: [] },
    { id: 'm-b', text: 'B', createdAt: 0, updatedAt: 0, sourceTurnIds: [] },
  ];
  const scope = { speaker: 'S', conversationId: 'c' };

  it('treats an UPDATE that keeps the text as a NOOP', () => {
    expect(resolveOperations([{ op: 'UPDATE', id: '0', text: 'A' }], shown, scope)).toEqual({
      ops: [],
      rejected: [],
    });
  });

  it('rejects an ADD that repeats a shown memory or an earlier ADD', () => {
    const r = resolveOperations(
      [
        { op: 'ADD', text: ' b ' },
        { op: 'ADD', text: 'C' },
        { op: 'ADD', text: 'c' },
      ],
      shown,
      scope,
    );
    expect(r.ops).toEqual([{ op: 'ADD', text: 'C', speaker: 'S', conversationId: 'c' }]);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'ADD repeats existing memory 1',
      'ADD repeats an earlier ADD of this turn',
    ]);
  });

  it('rejects changes to memories, and ADDs of texts, that earlier groups of the turn already planned', () => {
    const earlier = [
      { op: 'UPDATE' as const, id: 'm-a', text: 'A2' },
      { op: 'ADD' as const, text: 'C', speaker: 'S', conversationId: 'c' },
    ];
    const r = resolveOperations(
      [
        { op: 'DELETE', id: '0' },
        { op: 'UPDATE', id: '0', text: 'A' },
        { op: 'NOOP', id: '0' },
        { op: 'ADD', text: ' c ' },
        { op: 'UPDATE', id: '1', text: 'B2' },
      ],
      shown,
      scope,
      earlier,
    );
    expect(r.ops).toEqual([{ op: 'UPDATE', id: 'm-b', text: 'B2', expected: { text: 'B' } }]);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'conflicting operations on memory 0',
      'conflicting operations on memory 0',
      'ADD repeats an earlier ADD of this turn',
    ]);
    expect(
      resolveOperations([{ op: 'DELETE', id: '0' }], shown, scope, earlier).rejected.map((x) => x.reason),
    ).toEqual(["DELETE of memory 0, which an earlier group of this turn's facts already changed"]);
  });

  it('lets a NOOP and an UPDATE of the same memory through', () => {
    const r = resolveOperations(
      [
        { op: 'NOOP', id: '1' },
        { op: 'UPDATE', id: '1', text: 'B2' },
      ],
      shown,
      scope,
    );
    expect(r).toEqual({
      ops: [{ op: 'UPDATE', id: 'm-b', text: 'B2', expected: { text: 'B' } }],
      rejected: [],
    });
  });
});
