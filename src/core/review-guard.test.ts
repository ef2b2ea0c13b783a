import { describe, expect, it } from 'vitest';
import { DEFAULT_REVIEW_THRESHOLD, previewOps, reviewReason } from './review-guard';
import type { StoreOp } from './types';

const deletes = (n: number): StoreOp[] =>
  Array.from({ length: n }, (_, i) => ({ op: 'DELETE', id: `m${i}` }));

describe('reviewReason', () => {
  it('lets a pass through that deletes at most 5 memories and at most half of those shown', () => {
    expect(reviewReason(deletes(5), 30, DEFAULT_REVIEW_THRESHOLD)).toBeUndefined();
    expect(reviewReason(deletes(2), 4, DEFAULT_REVIEW_THRESHOLD)).toBeUndefined();
    expect(
      reviewReason([{ op: 'ADD', text: 'x' }, ...deletes(1)], 1, DEFAULT_REVIEW_THRESHOLD),
    ).toBeUndefined();
  });

  it('holds a pass that deletes more than 5 memories, or more than half of those shown', () => {
    expect(reviewReason(deletes(30), 41, DEFAULT_REVIEW_THRESHOLD)).toBe(
      'It would forget 30 of the 41 memories it compared this message with, so it waits for your review.',
    );
    expect(reviewReason(deletes(6), 100, DEFAULT_REVIEW_THRESHOLD)).toMatch(/forget 6 of the 100/);
    expect(reviewReason(deletes(3), 5, DEFAULT_REVIEW_THRESHOLD)).toMatch(/forget 3 of the 5/);
  });

  it('follows the threshold it is given: 0 holds every deletion, 100 % and a large count hold none', () => {
    expect(reviewReason(deletes(1), 1, { maxDeletes: 0, maxShare: 0.5 })).toMatch(
      /forget 1 of the 1 memory /,
    );
    expect(reviewReason(deletes(40), 40, { maxDeletes: 1000, maxShare: 1 })).toBeUndefined();
  });
});

describe('previewOps', () => {
  it('shows a held batch as the changes Apply makes, with the texts it was decided against', () => {
    expect(
      previewOps([
        { op: 'ADD', id: 'n', text: 'new' },
        { op: 'UPDATE', id: 'u', text: 'after', expected: { text: 'before' } },
        { op: 'DELETE', id: 'd', expected: { text: 'gone' } },
      ]),
    ).toEqual([
      { op: 'ADD', memoryId: 'n', text: 'new' },
      { op: 'UPDATE', memoryId: 'u', text: 'after', previousText: 'before' },
      { op: 'DELETE', memoryId: 'd', previousText: 'gone' },
    ]);
  });
});
