import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuotaError, StaleMemoryError } from '../../core/errors';
import type { HeldPass } from '../../core/types';
import { describeStoreConformance } from '../conformance';
import { CorruptRecordError, StoreClosedError } from '../errors';
import type { StoreChange } from './change-feed';
import { DB_VERSION, EMBEDDING_CHUNK_SIZE } from './idb-schema';
import {
  FAILED_TURN,
  T0,
  closeStores,
  freshName,
  interceptWrite,
  nextChange,
  open,
  rawOpen,
  rawPut,
} from './fixtures/idb-fixtures';
import { IndexedDbStore } from './indexeddb-store';

afterEach(closeStores);

/** Everything observable in the database, read by a second connection (so nothing comes from a cache). */
async function persisted(name: string) {
  const store = await open(name);
  return {
    all: await store.list({ includeDeleted: true }),
    history: await store.history(),
    failures: await store.failures(),
    turn: await store.findTurn('t-fail'),
  };
}

/**
 * A fresh store holding the memory `likes tea` (id `keep` unless given, applied in turn `turnId` when given), with
 * its batch id and the database's content then (`before`, see `persisted`), to compare after a failed write.
 */
async function storeWithTea(opts: { id?: string; turnId?: string } = {}) {
  const name = freshName();
  const store = await open(name);
  const { batchId } = await store.apply({
    ...(opts.turnId !== undefined && { turnId: opts.turnId }),
    time: T0,
    ops: [{ op: 'ADD', id: opts.id ?? 'keep', text: 'likes tea' }],
  });
  return { name, store, batchId, before: await persisted(name) };
}

describeStoreConformance('IndexedDbStore', () => open(), { propertyRuns: 25 });

describe('IndexedDbStore persistence', () => {
  it('keeps memories, events, failures, turns and embeddings across a reopen', async () => {
    const name = freshName();
    const first = await open(name);
    await first.apply({
      turnId: 't1',
      time: T0,
      ops: [{ op: 'ADD', id: 'm1', text: 'Caroline adopted a dog' }],
      embeddings: {
        embedderId: 'e',
        vectors: [{ text: 'Caroline adopted a dog', vector: new Float32Array([1, 0]) }],
      },
    });
    await first.apply({ turnId: 't2', time: T0 + 1, ops: [{ op: 'ADD', id: 'm2', text: 'Melanie paints' }] });
    await first.recordFailure({
      turnId: 't3',
      text: 'turn 3',
      turnTime: T0,
      stage: 'extract',
      code: 'model-output-invalid',
      message: 'bad JSON',
      time: T0 + 2,
      attempts: 1,
    });
    const held: HeldPass = {
      state: 'held',
      turnId: 't4',
      text: 'Forget it all.',
      turnTime: T0,
      ops: [{ op: 'DELETE', id: 'm1', expected: { text: (await first.get('m1'))!.text } }],
      reason: 'It would forget 1 of the 1 memories it compared.',
      heldAt: T0 + 3,
    };
    await first.putPass(held);
    const before = await first.export();
    first.close();

    const second = await open(name);
    expect({ ...(await second.export()), exportedAt: 0 }).toEqual({ ...before, exportedAt: 0 });
    expect(await second.passes()).toEqual([held]);
    expect(await second.findTurn('t1')).toMatchObject({ turnId: 't1' });
    const hits = await second.search({ text: '', vector: new Float32Array([1, 0]), embedderId: 'e' });
    expect(hits.map((h) => h.memory.id)).toEqual(['m1']);
    expect(await second.missingEmbeddings('e')).toMatchObject([{ id: 'm2' }]);
  });

  it('reloads a bank larger than one read request (10,000 memories) completely, with every vector', async () => {
    const name = freshName();
    const store = await open(name);
    const n = 10_100;
    const texts = Array.from({ length: n }, (_, i) => `memory number ${i} word${i}`);
    await store.import(texts.map((text, i) => ({ id: `m${i}`, text })));
    const angle = (i: number) => (i / n) * Math.PI;
    await store.putEmbeddings(
      'e',
      texts.map((text, i) => ({ text, vector: new Float32Array([Math.cos(angle(i)), Math.sin(angle(i))]) })),
    );
    store.close();

    const reopened = await open(name);
    expect(await reopened.list()).toHaveLength(n);
    expect(await reopened.missingEmbeddings('e')).toEqual([]);
    const last = n - 1;
    const lexical = await reopened.search({ text: `word${last}`, limit: 1 });
    expect(lexical.map((h) => h.memory.id)).toEqual([`m${last}`]);
    const dense = await reopened.search({
      text: '',
      vector: new Float32Array([Math.cos(angle(last)), Math.sin(angle(last))]),
      embedderId: 'e',
      limit: 1,
    });
    expect(dense.map((h) => h.memory.id)).toEqual([`m${last}`]);
  });

  it('keeps creation order for memories added at the same time, after a reopen too', async () => {
    const name = freshName();
    const store = await open(name);
    const texts = ['zebra', 'apple', 'mango', 'kiwi'];
    await store.apply({ time: T0, ops: texts.map((text) => ({ op: 'ADD' as const, text })) });
    expect((await store.list()).map((m) => m.text)).toEqual(texts);
    store.close();
    expect((await (await open(name)).list()).map((m) => m.text)).toEqual(texts);
  });
});

describe('IndexedDbStore atomicity', () => {
  it('writes nothing when a write fails between the memory and batch writes', async () => {
    const { name, store, before } = await storeWithTea({ turnId: 't0' });
    interceptWrite('put', 'batches', () => {
      throw new Error('disk unplugged');
    });
    await expect(
      store.apply({
        turnId: 't-fail',
        ops: [
          { op: 'ADD', id: 'new', text: 'likes coffee' },
          { op: 'UPDATE', id: 'keep', text: 'likes green tea' },
        ],
      }),
    ).rejects.toThrow('disk unplugged');
    vi.restoreAllMocks();
    expect(await persisted(name)).toEqual(before);
    expect((await store.search({ text: 'coffee' })).length).toBe(0);
    expect((await store.search({ text: 'tea' })).map((h) => h.memory.text)).toEqual(['likes tea']);
  });

  it('writes nothing when a queued write request fails later in the transaction', async () => {
    const { name, store, before } = await storeWithTea();
    const original = IDBObjectStore.prototype.add;
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['add']>
    ) {
      // The same event twice: the second request fails asynchronously with a ConstraintError.
      if (this.name === 'events') original.apply(this, args);
      return original.apply(this, args);
    });
    await expect(
      store.apply({ turnId: 't-fail', ops: [{ op: 'ADD', id: 'new', text: 'likes coffee' }] }),
    ).rejects.toMatchObject({ name: 'ConstraintError' });
    vi.restoreAllMocks();
    expect(await persisted(name)).toEqual(before);
  });

  it('writes nothing when the signal aborts while the transaction is writing', async () => {
    const { name, store, before } = await storeWithTea();
    const controller = new AbortController();
    let memoryWrites = 0;
    const count = () => {
      memoryWrites += 1;
      if (memoryWrites === 2) controller.abort();
    };
    // The chunk holding `keep` is rewritten (put), the two new memories go into a new chunk (add).
    interceptWrite('put', 'memories', count);
    interceptWrite('add', 'memories', count);
    await expect(
      store.apply(
        {
          turnId: 't-fail',
          ops: [
            { op: 'ADD', text: 'one' },
            { op: 'ADD', text: 'two' },
            { op: 'DELETE', id: 'keep' },
          ],
        },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(memoryWrites).toBeGreaterThanOrEqual(2);
    vi.restoreAllMocks();
    expect(await persisted(name)).toEqual(before);
  });

  it('leaves a batch in place when its undo transaction fails', async () => {
    const { name, store, batchId, before } = await storeWithTea({ id: 'm' });
    interceptWrite('add', 'events', () => {
      throw new Error('disk unplugged');
    });
    await expect(store.undo(batchId)).rejects.toThrow('disk unplugged');
    vi.restoreAllMocks();
    expect(await persisted(name)).toEqual(before);
    await store.undo(batchId);
    expect(await store.list()).toEqual([]);
  });
});

describe('IndexedDbStore quota', () => {
  it('turns QuotaExceededError into QuotaError and writes nothing', async () => {
    const { name, store, before } = await storeWithTea();
    interceptWrite('add', 'events', () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const error = await store
      .apply({ turnId: 't-fail', ops: [{ op: 'ADD', text: 'likes coffee' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaError);
    expect((error as QuotaError).code).toBe('quota-exceeded');
    expect((error as QuotaError).message).toMatch(/nothing was saved/i);
    vi.restoreAllMocks();
    expect(await persisted(name)).toEqual(before);
  });

  it('turns a full disk while storing embeddings into QuotaError, storing none of them', async () => {
    const name = freshName();
    const store = await open(name);
    await store.apply({ time: T0, ops: [{ op: 'ADD', id: 'm', text: 'likes tea' }] });
    let writes = 0;
    interceptWrite('add', 'embeddings', () => {
      writes += 1;
      if (writes === 2) throw new DOMException('full', 'QuotaExceededError');
    });
    // More vectors than one record holds, so the failing write is not the first.
    const others = Array.from({ length: EMBEDDING_CHUNK_SIZE }, (_, i) => ({
      text: `other ${i}`,
      vector: new Float32Array([0, 1]),
    }));
    await expect(
      store.putEmbeddings('e', [{ text: 'likes tea', vector: new Float32Array([1, 0]) }, ...others]),
    ).rejects.toBeInstanceOf(QuotaError);
    vi.restoreAllMocks();
    expect(writes).toBe(2);
    expect(await store.missingEmbeddings('e')).toMatchObject([{ id: 'm' }]);
    store.close();
    expect(await (await open(name)).missingEmbeddings('e')).toMatchObject([{ id: 'm' }]);
  });

  it('asks for persistent storage once, when the first memory is stored, and reports usage', async () => {
    const persisted = vi.spyOn(navigator.storage, 'persisted').mockResolvedValue(false);
    const persist = vi.spyOn(navigator.storage, 'persist').mockResolvedValue(true);
    const store = await open();
    await store.recordFailure({ ...FAILED_TURN, turnId: 't' });
    expect(persist).not.toHaveBeenCalled();
    await store.apply({ ops: [{ op: 'ADD', text: 'first memory' }] });
    await store.apply({ ops: [{ op: 'ADD', text: 'second memory' }] });
    await vi.waitFor(() => expect(persist).toHaveBeenCalledTimes(1));
    expect(persisted).toHaveBeenCalled();
    const report = await store.storageEstimate();
    expect(report.quota).toBeGreaterThan(0);
    expect(report.usage).toBeGreaterThanOrEqual(0);
    expect(typeof report.persisted).toBe('boolean');
  });
});

describe('IndexedDbStore with two writers on one database', () => {
  it('loses no update when two stores interleave batches', async () => {
    const name = freshName();
    const [a, b] = [await open(name), await open(name)];
    await a.apply({ time: T0, ops: [{ op: 'ADD', id: 'shared', text: 'v0' }] });
    const n = 15;
    const runs = await Promise.allSettled([
      ...Array.from({ length: n }, (_, i) =>
        a.apply({ turnId: `a${i}`, ops: [{ op: 'ADD', text: `from a ${i}` }] }),
      ),
      ...Array.from({ length: n }, (_, i) =>
        b.apply({ turnId: `b${i}`, ops: [{ op: 'ADD', text: `from b ${i}` }] }),
      ),
      a.apply({ turnId: 'same-turn', ops: [{ op: 'ADD', text: 'once a' }] }),
      b.apply({ turnId: 'same-turn', ops: [{ op: 'ADD', text: 'once b' }] }),
      a.apply({ ops: [{ op: 'UPDATE', id: 'shared', text: 'v-a' }] }),
      b.apply({ ops: [{ op: 'UPDATE', id: 'shared', text: 'v-b' }] }),
    ]);
    expect(runs.every((r) => r.status === 'fulfilled')).toBe(true);
    const results = runs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(results.filter((r) => r.turnId === 'same-turn' && !r.duplicate)).toHaveLength(1);

    const all = await a.list();
    expect(all.filter((m) => m.text.startsWith('from '))).toHaveLength(2 * n);
    expect(all.filter((m) => m.text.startsWith('once '))).toHaveLength(1);
    const history = await b.history();
    expect(history.map((e) => e.seq)).toEqual(history.map((_, i) => i + 1));
    const shared = history.filter((e) => e.memoryId === 'shared' && e.type === 'UPDATE');
    expect(shared).toHaveLength(2);
    expect(shared[1]!.before).toBe(shared[0]!.after);
    expect((await a.get('shared'))!.text).toBe(shared[1]!.after);
  });

  it('refuses the second of two UPDATEs decided against the same text from two stores, inside its transaction', async () => {
    const name = freshName();
    const [a, b] = [await open(name), await open(name)];
    await a.apply({ time: T0, ops: [{ op: 'ADD', id: 'list', text: 'Shared list: seed' }] });
    const shown = { text: (await b.get('list'))!.text };
    const runs = await Promise.allSettled([
      a.apply({ turnId: 'a', ops: [{ op: 'UPDATE', id: 'list', text: 'seed, A-1, A-2', expected: shown }] }),
      b.apply({ turnId: 'b', ops: [{ op: 'UPDATE', id: 'list', text: 'seed, B-1, B-2', expected: shown }] }),
    ]);
    const won = runs.findIndex((r) => r.status === 'fulfilled');
    const lost = runs.find((r) => r.status === 'rejected');
    expect(won).not.toBe(-1);
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(StaleMemoryError);
    const winner = won === 0 ? 'seed, A-1, A-2' : 'seed, B-1, B-2';
    expect((lost as PromiseRejectedResult).reason).toMatchObject({
      stale: [{ memoryId: 'list', expected: 'Shared list: seed', current: winner }],
    });
    expect((await a.get('list'))!.text).toBe(winner);
    expect((await b.history('list')).map((e) => e.type)).toEqual(['ADD', 'UPDATE']);
  });

  it('tells the other store about each change and refreshes its search index', async () => {
    const name = freshName();
    const [a, b] = [await open(name), await open(name)];
    const seen = nextChange(b, (c) => c.origin === 'remote' && c.kind === 'memories');
    await a.apply({ time: T0, ops: [{ op: 'ADD', id: 'm', text: 'Melanie ran a charity race' }] });
    expect(await seen).toMatchObject({ origin: 'remote', kind: 'memories', memoryIds: ['m'] });
    expect((await b.search({ text: 'charity' })).map((h) => h.memory.id)).toEqual(['m']);

    const embedded = nextChange(b, (c) => c.kind === 'embeddings');
    await a.putEmbeddings('e', [{ text: 'Melanie ran a charity race', vector: new Float32Array([0, 1]) }]);
    expect(await embedded).toMatchObject({ origin: 'remote', memoryIds: ['m'] });
    expect(await b.missingEmbeddings('e')).toEqual([]);

    const reset = nextChange(b, (c) => c.kind === 'reset');
    await a.clear();
    await reset;
    expect(await b.search({ text: 'charity' })).toEqual([]);
  });

  it('reports its own changes to its listeners as local, and stops after unsubscribing', async () => {
    const store = await open();
    const changes: StoreChange[] = [];
    const off = store.onChange((c) => changes.push(c));
    await store.apply({ ops: [{ op: 'ADD', id: 'x', text: 'hello' }] });
    off();
    await store.apply({ ops: [{ op: 'ADD', id: 'y', text: 'again' }] });
    expect(changes).toEqual([{ origin: 'local', kind: 'memories', memoryIds: ['x'] }]);
  });

  it('loses no update when a worker (another agent, like a second tab) writes at the same time', async () => {
    const name = freshName();
    const page = await open(name);
    const worker = new Worker(new URL('./indexeddb-store.peer-worker.ts', import.meta.url), {
      type: 'module',
    });
    try {
      const n = 12;
      const remote = nextChange(page, (c) => c.origin === 'remote');
      const done = new Promise<{ ok: boolean; error?: string }>((resolve) => {
        worker.onmessage = (e: MessageEvent<{ ok: boolean; error?: string }>) => resolve(e.data);
      });
      worker.postMessage({ name, count: n, prefix: 'worker' });
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          page.apply({ turnId: `page${i}`, ops: [{ op: 'ADD', text: `page ${i}` }] }),
        ),
      );
      expect(await done).toEqual({ ok: true });
      await remote;
      const texts = (await page.list()).map((m) => m.text);
      expect(texts.filter((t) => t.startsWith('worker '))).toHaveLength(n);
      expect(texts.filter((t) => t.startsWith('page '))).toHaveLength(n);
      const seqs = (await page.history()).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      await vi.waitFor(async () => expect(await page.search({ text: 'worker', limit: 50 })).toHaveLength(n));
    } finally {
      worker.terminate();
    }
  });
});

describe('IndexedDbStore closing', () => {
  it('steps aside when a newer app version upgrades the database, telling its listeners', async () => {
    const name = freshName();
    const store = await open(name);
    await store.apply({ ops: [{ op: 'ADD', text: 'kept' }] });
    const closed = nextChange(store, (c) => c.error instanceof StoreClosedError);
    const newer = await rawOpen(name, DB_VERSION + 1);
    expect((await closed).error!.message).toMatch(/newer version .* Reload this page/);
    await expect(store.list()).rejects.toBeInstanceOf(StoreClosedError);
    newer.close();
  });

  it('throws StoreClosedError when used after close()', async () => {
    const store = await open();
    store.close();
    await expect(store.apply({ ops: [{ op: 'ADD', text: 'x' }] })).rejects.toMatchObject({
      code: 'store-closed',
    });
  });
});

describe('IndexedDbStore embeddings stored again', () => {
  it('uses the newest vector of a text after a reopen, in another store and when a text comes back', async () => {
    const name = freshName();
    const [a, b] = [await open(name), await open(name)];
    await a.apply({
      time: T0,
      ops: [
        { op: 'ADD', id: 'tea', text: 'likes tea' },
        { op: 'ADD', id: 'coffee', text: 'likes coffee' },
      ],
    });
    const east = new Float32Array([1, 0]);
    const north = new Float32Array([0, 1]);
    await a.putEmbeddings('e', [
      { text: 'likes tea', vector: east },
      { text: 'likes coffee', vector: north },
    ]);
    const seen = nextChange(b, (c) => c.kind === 'embeddings');
    await a.putEmbeddings('e', [{ text: 'likes tea', vector: north }]);
    await seen;
    const nearest = async (store: IndexedDbStore, vector: Float32Array) =>
      (await store.search({ text: '', vector, embedderId: 'e', limit: 1 }))[0]!.memory.id;
    await a.apply({ ops: [{ op: 'UPDATE', id: 'coffee', text: 'likes cocoa' }] });
    await a.apply({ ops: [{ op: 'UPDATE', id: 'coffee', text: 'likes coffee' }] });
    // `b` refreshes in order, so once it saw this last change it has seen the updates too.
    const seenLast = nextChange(b, (c) => c.kind === 'embeddings');
    await a.putEmbeddings('e', [{ text: 'likes coffee', vector: east }]);
    await seenLast;
    for (const store of [a, b, await open(name)]) {
      expect(await nearest(store, east)).toBe('coffee');
      expect(await nearest(store, north)).toBe('tea');
    }
  });
});

describe('IndexedDbStore damaged records', () => {
  it('reports a damaged memory with a clear error instead of dropping it', async () => {
    const name = freshName();
    const store = await open(name);
    await store.apply({ ops: [{ op: 'ADD', id: 'ok', text: 'fine' }] });
    store.close();
    const raw = await rawOpen(name);
    await rawPut(raw, 'memories', [
      {
        chunk: 9,
        ids: ['broken'],
        memories: [
          { id: 'broken', text: 'x', createdAt: 'yesterday', updatedAt: 1, sourceTurnIds: [], ord: 9 },
        ],
      },
    ]);
    raw.close();
    const error = await IndexedDbStore.open({ name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as CorruptRecordError).code).toBe('record-corrupt');
    expect((error as Error).message).toMatch(
      /"memories" record 9 is damaged \(memories.0.createdAt: .*Nothing was changed/,
    );
  });

  it('reports a damaged event and a damaged embedding when they are read', async () => {
    const name = freshName();
    const store = await open(name);
    await store.apply({ ops: [{ op: 'ADD', id: 'ok', text: 'fine' }] });
    const raw = await rawOpen(name);
    await rawPut(raw, 'events', [
      {
        seq: 99,
        events: [
          { seq: 99, batchId: 'b', memoryId: 'ok', type: 'EXPLODE', before: null, after: 'x', time: 1 },
        ],
        memoryIds: ['ok'],
      },
    ]);
    await rawPut(raw, 'embeddings', [
      { embedderId: 'e', keys: ['e:0000000000000000'], dims: 2, vectors: [1, 2] },
    ]);
    raw.close();
    await expect(store.history()).rejects.toThrow(/"events" record 99 is damaged \(events.0.type: /);
    store.close();
    await expect(IndexedDbStore.open({ name })).rejects.toThrow(
      /"embeddings" record .* is damaged \(vectors: /,
    );
  });
});
