/**
 * The embedding backfill job: embeds the memories that have no vector yet for a given embedder (stored while no
 * model was available, imported without vectors, or written before the user switched models) and stores the
 * vectors. It keeps no state of its own: it asks the store what is missing, so after an abort, a reload or a crash
 * it simply resumes where the store says it stopped. Switching models is running it with the new embedder.
 */
import { throwIfAborted } from '../core/errors';
import { textHash } from '../core/ids';
import { countProgress, type Progress } from '../core/progress';
import type { Embedder, MemoryRecord, MemoryStore } from '../core/types';

/** Options of `runBackfill`. */
export interface BackfillOptions {
  /** Memories per embed call and per stored chunk. Default 32. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Memories embedded so far (`done`) out of all found missing (`total`, which grows if memories arrive meanwhile). */
  onProgress?: (progress: Progress) => void;
}

const DEFAULT_BATCH_SIZE = 32;

/**
 * Embeds every live memory lacking a vector for `embedder.id` and stores the vectors chunk by chunk, so an abort
 * loses at most the chunk in flight. Memories added while it runs are picked up before it returns, with the final
 * progress. Rejects with an `AbortError` when `signal` aborts.
 * @example
 * await runBackfill(store, embedder, { onProgress: (p) => console.log(p.text) }); // "Embedded 32 of 70 memories" ...
 */
export async function runBackfill(
  store: MemoryStore,
  embedder: Embedder,
  options: BackfillOptions = {},
): Promise<Progress & { done: number; total: number }> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}.`);
  }
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  // Memory id + text hash of everything attempted, so a store that keeps reporting a memory cannot loop us.
  const attempted = new Set<string>();
  let done = 0;
  let total = 0;
  const progress = () => countProgress(done, total, `Embedded ${done} of ${total} memories`);

  let pending = await store.missingEmbeddings(embedder.id);
  if (pending.length === 0) onProgress?.(progress());
  while (pending.length > 0) {
    total += pending.length;
    onProgress?.(progress());
    for (let start = 0; start < pending.length; start += batchSize) {
      throwIfAborted(signal);
      const chunk = pending.slice(start, start + batchSize);
      await embedChunk(store, embedder, chunk, signal);
      for (const memory of chunk) attempted.add(attemptKey(memory));
      done += chunk.length;
      onProgress?.(progress());
    }
    throwIfAborted(signal);
    pending = (await store.missingEmbeddings(embedder.id)).filter((m) => !attempted.has(attemptKey(m)));
  }
  return progress();
}

async function embedChunk(
  store: MemoryStore,
  embedder: Embedder,
  chunk: MemoryRecord[],
  signal: AbortSignal | undefined,
): Promise<void> {
  // Memories with the same text share one embedding (the store keys them by text hash).
  const texts = [...new Set(chunk.map((m) => m.text))];
  const vectors = await embedder.embed(texts, 'passage', { signal });
  throwIfAborted(signal);
  await store.putEmbeddings(
    embedder.id,
    texts.map((text, i) => {
      const vector = vectors[i];
      if (!vector)
        throw new Error(
          `Embedder "${embedder.id}" returned ${vectors.length} vectors for ${texts.length} texts.`,
        );
      return { text, vector };
    }),
  );
}

function attemptKey(memory: MemoryRecord): string {
  return `${memory.id}\u0000${textHash(memory.text)}`;
}
