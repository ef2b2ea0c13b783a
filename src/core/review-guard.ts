/**
 * The mass-change guard: a Memory Manager pass that would delete many memories at once (a model obeying an injected
 * "delete all memories", say) is not applied but held for the user's review. A pass is held when it deletes more
 * than `maxDeletes` memories, or at least two that are more than `maxShare` of the distinct memories it was shown.
 * Also here: how a held batch reads as changes (`previewOps`) for the chat and the Memories view.
 */
import type { AppliedOp, StoreOp } from './types';

/** When a pass is held for review; defaults in `DEFAULT_REVIEW_THRESHOLD`. */
export interface ReviewThreshold {
  /** Most memories a pass may delete without review. Default 5. */
  maxDeletes: number;
  /** Largest share (0..1) of the memories it was shown that a pass may delete without review. Default 0.5. */
  maxShare: number;
}

/** More than 5 deletions, or more than half of the memories shown, wait for review. */
export const DEFAULT_REVIEW_THRESHOLD: ReviewThreshold = { maxDeletes: 5, maxShare: 0.5 };

/**
 * Why a pass with these operations, decided over `shown` distinct memories, must wait for review; `undefined` when
 * it may be applied. A single deletion is held only by `maxDeletes` (0 holds every deletion).
 * @example reviewReason([{ op: 'DELETE', id: 'a' }, { op: 'DELETE', id: 'b' }], 3, DEFAULT_REVIEW_THRESHOLD)
 * // => 'It would forget 2 of the 3 memories it compared this message with, so it waits for your review.'
 */
export function reviewReason(
  ops: readonly StoreOp[],
  shown: number,
  threshold: ReviewThreshold,
): string | undefined {
  const deletes = ops.filter((op) => op.op === 'DELETE').length;
  const tooMany = deletes > threshold.maxDeletes;
  const tooLarge = deletes >= 2 && deletes > shown * threshold.maxShare;
  if (!tooMany && !tooLarge) return undefined;
  const memories = shown === 1 ? 'memory' : 'memories';
  return `It would forget ${deletes} of the ${shown} ${memories} it compared this message with, so it waits for your review.`;
}

/**
 * The changes a held batch would make, as `apply` would report them; the texts UPDATEs and DELETEs were decided
 * against stand in for the previous texts. ADDs must carry their ids.
 */
export function previewOps(ops: readonly StoreOp[]): AppliedOp[] {
  return ops.map((op) => {
    if (op.op === 'ADD') return { op: 'ADD', memoryId: op.id ?? '', text: op.text };
    const previous = op.expected && { previousText: op.expected.text };
    if (op.op === 'UPDATE') return { op: 'UPDATE', memoryId: op.id, text: op.text, ...previous };
    return { op: 'DELETE', memoryId: op.id, ...previous };
  });
}
