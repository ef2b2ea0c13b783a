/**
 * Optimistic concurrency as the Memory Manager sees it. Every UPDATE and DELETE a pass decides carries the text its
 * memory had when the decision prompt was built (`expected`), and the store refuses the whole batch with
 * `StaleMemoryError` when one of them changed since (another tab's pass, the user's own edit, an undo). The manager
 * then decides once more with the current memories; memories whose latest change was the user's own edit may not be
 * changed by that second decision (the user's edit wins over a pass that was shown the older text). If the memories
 * changed again, the pass fails with the error below and nothing is applied.
 */
import { StaleMemoryError, type StaleMemory } from './errors';
import type { MemoryStore } from './types';

/** The `modelId` of batches the user made by hand (edits and deletions in the Memories view). */
export const USER_MODEL_ID = 'user';

/** The ids among `stale` whose latest change was the user's own edit. */
export async function editedByUser(
  store: Pick<MemoryStore, 'history'>,
  stale: readonly StaleMemory[],
): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const { memoryId } of stale) {
    const last = (await store.history(memoryId)).at(-1);
    if (last?.modelId === USER_MODEL_ID) ids.add(memoryId);
  }
  return ids;
}

/** Shortens a memory text for a message. */
function quote(text: string): string {
  return `“${text.length > 60 ? `${text.slice(0, 59)}…` : text}”`;
}

/**
 * The error a pass fails with when the memories it would change changed again after its one fresh decision.
 * @example changedAgainError([{ memoryId: 'm', expected: 'a', current: 'b' }]).code // => 'memory-changed'
 */
export function changedAgainError(stale: readonly StaleMemory[]): StaleMemoryError {
  const shown = stale.slice(0, 3).map((s) => quote(s.current ?? s.expected));
  const more = stale.length > 3 ? ` and ${stale.length - 3} more` : '';
  return new StaleMemoryError(
    [...stale],
    `While this message was processed, memories it would change were changed elsewhere twice (${shown.join(', ')}${more}), ` +
      'so nothing was remembered from it rather than overwrite those changes. Retry to decide again with the current memories.',
  );
}
