import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../store/in-memory-store';
import { DEFAULT_PAGE_SIZE, listMemoryPage, MAX_SEARCH_HITS } from './memory-pages';

/** A store with `n` memories "Memory 0" … "Memory n-1", created in that order, said by Ana or (every third) Bo. */
async function storeWith(n: number): Promise<InMemoryStore> {
  let time = 0;
  const store = new InMemoryStore({ now: () => ++time });
  for (let i = 0; i < n; i += 500) {
    const ops = Array.from({ length: Math.min(500, n - i) }, (_, k) => ({
      op: 'ADD' as const,
      text: `Memory ${i + k} about ${(i + k) % 2 ? 'tea' : 'coffee'}`,
      speaker: (i + k) % 3 === 0 ? 'Bo' : 'Ana',
      conversationId: (i + k) % 2 ? 'c-tea' : 'c-coffee',
    }));
    await store.apply({ ops, modelId: 'test' });
  }
  return store;
}

describe('listMemoryPage', () => {
  it('sends the newest page only, with the total and every speaker', async () => {
    const store = await storeWith(1200);
    const page = await listMemoryPage(store, {});
    expect(page.memories).toHaveLength(DEFAULT_PAGE_SIZE);
    expect(page.memories[0]?.text).toBe('Memory 1199 about tea');
    expect(page.memories.at(-1)?.text).toBe(`Memory ${1200 - DEFAULT_PAGE_SIZE} about coffee`);
    expect(page.total).toBe(1200);
    expect(page.speakers).toEqual(['Ana', 'Bo']);
  });

  it('sends as many as asked, and all when fewer match', async () => {
    const store = await storeWith(120);
    expect((await listMemoryPage(store, { limit: 100 })).memories).toHaveLength(100);
    const all = await listMemoryPage(store, { limit: 500 });
    expect(all.memories).toHaveLength(120);
    expect(all.total).toBe(120);
  });

  it('filters by speaker and conversation, still offering every speaker', async () => {
    const store = await storeWith(120);
    const page = await listMemoryPage(store, { speaker: 'Bo', conversationId: 'c-tea', limit: 5 });
    expect(page.total).toBe(20);
    expect(page.memories.map((m) => m.text)).toEqual([
      'Memory 117 about tea',
      'Memory 111 about tea',
      'Memory 105 about tea',
      'Memory 99 about tea',
      'Memory 93 about tea',
    ]);
    expect(page.speakers).toEqual(['Ana', 'Bo']);
  });

  it('pages a search by rank, counting its hits up to the search limit', async () => {
    const store = await storeWith(1200);
    const found = await listMemoryPage(store, { query: 'Memory 7 about', limit: 3 });
    expect(found.memories).toHaveLength(3);
    expect(found.memories[0]?.text).toBe('Memory 7 about tea');
    expect(found.total).toBe(MAX_SEARCH_HITS);
    expect(found.speakers).toEqual(['Ana', 'Bo']);
  });

  it('says so when asked for a page that is not a positive whole number', async () => {
    const store = await storeWith(3);
    for (const limit of [0, -1, 2.5, Number.NaN]) {
      await expect(listMemoryPage(store, { limit })).rejects.toMatchObject({
        code: 'invalid-params',
        message: expect.stringContaining('positive whole number') as unknown,
      });
    }
  });
});
