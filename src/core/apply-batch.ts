/**
 * Applying a batch the way the Memory Manager does: the texts it writes are embedded first (when an embedder is
 * given) and stored with it, so new and changed memories are found by meaning at once. Used for a decided pass and
 * for a pass the user applied after review.
 */
import { throwIfAborted } from './errors';
import type { AppliedBatch, Embedder, MemoryOpBatch, MemoryStore } from './types';

/** Embeds the batch's new texts with `embedder` (if any), then applies the batch with them. */
export async function embedAndApply(
  store: MemoryStore,
  embedder: Embedder | undefined,
  batch: Omit<MemoryOpBatch, 'embeddings'>,
  signal?: AbortSignal,
): Promise<AppliedBatch> {
  const texts = [...new Set(batch.ops.flatMap((op) => (op.op === 'DELETE' ? [] : [op.text])))];
  const vectors =
    embedder && texts.length > 0 ? await embedder.embed(texts, 'passage', { signal }) : undefined;
  throwIfAborted(signal);
  return store.apply(
    {
      ...batch,
      embeddings:
        embedder && vectors
          ? { embedderId: embedder.id, vectors: texts.map((text, i) => ({ text, vector: vectors[i]! })) }
          : undefined,
    },
    { signal },
  );
}
