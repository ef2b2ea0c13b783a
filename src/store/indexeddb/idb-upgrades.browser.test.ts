// Opening databases written by earlier versions of the app: the upgrade steps of idb-upgrades.ts, through the store.
import { afterEach, describe, expect, it } from 'vitest';
import { textHash } from '../../core/ids';
import type { MemoryEvent, MemoryRecord } from '../../core/types';
import { CorruptRecordError } from '../errors';
import { DB_VERSION, EMBEDDING_CHUNK_SIZE, EVENT_RUN_SIZE } from './idb-schema';
import {
  FAILED_TURN,
  T0,
  closeStores,
  freshName,
  open,
  rawOpen,
  rawPut,
  rawRequest,
} from './fixtures/idb-fixtures';
import { IndexedDbStore } from './indexeddb-store';

afterEach(closeStores);

describe('IndexedDbStore schema upgrades', () => {
  const events: MemoryEvent[] = [
    {
      seq: 1,
      batchId: 'b1',
      memoryId: 'm1',
      type: 'ADD',
      before: null,
      after: 'Likes tea',
      turnId: 't1',
      time: T0,
    },
    {
      seq: 2,
      batchId: 'b1',
      memoryId: 'm2',
      type: 'ADD',
      before: null,
      after: 'Owns a cat',
      turnId: 't1',
      time: T0,
    },
    {
      seq: 3,
      batchId: 'b2',
      memoryId: 'm1',
      type: 'UPDATE',
      before: 'Likes tea',
      after: 'Likes green tea',
      turnId: 't2',
      speaker: 'Ann',
      time: T0 + 5,
    },
    {
      seq: 4,
      batchId: 'b2',
      memoryId: 'm2',
      type: 'DELETE',
      before: 'Owns a cat',
      after: null,
      turnId: 't2',
      time: T0 + 5,
    },
  ];
  const memories: MemoryRecord[] = [
    { id: 'm1', text: 'Likes green tea', createdAt: T0, updatedAt: T0 + 5, sourceTurnIds: ['t1', 't2'] },
    {
      id: 'm2',
      text: 'Owns a cat',
      createdAt: T0,
      updatedAt: T0 + 5,
      deletedAt: T0 + 5,
      sourceTurnIds: ['t1', 't2'],
    },
  ];

  /** The events store of versions 1 and 2: one record per event. */
  function createV1Events(raw: IDBDatabase): void {
    const e = raw.createObjectStore('events', { keyPath: 'seq' });
    e.createIndex('memoryId', 'memoryId');
    e.createIndex('batchId', 'batchId');
    e.createIndex('turnId', 'turnId');
  }

  /** The object stores versions 2 and 3 had besides memories, events and embeddings. */
  function createV2Stores(raw: IDBDatabase): void {
    raw.createObjectStore('batches', { keyPath: 'batchId' }).createIndex('turnId', 'turnId');
    raw.createObjectStore('failures', { keyPath: 'turnId' });
    raw.createObjectStore('conversations', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
    raw.createObjectStore('messages', { keyPath: 'id' }).createIndex('conversationId', 'conversationId');
    raw.createObjectStore('settings', { keyPath: 'key' });
    raw.createObjectStore('models', { keyPath: 'id' });
  }

  async function writeV1(name: string, memoryValues: unknown[]): Promise<void> {
    const db = await rawOpen(name, 1, (raw) => {
      raw.createObjectStore('memories', { keyPath: 'id' });
      createV1Events(raw);
    });
    await rawPut(db, 'events', events);
    await rawPut(db, 'memories', memoryValues);
    db.close();
  }

  it('upgrades a version-1 database without losing memories, events or turns', async () => {
    const name = freshName();
    await writeV1(name, memories);
    const store = await open(name);
    expect(await store.list({ includeDeleted: true })).toEqual(memories);
    expect(await store.history()).toEqual(events);
    expect(await store.findTurn('t2')).toMatchObject({
      batchId: 'b2',
      turnId: 't2',
      applied: [{ op: 'UPDATE' }, { op: 'DELETE' }],
    });
    expect((await store.search({ text: 'tea' })).map((h) => h.memory.id)).toEqual(['m1']);
    await store.undo('b2');
    expect((await store.list()).map((m) => m.text)).toEqual(['Likes tea', 'Owns a cat']);
    store.close();

    const raw = await rawOpen(name);
    expect(raw.version).toBe(DB_VERSION);
    expect([...raw.objectStoreNames].sort()).toEqual(
      [
        'batches',
        'conversations',
        'embeddings',
        'events',
        'failures',
        'memories',
        'messages',
        'models',
        'passes',
        'settings',
      ].sort(),
    );
    raw.close();
  });

  /** A version-2 database as that version of the app wrote it: one record per event and per embedding. */
  async function writeV2(name: string, v2: { events: MemoryEvent[]; embeddings: unknown[] }): Promise<void> {
    const db = await rawOpen(name, 2, (raw) => {
      raw.createObjectStore('memories', { keyPath: 'id' }).createIndex('ord', 'ord');
      createV1Events(raw);
      raw.createObjectStore('embeddings', { keyPath: 'key' }).createIndex('embedderId', 'embedderId');
      createV2Stores(raw);
    });
    await rawPut(db, 'memories', [
      { ...memories[0], ord: 1 },
      { ...memories[1], ord: 2 },
      ...v2.events.slice(4).map((e) => ({
        id: e.memoryId,
        text: e.after,
        createdAt: e.time,
        updatedAt: e.time,
        sourceTurnIds: [],
        ord: e.seq,
      })),
    ]);
    await rawPut(db, 'events', v2.events);
    await rawPut(db, 'batches', [
      {
        batchId: 'b1',
        turnId: 't1',
        time: T0,
        applied: [
          { op: 'ADD', memoryId: 'm1', text: 'Likes tea' },
          { op: 'ADD', memoryId: 'm2', text: 'Owns a cat' },
        ],
      },
      {
        batchId: 'b2',
        turnId: 't2',
        time: T0 + 5,
        speaker: 'Ann',
        applied: [
          { op: 'UPDATE', memoryId: 'm1', text: 'Likes green tea', previousText: 'Likes tea' },
          { op: 'DELETE', memoryId: 'm2', previousText: 'Owns a cat' },
        ],
      },
      {
        batchId: 'b3',
        time: T0 + 9,
        modelId: 'import',
        applied: v2.events.slice(4).map((e) => ({
          op: 'ADD',
          memoryId: e.memoryId,
          text: e.after,
        })),
      },
    ]);
    await rawPut(db, 'embeddings', v2.embeddings);
    await rawPut(db, 'failures', [FAILED_TURN]);
    db.close();
  }

  it('upgrades a version-2 database to runs of events and chunks of embeddings without losing anything', async () => {
    const name = freshName();
    // One imported batch longer than a run, and one embedder with more vectors than a chunk holds.
    const imported: MemoryEvent[] = Array.from({ length: EVENT_RUN_SIZE + 3 }, (_, i) => ({
      seq: 5 + i,
      batchId: 'b3',
      memoryId: `imp${i}`,
      type: 'ADD',
      before: null,
      after: `imported fact ${i}`,
      modelId: 'import',
      time: T0 + 9,
    }));
    const v2Events = [...events, ...imported];
    const vector = (i: number) => new Float32Array([Math.cos(i / 50), Math.sin(i / 50), 0, 0]);
    const embedded = ['Likes green tea', ...imported.map((e) => e.after!)].slice(0, EMBEDDING_CHUNK_SIZE + 5);
    const v2Embeddings = [
      ...embedded.map((text, i) => ({
        key: `e:${textHash(text)}`,
        embedderId: 'e',
        textHash: textHash(text),
        vector: vector(i),
      })),
      {
        key: `f:${textHash('Likes green tea')}`,
        embedderId: 'f',
        textHash: textHash('Likes green tea'),
        vector: new Float32Array([0, 1]),
      },
      {
        key: `f:${textHash('no memory has this')}`,
        embedderId: 'f',
        textHash: textHash('no memory has this'),
        vector: new Float32Array([1, 0]),
      },
    ];
    await writeV2(name, { events: v2Events, embeddings: v2Embeddings });
    const store = await open(name);
    expect(await store.history()).toEqual(v2Events);
    expect(await store.history('m1')).toEqual([events[0], events[2]]);
    expect(await store.history('imp7')).toEqual([imported[7]]);
    expect((await store.list({ includeDeleted: true })).map((m) => m.id)).toEqual([
      'm1',
      'm2',
      ...imported.map((e) => e.memoryId),
    ]);
    expect(await store.findTurn('t2')).toMatchObject({
      batchId: 'b2',
      applied: [{ op: 'UPDATE' }, { op: 'DELETE' }],
    });
    expect((await store.failures()).map((f) => f.turnId)).toEqual(['t9']);
    const missing = await store.missingEmbeddings('e');
    expect(missing.map((m) => m.id)).toEqual(
      imported.filter((e) => !embedded.includes(e.after!)).map((e) => e.memoryId),
    );
    const hit = await store.search({ text: '', vector: vector(0), embedderId: 'e', limit: 1 });
    expect(hit.map((h) => h.memory.id)).toEqual(['m1']);
    const inSecondChunk = EMBEDDING_CHUNK_SIZE + 2;
    const far = await store.search({ text: '', vector: vector(inSecondChunk), embedderId: 'e', limit: 1 });
    expect(far.map((h) => h.memory.id)).toEqual([`imp${inSecondChunk - 1}`]);
    expect(
      (await store.search({ text: '', vector: new Float32Array([0, 1]), embedderId: 'f', limit: 1 }))[0]!
        .memory.id,
    ).toBe('m1');
    const { batchId } = await store.apply({ ops: [{ op: 'ADD', id: 'new', text: 'after the upgrade' }] });
    expect((await store.history('new'))[0]).toMatchObject({ seq: v2Events.length + 1, batchId });
    await store.undo('b2');
    expect((await store.get('m1'))!.text).toBe('Likes tea');
    store.close();

    const raw = await rawOpen(name);
    expect(raw.version).toBe(DB_VERSION);
    const tx = raw.transaction(['memories', 'events', 'embeddings'], 'readonly');
    expect([...tx.objectStore('memories').indexNames]).toEqual(['ids']);
    // 261 memories in chunks of 64 (a new chunk for the memory added after the upgrade).
    expect(await rawRequest(tx.objectStore('memories').count())).toBe(6);
    expect([...tx.objectStore('events').indexNames]).toEqual(['memoryIds']);
    // b1, b2, b3 in two runs, then the new batch and the undo.
    expect(await rawRequest(tx.objectStore('events').count())).toBe(6);
    // 69 vectors of `e` in two chunks, 2 of `f` in one.
    expect(await rawRequest(tx.objectStore('embeddings').count())).toBe(3);
    raw.close();
  });

  /** A version-3 database written with the raw API: the v3 layout and one record of each kind. */
  async function writeV3(name: string): Promise<void> {
    const db = await rawOpen(name, 3, (raw) => {
      raw.createObjectStore('memories', { keyPath: 'chunk', autoIncrement: true }).createIndex('ids', 'ids', {
        multiEntry: true,
      });
      raw.createObjectStore('events', { keyPath: 'seq' }).createIndex('memoryIds', 'memoryIds', {
        multiEntry: true,
      });
      const embeddings = raw.createObjectStore('embeddings', { autoIncrement: true });
      embeddings.createIndex('embedderId', 'embedderId');
      embeddings.createIndex('keys', 'keys', { multiEntry: true });
      createV2Stores(raw);
    });
    await rawPut(db, 'memories', [
      { ids: ['m1', 'm2'], memories: memories.map((m, i) => ({ ...m, ord: i + 1 })) },
    ]);
    await rawPut(db, 'events', [{ seq: 1, events, memoryIds: ['m1', 'm2'] }]);
    await rawPut(db, 'batches', [
      {
        batchId: 'b2',
        turnId: 't2',
        time: T0 + 5,
        applied: [
          { op: 'UPDATE', memoryId: 'm1', text: 'Likes green tea', previousText: 'Likes tea' },
          { op: 'DELETE', memoryId: 'm2', previousText: 'Owns a cat' },
        ],
      },
    ]);
    await rawPut(db, 'embeddings', [
      {
        embedderId: 'e',
        keys: [`e:${textHash('Likes green tea')}`],
        dims: 2,
        vectors: new Float32Array([1, 0]),
      },
    ]);
    await rawPut(db, 'failures', [FAILED_TURN]);
    await rawPut(db, 'messages', [{ id: 't2', conversationId: 'c1', role: 'user', text: 'hi', time: T0 }]);
    db.close();
  }

  it('upgrades a version-3 database by adding the pass journal, keeping everything else as it was', async () => {
    const name = freshName();
    await writeV3(name);
    const store = await open(name);
    expect(await store.list({ includeDeleted: true })).toEqual(memories);
    expect(await store.history()).toEqual(events);
    expect(await store.findTurn('t2')).toMatchObject({ batchId: 'b2' });
    expect((await store.failures()).map((f) => f.turnId)).toEqual(['t9']);
    const hit = await store.search({ text: '', vector: new Float32Array([1, 0]), embedderId: 'e', limit: 1 });
    expect(hit.map((h) => h.memory.id)).toEqual(['m1']);
    expect(await store.passes()).toEqual([]);
    const pass = {
      state: 'pending',
      turnId: 't3',
      text: 'x',
      turnTime: T0,
      startedAt: T0,
      resumes: 0,
    } as const;
    await store.putPass(pass);
    store.close();

    const raw = await rawOpen(name);
    expect(raw.version).toBe(DB_VERSION);
    const tx = raw.transaction(['passes', 'messages'], 'readonly');
    expect(await rawRequest(tx.objectStore('passes').getAll())).toEqual([pass]);
    expect(await rawRequest(tx.objectStore('messages').get('t2'))).toMatchObject({ text: 'hi' });
    raw.close();
  });

  it('refuses to upgrade a version-1 database with a damaged record, leaving it at version 1', async () => {
    const name = freshName();
    await writeV1(name, [memories[0], { id: 'm2', text: 17, createdAt: T0 }]);
    const error = await IndexedDbStore.open({ name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as Error).message).toMatch(/"memories" record m2 is damaged \(text: /);
    const raw = await rawOpen(name);
    expect(raw.version).toBe(1);
    raw.close();
  });
});
