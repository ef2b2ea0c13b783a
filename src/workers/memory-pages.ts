/**
 * The Memories view's list, on the worker side: the first `limit` memories that match (newest first, or best
 * first for a search) with how many match in all and which speakers the filter can offer. The page never receives
 * a whole bank, and the store copies only the memories sent (`MemoryStore.page`): at 100,000 memories, listing and
 * structured-cloning every record cost seconds, most of them on the page's main thread.
 */
import { z } from 'zod';
import { AppError } from '../core/errors';
import type { MemoryPage, MemoryStore } from '../core/types';
import type { ListMemoriesParams } from '../client/memory-protocol';

/** Memories returned when the caller names no `limit`. */
export const DEFAULT_PAGE_SIZE = 50;

/** Most hits a search lists (the best ones). */
export const MAX_SEARCH_HITS = 200;

const limitSchema = z.number().int().positive().default(DEFAULT_PAGE_SIZE);

/**
 * Lists the memories `params` select, at most `limit` of them (default `DEFAULT_PAGE_SIZE`).
 * @example await listMemoryPage(store, { limit: 2 }) // => { memories: [newest, next], total: 5, speakers: ['Ana'] }
 */
export async function listMemoryPage(store: MemoryStore, params: ListMemoriesParams): Promise<MemoryPage> {
  const { query, limit: requested, ...filter } = params;
  const limit = limitSchema.safeParse(requested);
  if (!limit.success) {
    throw new AppError(
      'invalid-params',
      `A memory list needs a positive whole number of memories, got ${requested}.`,
    );
  }
  const text = query?.trim();
  if (!text) return store.page({ ...filter, limit: limit.data });
  const [hits, { speakers }] = await Promise.all([
    store.search({ ...filter, text, limit: MAX_SEARCH_HITS }),
    store.page({ limit: 0 }),
  ]);
  return { memories: hits.slice(0, limit.data).map((h) => h.memory), total: hits.length, speakers };
}
