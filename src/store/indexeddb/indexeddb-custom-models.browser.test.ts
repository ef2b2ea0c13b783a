import { afterEach, describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../errors';
import { openMemoryDb } from './idb-upgrades';
import { IndexedDbCustomModelStore, readCustomModels } from './indexeddb-custom-models';

const opened: IndexedDbCustomModelStore[] = [];

function dbName(): string {
  return `custom-models-test-${crypto.randomUUID()}`;
}

async function open(name: string): Promise<IndexedDbCustomModelStore> {
  const store = await IndexedDbCustomModelStore.open(name);
  opened.push(store);
  return store;
}

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const model = {
  id: 'Memory-R1-Manager-3B-q4f32_1-MLC',
  modelUrl: 'https://huggingface.co/me/memory-r1-manager-MLC',
  modelLibUrl: 'https://huggingface.co/me/libs/resolve/main/Qwen2.5-3B-Instruct-q4f32_1-webgpu.wasm',
  contextWindow: 4096,
};

describe('IndexedDbCustomModelStore', () => {
  it('keeps custom models across connections, sorted by id, and forgets a removed one', async () => {
    const name = dbName();
    const store = await open(name);
    await store.put(model);
    await store.put({ ...model, id: 'another-MLC' });
    // Sorted by id in code-unit order ("M" before "a").
    expect(await readCustomModels(name)).toEqual([model, { ...model, id: 'another-MLC' }]);
    await store.delete('another-MLC');
    expect(await readCustomModels(name)).toEqual([model]);
  });

  it('refuses to store an invalid record and reports a damaged one by id', async () => {
    const name = dbName();
    const store = await open(name);
    await expect(store.put({ ...model, modelUrl: 'http://example.org/m' })).rejects.toThrow();
    const db = await openMemoryDb(name);
    await db.put('models', { id: 'broken', modelUrl: 42 });
    db.close();
    await expect(store.list()).rejects.toThrow(CorruptRecordError);
  });
});
