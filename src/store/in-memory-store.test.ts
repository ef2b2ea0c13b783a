import { describe, expect, it } from 'vitest';
import { describeStoreConformance } from './conformance';
import { InMemoryStore } from './in-memory-store';

describeStoreConformance('InMemoryStore', async () => new InMemoryStore());

describe('InMemoryStore specifics', () => {
  it('stamps batches without a time with its clock', async () => {
    const store = new InMemoryStore({ now: () => 42 });
    const result = await store.apply({ ops: [{ op: 'ADD', id: 'm', text: 'x' }] });
    expect(result.time).toBe(42);
    expect(await store.get('m')).toMatchObject({ createdAt: 42, updatedAt: 42 });
  });

  it('hands out copies, so changing a returned record does not change the store', async () => {
    const store = new InMemoryStore();
    await store.apply({ ops: [{ op: 'ADD', id: 'm', text: 'x' }] });
    const record = (await store.get('m'))!;
    record.text = 'mutated';
    record.sourceTurnIds.push('t');
    expect(await store.get('m')).toMatchObject({ text: 'x', sourceTurnIds: [] });
  });

  it('rejects an apply whose signal is already aborted, changing nothing', async () => {
    const store = new InMemoryStore();
    const controller = new AbortController();
    controller.abort();
    await expect(
      store.apply({ ops: [{ op: 'ADD', text: 'x' }] }, { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(await store.list()).toEqual([]);
  });
});
