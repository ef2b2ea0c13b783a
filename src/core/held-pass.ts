/**
 * What the user can do with a pass held for review (review-guard.ts): Apply it, re-checking every memory it would
 * change (its UPDATEs and DELETEs carry the texts they were decided against, so a memory changed since refuses the
 * batch, and the pass is recorded as failed, with Retry, rather than overwrite that change), or Discard it, which
 * records the turn as processed with an empty batch so it is not decided again. Either way the store removes the
 * journal entry in the same write.
 */
import { embedAndApply } from './apply-batch';
import { USER_MODEL_ID } from './concurrency';
import { StaleMemoryError, toErrorData } from './errors';
import type { AppliedBatch, CallOptions, Embedder, HeldPass, MemoryStore } from './types';

/** The result of Apply: the batch applied, or the failure recorded because memories changed since the hold. */
export type HeldApplyResult =
  { status: 'applied'; batch: AppliedBatch } | { status: 'failed'; error: ReturnType<typeof toErrorData> };

/** The batch fields of a held pass's turn. */
function turnBatch(pass: HeldPass) {
  return {
    turnId: pass.turnId,
    ...(pass.conversationId !== undefined && { conversationId: pass.conversationId }),
    ...(pass.speaker !== undefined && { speaker: pass.speaker }),
    time: pass.turnTime,
  };
}

/**
 * Applies a held pass after the user's review, embedding its new texts with `embedder` when given. When a memory it
 * would change changed since, nothing is applied and the failure is recorded (stage `apply`); other errors (a full
 * disk, say) are thrown and leave the pass held.
 */
export async function applyHeldPass(
  store: MemoryStore,
  pass: HeldPass,
  opts: CallOptions & { embedder?: Embedder; now?: () => number } = {},
): Promise<HeldApplyResult> {
  try {
    const batch = { ...turnBatch(pass), modelId: pass.modelId, ops: pass.ops };
    return { status: 'applied', batch: await embedAndApply(store, opts.embedder, batch, opts.signal) };
  } catch (err) {
    if (!(err instanceof StaleMemoryError)) throw err;
    const error = new StaleMemoryError(
      err.stale,
      'Memories these changes would touch were changed after they were held for review, so nothing was applied. ' +
        'Retry to decide again with the current memories.',
    );
    await store.recordFailure({
      turnId: pass.turnId,
      ...(pass.conversationId !== undefined && { conversationId: pass.conversationId }),
      ...(pass.speaker !== undefined && { speaker: pass.speaker }),
      text: pass.text,
      turnTime: pass.turnTime,
      stage: 'apply',
      code: error.code,
      message: error.message,
      ...(pass.modelId !== undefined && { modelId: pass.modelId }),
      time: (opts.now ?? Date.now)(),
      attempts: 1,
    });
    return { status: 'failed', error: toErrorData(error) };
  }
}

/** Discards a held pass: its turn is recorded as processed (an empty batch by the user), changing no memory. */
export function discardHeldPass(store: MemoryStore, pass: HeldPass): Promise<AppliedBatch> {
  return store.apply({ ...turnBatch(pass), modelId: USER_MODEL_ID, ops: [] });
}
