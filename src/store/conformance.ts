/**
 * The behaviour every `MemoryStore` must have, as a Vitest suite: `describeStoreConformance(name, makeStore)`.
 * The in-memory store runs it in Node (in-memory-store.test.ts); the IndexedDB store runs it in Chromium. It
 * imports only Vitest, fast-check and store/core modules, so it works in both projects. `makeStore` must return a
 * new, empty store on every call.
 *
 * Input validation (each method refuses a wrong form, changing nothing) is in conformance-input.ts, run from here.
 *
 * Stable API: `describeStoreConformance(name, makeStore, options?)`, `StoreConformanceOptions`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ImportError,
  InvalidBatchError,
  NotFoundError,
  StaleMemoryError,
  UndoConflictError,
} from '../core/errors';
import type {
  HeldPass,
  MemoryExport,
  MemoryOpBatch,
  PendingPass,
  MemoryRecord,
  MemoryStore,
  StoreOp,
  TurnFailure,
} from '../core/types';
import { replayEvents } from './planning/event-replay';
import { describeInputConformance } from './conformance-input';

/** Tuning for slower stores. */
export interface StoreConformanceOptions {
  /** Random op sequences the property tests try; default 60. */
  propertyRuns?: number;
}

const T0 = 1_700_000_000_000;
const EMBEDDER = 'test-embedder';

/** A unit-ish vector pointing mostly along axis `axis` of 4. */
function axis(axisIndex: number, jitter = 0): Float32Array {
  const v = new Float32Array(4).fill(jitter);
  v[axisIndex] = 1;
  return v;
}

function failure(turnId: string, time: number): TurnFailure {
  return {
    turnId,
    text: `turn ${turnId}`,
    turnTime: time - 10,
    stage: 'decide',
    code: 'model-output-invalid',
    message: 'The model returned invalid JSON.',
    rawOutput: '{"operations": [',
    modelId: 'test-model',
    time,
    attempts: 1,
  };
}

async function addOne(store: MemoryStore, text: string, batch: Partial<MemoryOpBatch> = {}): Promise<string> {
  const result = await store.apply({ time: T0, ...batch, ops: [{ op: 'ADD', text }] });
  return result.applied[0]!.memoryId;
}

/** Everything observable about a store, for "nothing changed" checks. */
async function snapshot(store: MemoryStore, probe = 'tea') {
  return {
    all: await store.list({ includeDeleted: true }),
    history: await store.history(),
    search: (await store.search({ text: probe, limit: 50 })).map((h) => h.memory.id),
    failures: await store.failures(),
  };
}

function byId(records: MemoryRecord[]): MemoryRecord[] {
  return [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function withoutExportTime(doc: MemoryExport): Omit<MemoryExport, 'exportedAt'> {
  const { exportedAt: _exportedAt, ...rest } = doc;
  return rest;
}

/** Defines the full conformance suite for one `MemoryStore` implementation. */
export function describeStoreConformance(
  name: string,
  makeStore: () => Promise<MemoryStore>,
  options: StoreConformanceOptions = {},
): void {
  const runs = options.propertyRuns ?? 60;

  describe(`${name} conforms to MemoryStore`, () => {
    describe('ADD', () => {
      it('adds a memory with a fresh id, the scope of the batch and the turn id', async () => {
        const store = await makeStore();
        const result = await store.apply({
          turnId: 't1',
          speaker: 'Caroline',
          conversationId: 'c1',
          modelId: 'test-model',
          time: T0,
          ops: [{ op: 'ADD', text: 'Caroline went to a support group on 7 May 2023' }],
        });
        expect(result).toMatchObject({ turnId: 't1', time: T0 });
        expect(result.applied).toHaveLength(1);
        const id = result.applied[0]!.memoryId;
        expect(result.applied[0]).toEqual({
          op: 'ADD',
          memoryId: id,
          text: 'Caroline went to a support group on 7 May 2023',
        });
        expect(await store.get(id)).toEqual({
          id,
          text: 'Caroline went to a support group on 7 May 2023',
          speaker: 'Caroline',
          conversationId: 'c1',
          createdAt: T0,
          updatedAt: T0,
          sourceTurnIds: ['t1'],
        });
      });

      it('keeps the id an ADD names and lets the op override the batch scope', async () => {
        const store = await makeStore();
        await store.apply({
          speaker: 'A',
          conversationId: 'c1',
          ops: [{ op: 'ADD', id: 'mine', text: 'x', speaker: 'B', conversationId: 'c2' }],
        });
        expect(await store.get('mine')).toMatchObject({ id: 'mine', speaker: 'B', conversationId: 'c2' });
      });

      it('records an ADD event with the text, turn, model, scope, time and batch id', async () => {
        const store = await makeStore();
        const result = await store.apply({
          turnId: 't1',
          speaker: 'A',
          conversationId: 'c1',
          modelId: 'test-model',
          time: T0,
          ops: [{ op: 'ADD', id: 'm', text: 'likes tea' }],
        });
        const [event] = await store.history('m');
        expect(event).toMatchObject({
          batchId: result.batchId,
          memoryId: 'm',
          type: 'ADD',
          before: null,
          after: 'likes tea',
          turnId: 't1',
          modelId: 'test-model',
          speaker: 'A',
          conversationId: 'c1',
          time: T0,
        });
      });

      it('keeps script tags in a text verbatim', async () => {
        const store = await makeStore();
        const text = '<script>alert("x")</script> & <b>bold</b>';
        const id = await addOne(store, text);
        expect((await store.get(id))!.text).toBe(text);
      });
    });

    describe('UPDATE', () => {
      it('keeps the id when UPDATE merges a fact and records before and after', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'likes tea', { turnId: 't1' });
        const result = await store.apply({
          turnId: 't2',
          time: T0 + 1000,
          ops: [{ op: 'UPDATE', id, text: 'likes green tea' }],
        });
        expect(result.applied).toEqual([
          { op: 'UPDATE', memoryId: id, text: 'likes green tea', previousText: 'likes tea' },
        ]);
        expect(await store.get(id)).toMatchObject({
          id,
          text: 'likes green tea',
          createdAt: T0,
          updatedAt: T0 + 1000,
          sourceTurnIds: ['t1', 't2'],
        });
        const events = await store.history(id);
        expect(events.map((e) => [e.type, e.before, e.after])).toEqual([
          ['ADD', null, 'likes tea'],
          ['UPDATE', 'likes tea', 'likes green tea'],
        ]);
        expect((await store.list()).map((m) => m.id)).toEqual([id]);
      });
    });

    describe('DELETE', () => {
      it('hides a deleted memory from list and search but keeps its tombstone', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'likes tea');
        await store.apply({ time: T0 + 5, ops: [{ op: 'DELETE', id }] });
        expect(await store.list()).toEqual([]);
        expect(await store.search({ text: 'tea' })).toEqual([]);
        expect(await store.get(id)).toMatchObject({ id, text: 'likes tea', deletedAt: T0 + 5 });
        expect((await store.list({ includeDeleted: true })).map((m) => m.id)).toEqual([id]);
        expect((await store.search({ text: 'tea', includeDeleted: true })).map((h) => h.memory.id)).toEqual([
          id,
        ]);
        const events = await store.history(id);
        expect(events.at(-1)).toMatchObject({ type: 'DELETE', before: 'likes tea', after: null });
      });

      it('restores a deleted memory when the DELETE is undone', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'likes tea');
        const del = await store.apply({ ops: [{ op: 'DELETE', id }] });
        await store.undo(del.batchId);
        const restored = await store.get(id);
        expect(restored?.deletedAt).toBeUndefined();
        expect(restored?.text).toBe('likes tea');
        expect((await store.search({ text: 'tea' })).map((h) => h.memory.id)).toEqual([id]);
      });
    });

    describe('batches', () => {
      it('applies several operations of one batch together', async () => {
        const store = await makeStore();
        const a = await addOne(store, 'likes tea');
        const b = await addOne(store, 'lives in Paris');
        const result = await store.apply({
          ops: [
            { op: 'ADD', text: 'has a dog' },
            { op: 'UPDATE', id: a, text: 'likes coffee' },
            { op: 'DELETE', id: b },
          ],
        });
        expect(result.applied.map((op) => op.op)).toEqual(['ADD', 'UPDATE', 'DELETE']);
        expect((await store.list()).map((m) => m.text).sort()).toEqual(['has a dog', 'likes coffee']);
        expect(
          new Set((await store.history()).filter((e) => e.batchId === result.batchId).map((e) => e.type)),
        ).toEqual(new Set(['ADD', 'UPDATE', 'DELETE']));
      });

      it('records a turn as processed even when its batch has no operations', async () => {
        const store = await makeStore();
        const result = await store.apply({ turnId: 'quiet', ops: [] });
        expect(result.applied).toEqual([]);
        expect(await store.findTurn('quiet')).toMatchObject({ batchId: result.batchId, turnId: 'quiet' });
        expect(await store.history()).toEqual([]);
        const again = await store.apply({ turnId: 'quiet', ops: [{ op: 'ADD', text: 'late fact' }] });
        expect(again.duplicate).toBe(true);
        expect(await store.list()).toEqual([]);
      });

      const bad: [string, (ids: { live: string; deleted: string }) => StoreOp[]][] = [
        ['an ADD with empty text', () => [{ op: 'ADD', text: '   ' }]],
        ['an UPDATE of a memory that does not exist', () => [{ op: 'UPDATE', id: 'ghost', text: 'x' }]],
        ['a DELETE of a memory that does not exist', () => [{ op: 'DELETE', id: 'ghost' }]],
        ['an UPDATE of a deleted memory', ({ deleted }) => [{ op: 'UPDATE', id: deleted, text: 'x' }]],
        ['an UPDATE with empty text', ({ live }) => [{ op: 'UPDATE', id: live, text: '' }]],
        [
          'two operations on the same memory',
          ({ live }) => [
            { op: 'UPDATE', id: live, text: 'tea and cake' },
            { op: 'DELETE', id: live },
          ],
        ],
        ['an ADD reusing an existing id', ({ live }) => [{ op: 'ADD', id: live, text: 'tea again' }]],
      ];
      it.each(bad)('changes nothing when a batch contains %s', async (_label, makeOps) => {
        const store = await makeStore();
        const live = await addOne(store, 'likes tea', { turnId: 't1' });
        const deleted = await addOne(store, 'hates tea', { turnId: 't2' });
        const other = await addOne(store, 'drinks tea daily', { turnId: 't3' });
        await store.apply({ turnId: 't4', ops: [{ op: 'DELETE', id: deleted }] });
        const before = await snapshot(store);
        await expect(
          store.apply({
            turnId: 'bad-turn',
            ops: [
              { op: 'ADD', text: 'tea is fine' },
              { op: 'UPDATE', id: other, text: 'drinks black tea' },
              ...makeOps({ live, deleted }),
            ],
          }),
        ).rejects.toThrow(InvalidBatchError);
        expect(await snapshot(store)).toEqual(before);
        expect(await store.findTurn('bad-turn')).toBeUndefined();
      });
    });

    describe('optimistic concurrency', () => {
      it('applies an UPDATE and a DELETE whose expected text is still current', async () => {
        const store = await makeStore();
        const a = await addOne(store, 'Shared list: seed');
        const b = await addOne(store, 'likes tea');
        const result = await store.apply({
          turnId: 't1',
          ops: [
            { op: 'UPDATE', id: a, text: 'Shared list: seed, A-1', expected: { text: 'Shared list: seed' } },
            { op: 'DELETE', id: b, expected: { text: 'likes tea' } },
          ],
        });
        expect(result.applied.map((op) => op.op)).toEqual(['UPDATE', 'DELETE']);
        expect((await store.list()).map((m) => m.text)).toEqual(['Shared list: seed, A-1']);
      });

      it('refuses a batch whose UPDATE was decided against an older text, naming the memory, changing nothing', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'Shared list: seed');
        // Two writers were both shown "seed"; the first appends.
        await store.apply({
          turnId: 'tab-a',
          ops: [
            {
              op: 'UPDATE',
              id,
              text: 'Shared list: seed, A-1, A-2',
              expected: { text: 'Shared list: seed' },
            },
          ],
        });
        const before = await snapshot(store);
        const error: unknown = await store
          .apply({
            turnId: 'tab-b',
            ops: [
              { op: 'ADD', text: 'unrelated fact' },
              {
                op: 'UPDATE',
                id,
                text: 'Shared list: seed, B-1, B-2',
                expected: { text: 'Shared list: seed' },
              },
            ],
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StaleMemoryError);
        expect((error as StaleMemoryError).code).toBe('memory-changed');
        expect((error as StaleMemoryError).stale).toEqual([
          { memoryId: id, expected: 'Shared list: seed', current: 'Shared list: seed, A-1, A-2' },
        ]);
        expect(await snapshot(store)).toEqual(before);
        expect(await store.findTurn('tab-b')).toBeUndefined();
      });

      it('refuses a DELETE and an UPDATE of memories deleted or edited since, naming both', async () => {
        const store = await makeStore();
        const gone = await addOne(store, 'likes tea');
        const edited = await addOne(store, 'lives in Paris');
        await store.apply({ modelId: 'user', ops: [{ op: 'DELETE', id: gone }] });
        await store.apply({ modelId: 'user', ops: [{ op: 'UPDATE', id: edited, text: 'lives in Lyon' }] });
        const before = await snapshot(store);
        const error: unknown = await store
          .apply({
            ops: [
              { op: 'UPDATE', id: gone, text: 'likes green tea', expected: { text: 'likes tea' } },
              { op: 'DELETE', id: edited, expected: { text: 'lives in Paris' } },
            ],
          })
          .catch((e: unknown) => e);
        expect((error as StaleMemoryError).stale).toEqual([
          { memoryId: gone, expected: 'likes tea', current: null },
          { memoryId: edited, expected: 'lives in Paris', current: 'lives in Lyon' },
        ]);
        expect(await snapshot(store)).toEqual(before);
      });

      it('applies an UPDATE without expected text over any current text (a user edit wins)', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'likes tea');
        await store.apply({ ops: [{ op: 'UPDATE', id, text: 'likes coffee' }] });
        await store.apply({ modelId: 'user', ops: [{ op: 'UPDATE', id, text: 'likes water' }] });
        expect((await store.get(id))!.text).toBe('likes water');
      });

      it('rejects an expected value without a text as an invalid batch', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'likes tea');
        const malformed = { op: 'DELETE', id, expected: { version: 3 } } as unknown as StoreOp;
        await expect(store.apply({ ops: [malformed] })).rejects.toThrow(InvalidBatchError);
        expect((await store.get(id))!.deletedAt).toBeUndefined();
      });
    });

    describe('idempotent turns', () => {
      it('returns the earlier result with duplicate: true and changes nothing for a turn applied twice', async () => {
        const store = await makeStore();
        const first = await store.apply({ turnId: 't1', ops: [{ op: 'ADD', text: 'likes tea' }] });
        const before = await snapshot(store);
        const second = await store.apply({ turnId: 't1', ops: [{ op: 'ADD', text: 'likes tea' }] });
        expect(second).toEqual({ ...first, duplicate: true });
        expect(await snapshot(store)).toEqual(before);
        expect(await store.findTurn('t1')).toEqual(first);
      });

      it('processes a turn again after its batch was undone', async () => {
        const store = await makeStore();
        const first = await store.apply({ turnId: 't1', ops: [{ op: 'ADD', text: 'likes tea' }] });
        await store.undo(first.batchId);
        expect(await store.findTurn('t1')).toBeUndefined();
        const again = await store.apply({ turnId: 't1', ops: [{ op: 'ADD', text: 'likes green tea' }] });
        expect(again.duplicate).toBeUndefined();
        expect((await store.list()).map((m) => m.text)).toEqual(['likes green tea']);
        expect(await store.findTurn('t1')).toMatchObject({ batchId: again.batchId });
      });
    });

    describe('undo', () => {
      it('reverses every operation of a batch and records UNDO events', async () => {
        const store = await makeStore();
        const u = await addOne(store, 'likes tea', { turnId: 't0' });
        const d = await addOne(store, 'lives in Paris', { turnId: 't00' });
        const batch = await store.apply({
          turnId: 't1',
          time: T0 + 10,
          ops: [
            { op: 'ADD', id: 'n', text: 'has a dog' },
            { op: 'UPDATE', id: u, text: 'likes coffee' },
            { op: 'DELETE', id: d },
          ],
        });
        const result = await store.undo(batch.batchId);
        expect(result.batchId).toBe(batch.batchId);
        expect(result.applied).toEqual([
          { op: 'DELETE', memoryId: 'n', previousText: 'has a dog' },
          { op: 'UPDATE', memoryId: u, text: 'likes tea', previousText: 'likes coffee' },
          { op: 'ADD', memoryId: d, text: 'lives in Paris' },
        ]);
        expect((await store.list()).map((m) => m.text).sort()).toEqual(['likes tea', 'lives in Paris']);
        expect((await store.get(u))!.sourceTurnIds).toEqual(['t0']);
        expect((await store.get('n'))!.deletedAt).toBeDefined();
        const types = (await store.history()).filter((e) => e.batchId === batch.batchId).map((e) => e.type);
        expect(types).toEqual(['ADD', 'UPDATE', 'DELETE', 'UNDO_ADD', 'UNDO_UPDATE', 'UNDO_DELETE']);
      });

      it('refuses to undo a batch whose memory changed later, changing nothing', async () => {
        const store = await makeStore();
        const first = await store.apply({ ops: [{ op: 'ADD', id: 'm', text: 'likes tea' }] });
        await store.apply({ ops: [{ op: 'UPDATE', id: 'm', text: 'likes green tea' }] });
        const before = await snapshot(store);
        await expect(store.undo(first.batchId)).rejects.toThrow(UndoConflictError);
        expect(await snapshot(store)).toEqual(before);
      });

      it('allows undoing newest first after a conflict', async () => {
        const store = await makeStore();
        const first = await store.apply({ ops: [{ op: 'ADD', id: 'm', text: 'likes tea' }] });
        const second = await store.apply({ ops: [{ op: 'UPDATE', id: 'm', text: 'likes green tea' }] });
        await store.undo(second.batchId);
        await store.undo(first.batchId);
        expect(await store.list()).toEqual([]);
      });

      it('reports unknown and already undone batches as not found', async () => {
        const store = await makeStore();
        await expect(store.undo('no-such-batch')).rejects.toThrow(NotFoundError);
        const batch = await store.apply({ ops: [{ op: 'ADD', text: 'x' }] });
        await store.undo(batch.batchId);
        await expect(store.undo(batch.batchId)).rejects.toThrow(NotFoundError);
      });
    });

    describe('history', () => {
      it('lists events oldest first with increasing seq, per memory when asked', async () => {
        const store = await makeStore();
        const a = await addOne(store, 'a one');
        const b = await addOne(store, 'b one');
        await store.apply({ ops: [{ op: 'UPDATE', id: a, text: 'a two' }] });
        const all = await store.history();
        expect(all).toHaveLength(3);
        for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThan(all[i - 1]!.seq);
        expect((await store.history(a)).map((e) => e.after)).toEqual(['a one', 'a two']);
        expect((await store.history(b)).map((e) => e.after)).toEqual(['b one']);
      });

      it('replays to the current memories', async () => {
        const store = await makeStore();
        const a = await addOne(store, 'a one', { turnId: 't1' });
        const b = await addOne(store, 'b one', { turnId: 't2' });
        const upd = await store.apply({ turnId: 't3', ops: [{ op: 'UPDATE', id: a, text: 'a two' }] });
        await store.apply({ turnId: 't4', ops: [{ op: 'DELETE', id: b }] });
        await store.undo(upd.batchId);
        expect(byId(replayEvents(await store.history()))).toEqual(
          byId(await store.list({ includeDeleted: true })),
        );
      });
    });

    describe('search', () => {
      it('filters by speaker and conversation', async () => {
        const store = await makeStore();
        await addOne(store, 'likes tea', { speaker: 'A', conversationId: 'c1' });
        await addOne(store, 'likes tea too', { speaker: 'B', conversationId: 'c1' });
        await addOne(store, 'likes tea a lot', { speaker: 'A', conversationId: 'c2' });
        const texts = async (q: { speaker?: string; conversationId?: string }) =>
          (await store.search({ text: 'tea', ...q })).map((h) => h.memory.text).sort();
        expect(await texts({ speaker: 'A' })).toEqual(['likes tea', 'likes tea a lot']);
        expect(await texts({ conversationId: 'c1' })).toEqual(['likes tea', 'likes tea too']);
        expect(await texts({ speaker: 'A', conversationId: 'c2' })).toEqual(['likes tea a lot']);
        expect((await store.list({ speaker: 'B' })).map((m) => m.text)).toEqual(['likes tea too']);
      });

      it('returns at most the limit, 10 by default', async () => {
        const store = await makeStore();
        await store.apply({
          ops: Array.from({ length: 15 }, (_, i) => ({ op: 'ADD', text: `tea fact ${i}` })),
        });
        expect(await store.search({ text: 'tea' })).toHaveLength(10);
        expect(await store.search({ text: 'tea', limit: 3 })).toHaveLength(3);
      });

      it('ranks the memory matching the rarer query words first', async () => {
        const store = await makeStore();
        await addOne(store, 'Caroline likes tea');
        const dog = await addOne(store, 'Caroline adopted a dog named Oscar');
        await addOne(store, 'Caroline likes coffee');
        const hits = await store.search({ text: 'What dog did Caroline adopt?' });
        expect(hits[0]!.memory.id).toBe(dog);
        expect(hits[0]!.lexicalRank).toBe(1);
        expect(hits.every((h, i) => i === 0 || h.score <= hits[i - 1]!.score)).toBe(true);
      });

      it('finds word forms by stem and dates by their numbers', async () => {
        const store = await makeStore();
        const run = await addOne(store, 'Melanie ran a charity race on 2023-05-20');
        await addOne(store, 'Melanie paints');
        expect((await store.search({ text: 'races' })).map((h) => h.memory.id)).toEqual([run]);
        expect((await store.search({ text: 'what happened in 2023' })).map((h) => h.memory.id)).toEqual([
          run,
        ]);
      });

      it('ranks by vector similarity when the query carries a vector of the same embedder', async () => {
        const store = await makeStore();
        const ids = [await addOne(store, 'alpha'), await addOne(store, 'beta'), await addOne(store, 'gamma')];
        await store.putEmbeddings(EMBEDDER, [
          { text: 'alpha', vector: axis(0) },
          { text: 'beta', vector: axis(1) },
          { text: 'gamma', vector: axis(2) },
        ]);
        const hits = await store.search({
          text: 'nothing matches',
          vector: axis(1, 0.1),
          embedderId: EMBEDDER,
        });
        expect(hits[0]).toMatchObject({ memory: { id: ids[1] }, denseRank: 1 });
        expect(hits[0]!.lexicalRank).toBeUndefined();
        expect(await store.search({ text: 'nothing matches', vector: axis(1), embedderId: 'other' })).toEqual(
          [],
        );
      });

      it('ranks a memory both retrievers find above memories only one finds', async () => {
        const store = await makeStore();
        const lexOnly = await addOne(store, 'Oscar the dog');
        const both = await addOne(store, 'Oscar is a dog');
        const denseOnly = await addOne(store, 'a puppy');
        await store.putEmbeddings(EMBEDDER, [
          { text: 'Oscar is a dog', vector: axis(0, 0.2) },
          { text: 'a puppy', vector: axis(0) },
        ]);
        const hits = await store.search({ text: 'Oscar dog', vector: axis(0), embedderId: EMBEDDER });
        expect(hits.map((h) => h.memory.id)).toEqual([both, expect.any(String), expect.any(String)]);
        expect(new Set(hits.slice(1).map((h) => h.memory.id))).toEqual(new Set([lexOnly, denseOnly]));
        expect(hits[0]).toMatchObject({ lexicalRank: expect.any(Number), denseRank: expect.any(Number) });
      });

      it('puts the most recently updated memory first among equals', async () => {
        const store = await makeStore();
        const old = await addOne(store, 'likes tea', { time: T0 });
        const recent = await addOne(store, 'likes tea', { time: T0 + 1000 });
        expect((await store.search({ text: 'tea' })).map((h) => h.memory.id)).toEqual([recent, old]);
      });
    });

    describe('page', () => {
      it('lists the newest memories a filter lets through, with the total and every live speaker', async () => {
        const store = await makeStore();
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) {
          const scope = { speaker: i % 2 ? 'B' : 'A', conversationId: i < 3 ? 'c1' : 'c2' };
          ids.push(await addOne(store, `fact ${i}`, { time: T0 + i, ...scope }));
        }
        const gone = await addOne(store, 'said by C', { time: T0 + 6, speaker: 'C' });
        await store.apply({ time: T0 + 7, ops: [{ op: 'DELETE', id: gone }] });

        const page = await store.page({ limit: 2 });
        expect(page.memories.map((m) => m.text)).toEqual(['fact 5', 'fact 4']);
        expect(page.memories[0]?.id).toBe(ids[5]);
        expect(page.total).toBe(6);
        expect(page.speakers).toEqual(['A', 'B']);
        const filtered = await store.page({ speaker: 'A', conversationId: 'c1', limit: 10 });
        expect(filtered.memories.map((m) => m.text)).toEqual(['fact 2', 'fact 0']);
        expect(filtered.total).toBe(2);
        expect(await store.page({ includeDeleted: true, limit: 1 })).toMatchObject({
          memories: [{ text: 'said by C' }],
          total: 7,
        });
        expect(await store.page({ limit: 0 })).toEqual({ memories: [], total: 6, speakers: ['A', 'B'] });
      });

      it('puts the last of memories created together first, the reverse of list', async () => {
        const store = await makeStore();
        await store.apply({ time: T0, ops: ['one', 'two', 'three'].map((text) => ({ op: 'ADD', text })) });
        const listed = (await store.list()).reverse();
        expect((await store.page({ limit: 3 })).memories).toEqual(listed);
        expect(listed.map((m) => m.text)).toEqual(['three', 'two', 'one']);
      });

      it('hands out copies, so changing one changes nothing stored', async () => {
        const store = await makeStore();
        await addOne(store, 'likes tea');
        const [copy] = (await store.page({ limit: 1 })).memories;
        copy!.text = 'changed';
        copy!.sourceTurnIds.push('t-x');
        expect((await store.page({ limit: 1 })).memories[0]).toMatchObject({
          text: 'likes tea',
          sourceTurnIds: [],
        });
      });
    });

    describe('embeddings', () => {
      it('lists live memories without a vector for the embedder, oldest first, up to the limit', async () => {
        const store = await makeStore();
        const a = await addOne(store, 'a', { time: T0 });
        const b = await addOne(store, 'b', { time: T0 + 1 });
        const c = await addOne(store, 'c', { time: T0 + 2 });
        await store.apply({ ops: [{ op: 'DELETE', id: c }] });
        expect((await store.missingEmbeddings(EMBEDDER)).map((m) => m.id)).toEqual([a, b]);
        expect((await store.missingEmbeddings(EMBEDDER, 1)).map((m) => m.id)).toEqual([a]);
        await store.putEmbeddings(EMBEDDER, [{ text: 'a', vector: axis(0) }]);
        expect((await store.missingEmbeddings(EMBEDDER)).map((m) => m.id)).toEqual([b]);
        expect((await store.missingEmbeddings('other')).map((m) => m.id)).toEqual([a, b]);
      });

      it('stores the embeddings a batch carries and asks again after an UPDATE changes the text', async () => {
        const store = await makeStore();
        const result = await store.apply({
          ops: [{ op: 'ADD', text: 'likes tea' }],
          embeddings: { embedderId: EMBEDDER, vectors: [{ text: 'likes tea', vector: axis(2) }] },
        });
        const id = result.applied[0]!.memoryId;
        expect(await store.missingEmbeddings(EMBEDDER)).toEqual([]);
        const hits = await store.search({ text: 'zzz', vector: axis(2), embedderId: EMBEDDER });
        expect(hits.map((h) => h.memory.id)).toEqual([id]);
        await store.apply({ ops: [{ op: 'UPDATE', id, text: 'likes coffee' }] });
        expect((await store.missingEmbeddings(EMBEDDER)).map((m) => m.id)).toEqual([id]);
      });

      it('rejects a vector whose length differs from the stored ones', async () => {
        const store = await makeStore();
        await addOne(store, 'a');
        await store.putEmbeddings(EMBEDDER, [{ text: 'a', vector: axis(0) }]);
        await expect(
          store.putEmbeddings(EMBEDDER, [{ text: 'b', vector: new Float32Array(3) }]),
        ).rejects.toThrow(/dimensions/);
        await expect(
          store.search({ text: 'a', vector: new Float32Array(3), embedderId: EMBEDDER }),
        ).rejects.toThrow(/dimensions/);
      });
    });

    describe('failures', () => {
      it('records, replaces, lists oldest first and clears failures', async () => {
        const store = await makeStore();
        await store.recordFailure(failure('t2', T0 + 2));
        await store.recordFailure(failure('t1', T0 + 1));
        expect((await store.failures()).map((f) => f.turnId)).toEqual(['t1', 't2']);
        await store.recordFailure({ ...failure('t1', T0 + 3), attempts: 2 });
        const list = await store.failures();
        expect(list).toHaveLength(2);
        expect(list.find((f) => f.turnId === 't1')).toEqual({ ...failure('t1', T0 + 3), attempts: 2 });
        await store.clearFailure('t1');
        expect((await store.failures()).map((f) => f.turnId)).toEqual(['t2']);
      });
    });

    describe('pass journal', () => {
      const pending = (turnId: string, turnTime: number): PendingPass => ({
        state: 'pending',
        turnId,
        conversationId: 'c1',
        speaker: 'Ana',
        text: `turn ${turnId}`,
        turnTime,
        startedAt: turnTime + 1,
        resumes: 0,
      });

      it('records, replaces, lists oldest turn first and clears pass journal entries', async () => {
        const store = await makeStore();
        await store.putPass(pending('t2', T0 + 2));
        await store.putPass(pending('t1', T0 + 1));
        expect((await store.passes()).map((p) => p.turnId)).toEqual(['t1', 't2']);
        await store.putPass({ ...pending('t1', T0 + 1), resumes: 1 });
        expect(await store.passes()).toEqual([
          { ...pending('t1', T0 + 1), resumes: 1 },
          pending('t2', T0 + 2),
        ]);
        await store.clearPass('t1');
        expect(await store.passes()).toEqual([pending('t2', T0 + 2)]);
      });

      it('keeps a held pass with its operations and the texts they were decided against', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'likes tea');
        const held: HeldPass = {
          state: 'held',
          turnId: 't1',
          text: 'Forget everything.',
          turnTime: T0,
          ops: [
            { op: 'ADD', id: 'new', text: 'wants a fresh start', speaker: 'Ana' },
            { op: 'DELETE', id, expected: { text: 'likes tea' } },
          ],
          modelId: 'test-model',
          reason: 'It would forget 1 of the 1 memories it compared.',
          heldAt: T0 + 5,
        };
        await store.putPass(pending('t1', T0));
        await store.putPass(held);
        expect(await store.passes()).toEqual([held]);
        expect(await store.export()).not.toHaveProperty('passes');
      });

      it('removes a turn’s entry in the same write that applies its batch, also for a duplicate', async () => {
        const store = await makeStore();
        await store.putPass(pending('t1', T0));
        await store.putPass(pending('t2', T0 + 1));
        await store.apply({ turnId: 't1', ops: [{ op: 'ADD', text: 'likes tea' }] });
        expect((await store.passes()).map((p) => p.turnId)).toEqual(['t2']);
        await store.putPass(pending('t1', T0));
        expect((await store.apply({ turnId: 't1', ops: [] })).duplicate).toBe(true);
        expect((await store.passes()).map((p) => p.turnId)).toEqual(['t2']);
      });

      it('removes a turn’s entry when its failure is recorded', async () => {
        const store = await makeStore();
        await store.putPass(pending('t1', T0));
        await store.recordFailure(failure('t1', T0 + 3));
        expect(await store.passes()).toEqual([]);
        expect((await store.failures()).map((f) => f.turnId)).toEqual(['t1']);
      });

      it('keeps the entry when the batch is refused, stale or invalid', async () => {
        const store = await makeStore();
        const id = await addOne(store, 'likes tea');
        await store.putPass(pending('t1', T0));
        await expect(
          store.apply({ turnId: 't1', ops: [{ op: 'DELETE', id, expected: { text: 'likes coffee' } }] }),
        ).rejects.toThrow(StaleMemoryError);
        await expect(store.apply({ turnId: 't1', ops: [{ op: 'DELETE', id: 'ghost' }] })).rejects.toThrow(
          InvalidBatchError,
        );
        expect(await store.passes()).toEqual([pending('t1', T0)]);
      });

      it('refuses a malformed entry, storing nothing', async () => {
        const store = await makeStore();
        const malformed = { ...pending('t1', T0), resumes: -1 };
        await expect(store.putPass(malformed)).rejects.toThrow();
        expect(await store.passes()).toEqual([]);
      });
    });

    describe('export and import', () => {
      it('cuts a runaway model output in a failure so the export stays importable', async () => {
        const store = await makeStore();
        await store.recordFailure({ ...failure('t1', T0), rawOutput: 'é'.repeat(100_000) });
        const [kept] = await store.failures();
        expect(kept!.rawOutput!.startsWith('éé')).toBe(true);
        expect(new TextEncoder().encode(kept!.rawOutput).length).toBeLessThanOrEqual(65_536);
        const exported = await store.export();
        await store.clear();
        await store.import(exported);
        expect(await store.failures()).toEqual([kept]);
      });

      async function populated(): Promise<MemoryStore> {
        const store = await makeStore();
        const a = await addOne(store, 'Caroline likes tea', {
          turnId: 't1',
          speaker: 'Caroline',
          modelId: 'm',
        });
        const b = await addOne(store, 'Melanie runs', {
          turnId: 't2',
          speaker: 'Melanie',
          conversationId: 'c',
        });
        await store.apply({
          turnId: 't3',
          time: T0 + 5,
          ops: [{ op: 'UPDATE', id: a, text: 'Caroline likes green tea' }],
        });
        const del = await store.apply({ turnId: 't4', time: T0 + 6, ops: [{ op: 'DELETE', id: b }] });
        await store.undo(del.batchId);
        await store.apply({ turnId: 't5', time: T0 + 7, ops: [{ op: 'ADD', text: 'to be <b>deleted</b>' }] });
        const last = (await store.list()).find((m) => m.text.includes('deleted'))!;
        await store.apply({ turnId: 't6', time: T0 + 8, ops: [{ op: 'DELETE', id: last.id }] });
        await store.recordFailure(failure('t7', T0 + 9));
        return store;
      }

      it('round-trips export, clear and import without loss', async () => {
        const store = await populated();
        const exported = await store.export();
        expect(exported).toMatchObject({ format: 'memory-r1-web/memories', version: 1 });
        const json = JSON.stringify(exported);
        await store.clear();
        expect(await store.import(JSON.parse(json))).toEqual({ added: 3, skipped: 0, conflicts: [] });
        expect(withoutExportTime(await store.export())).toEqual(withoutExportTime(exported));
        expect((await store.search({ text: 'green tea' }))[0]!.memory.text).toBe('Caroline likes green tea');
        expect(await store.findTurn('t3')).toBeDefined();
        expect(await store.findTurn('t4')).toBeUndefined();
      });

      it('imports into another store and can undo an imported batch', async () => {
        const source = await populated();
        const exported = await source.export();
        const target = await makeStore();
        await target.import(exported);
        const t3 = await target.findTurn('t3');
        await target.undo(t3!.batchId);
        expect((await target.list()).map((m) => m.text)).toContain('Caroline likes tea');
      });

      it('skips identical memories and reports conflicts without overwriting', async () => {
        const store = await populated();
        const exported = await store.export();
        expect(await store.import(exported)).toEqual({ added: 0, skipped: 3, conflicts: [] });
        const other = await makeStore();
        await other.apply({ ops: [{ op: 'ADD', id: exported.memories[0]!.id, text: 'something else' }] });
        const report = await other.import(exported);
        expect(report.added).toBe(2);
        expect(report.conflicts).toEqual([{ id: exported.memories[0]!.id, reason: expect.any(String) }]);
        expect((await other.get(exported.memories[0]!.id))!.text).toBe('something else');
        expect(byId(replayEvents(await other.history()))).toEqual(
          byId(await other.list({ includeDeleted: true })),
        );
      });

      it('imports a plain mem0-style list as ADD operations', async () => {
        const store = await makeStore();
        await store.apply({ ops: [{ op: 'ADD', id: 'dup', text: 'same text' }] });
        const report = await store.import(
          JSON.stringify([
            {
              id: 'x1',
              memory: 'Likes tea',
              user_id: 'alice',
              created_at: '2024-01-02T03:04:05.000Z',
              hash: 'h',
            },
            { text: 'Has a dog', speaker: 'bob', updated_at: null },
            { id: 'dup', text: 'same text' },
            { id: 'dup2', text: 'first' },
            { id: 'dup2', text: 'second' },
          ]),
        );
        expect(report).toEqual({
          added: 3,
          skipped: 1,
          conflicts: [{ id: 'dup2', reason: expect.any(String) }],
        });
        expect(await store.get('x1')).toMatchObject({
          text: 'Likes tea',
          speaker: 'alice',
          createdAt: Date.parse('2024-01-02T03:04:05.000Z'),
        });
        expect((await store.list({ speaker: 'bob' })).map((m) => m.text)).toEqual(['Has a dog']);
        expect((await store.history('x1'))[0]).toMatchObject({ type: 'ADD', modelId: 'import' });
      });

      const good = (): MemoryExport => ({
        format: 'memory-r1-web/memories',
        version: 1,
        exportedAt: T0,
        memories: [{ id: 'm', text: 'x', createdAt: T0, updatedAt: T0, sourceTurnIds: [] }],
        events: [{ seq: 1, batchId: 'b', memoryId: 'm', type: 'ADD', before: null, after: 'x', time: T0 }],
        failures: [],
      });
      const hostile: [string, () => unknown][] = [
        ['text that is not JSON', () => '{"format": '],
        ['a number', () => 42],
        ['an unknown format', () => ({ ...good(), format: 'other' })],
        ['an unknown version', () => ({ ...good(), version: 2 })],
        [
          'a memory text of the wrong type',
          () => ({ ...good(), memories: [{ ...good().memories[0], text: 5 }] }),
        ],
        ['an unknown field', () => ({ ...good(), extra: true })],
        [
          'a __proto__ key',
          () => JSON.parse('{"format":"memory-r1-web/memories","__proto__":{"polluted":1}}'),
        ],
        ['a nested __proto__ key', () => JSON.parse(`[{"text":"x","meta":{"__proto__":{"polluted":1}}}]`)],
        ['a constructor key', () => [{ text: 'x', constructor: { prototype: {} } }]],
        ['a prototype key', () => ({ ...good(), prototype: 1 })],
        ['a text over 64 KB', () => [{ text: 'x'.repeat(65_537) }]],
        ['more than 200,000 records', () => Array.from({ length: 200_001 }, () => ({ text: 'x' }))],
        [
          'events that do not replay to the memories',
          () => ({ ...good(), memories: [{ ...good().memories[0], text: 'y' }] }),
        ],
        ['a memory without events', () => ({ ...good(), events: [] })],
        ['an entry without text', () => [{ memory: '' }]],
        ['a bad date', () => [{ text: 'x', created_at: 'yesterday-ish' }]],
      ];
      it.each(hostile)('rejects %s with ImportError and changes nothing', async (_label, makeData) => {
        const store = await populated();
        const before = await snapshot(store);
        await expect(store.import(makeData())).rejects.toThrow(ImportError);
        expect(await snapshot(store)).toEqual(before);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    });

    describe('clear', () => {
      it('removes memories, events, embeddings, failures, pass journal entries and processed turns', async () => {
        const store = await makeStore();
        await store.apply({
          turnId: 't1',
          ops: [{ op: 'ADD', text: 'likes tea' }],
          embeddings: { embedderId: EMBEDDER, vectors: [{ text: 'likes tea', vector: axis(0) }] },
        });
        await store.recordFailure(failure('t2', T0));
        await store.putPass({
          state: 'pending',
          turnId: 't3',
          text: 'x',
          turnTime: T0,
          startedAt: T0,
          resumes: 0,
        });
        await store.clear();
        expect(await store.passes()).toEqual([]);
        expect(await store.list({ includeDeleted: true })).toEqual([]);
        expect(await store.history()).toEqual([]);
        expect(await store.failures()).toEqual([]);
        expect(await store.findTurn('t1')).toBeUndefined();
        expect(await store.search({ text: 'tea', vector: axis(0), embedderId: EMBEDDER })).toEqual([]);
        await addOne(store, 'likes tea');
        expect(await store.missingEmbeddings(EMBEDDER)).toHaveLength(1);
      });
    });

    describe('properties', () => {
      type Action =
        | { kind: 'add'; text: string; speaker: string | undefined }
        | { kind: 'update'; pick: number; text: string }
        | { kind: 'delete'; pick: number }
        | { kind: 'multi'; picks: number[]; text: string }
        | { kind: 'bad'; pick: number }
        | { kind: 'guarded'; pick: number; text: string; fresh: boolean }
        | { kind: 'undo'; pick: number };
      const word = fc.constantFrom('tea', 'dog', 'Paris', 'runs', '2023', 'likes', 'May', 'café');
      const text = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
      const action: fc.Arbitrary<Action> = fc.oneof(
        fc.record({ kind: fc.constant('add' as const), text, speaker: fc.constantFrom('A', 'B', undefined) }),
        fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), text }),
        fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('multi' as const), picks: fc.array(fc.nat(), { maxLength: 3 }), text }),
        fc.record({ kind: fc.constant('bad' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('guarded' as const), pick: fc.nat(), text, fresh: fc.boolean() }),
        fc.record({ kind: fc.constant('undo' as const), pick: fc.nat() }),
      );

      async function run(store: MemoryStore, actions: Action[]): Promise<void> {
        const batchIds: string[] = [];
        let turn = 0;
        for (const a of actions) {
          const live = (await store.list()).map((m) => m.id);
          const pickLive = (n: number) => (live.length > 0 ? live[n % live.length] : undefined);
          const ops: StoreOp[] = [];
          if (a.kind === 'add')
            ops.push({ op: 'ADD', text: a.text, ...(a.speaker && { speaker: a.speaker }) });
          if (a.kind === 'update' && pickLive(a.pick))
            ops.push({ op: 'UPDATE', id: pickLive(a.pick)!, text: a.text });
          if (a.kind === 'delete' && pickLive(a.pick)) ops.push({ op: 'DELETE', id: pickLive(a.pick)! });
          if (a.kind === 'multi') {
            ops.push({ op: 'ADD', text: a.text });
            const ids = new Set(a.picks.map(pickLive).filter((id): id is string => id !== undefined));
            for (const id of ids) ops.push({ op: 'UPDATE', id, text: `${a.text} more` });
          }
          if (a.kind === 'bad') {
            const before = await snapshot(store, 'tea');
            const badOps: StoreOp[] = [
              { op: 'ADD', text: 'tea valid' },
              { op: 'UPDATE', id: `ghost-${a.pick}`, text: 'x' },
            ];
            await expect(store.apply({ turnId: `turn-${turn++}`, ops: badOps })).rejects.toThrow(
              InvalidBatchError,
            );
            expect(await snapshot(store, 'tea')).toEqual(before);
            continue;
          }
          if (a.kind === 'guarded') {
            // An UPDATE decided against the current text applies; against an older one it changes nothing.
            const id = pickLive(a.pick);
            if (id === undefined) continue;
            const current = (await store.get(id))!.text;
            const expected = { text: a.fresh ? current : `${current} (older)` };
            const before = await snapshot(store, 'tea');
            const guarded = store.apply({
              turnId: `turn-${turn++}`,
              time: T0 + turn,
              ops: [{ op: 'UPDATE', id, text: a.text, expected }],
            });
            if (a.fresh) {
              batchIds.push((await guarded).batchId);
            } else {
              await expect(guarded).rejects.toThrow(StaleMemoryError);
              expect(await snapshot(store, 'tea')).toEqual(before);
            }
            continue;
          }
          if (a.kind === 'undo') {
            if (batchIds.length === 0) continue;
            const id = batchIds[a.pick % batchIds.length]!;
            try {
              await store.undo(id);
            } catch (err) {
              if (!(err instanceof UndoConflictError || err instanceof NotFoundError)) throw err;
            }
            continue;
          }
          if (ops.length === 0) continue;
          const result = await store.apply({ turnId: `turn-${turn++}`, time: T0 + turn, ops });
          batchIds.push(result.batchId);
        }
      }

      async function checkInvariants(store: MemoryStore): Promise<void> {
        const all = await store.list({ includeDeleted: true });
        expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
        const history = await store.history();
        const added = new Set(history.filter((e) => e.type === 'ADD').map((e) => e.memoryId));
        for (const m of all) expect(added.has(m.id)).toBe(true);
        for (let i = 1; i < history.length; i++) expect(history[i]!.seq).toBeGreaterThan(history[i - 1]!.seq);
        expect(byId(replayEvents(history))).toEqual(byId(all));
      }

      it('keeps ids unique, every memory added, and history replaying to the state under random ops and undos', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(action, { maxLength: 25 }), async (actions) => {
            const store = await makeStore();
            await run(store, actions);
            await checkInvariants(store);
          }),
          { numRuns: runs },
        );
      });

      it('pages what list returns, newest first, under random ops and undos', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(action, { maxLength: 20 }),
            fc.constantFrom(undefined, 'A', 'B'),
            fc.nat({ max: 8 }),
            async (actions, speaker, limit) => {
              const store = await makeStore();
              await run(store, actions);
              const filter = speaker === undefined ? {} : { speaker };
              const listed = (await store.list(filter)).reverse();
              const page = await store.page({ ...filter, limit });
              expect(page.memories).toEqual(listed.slice(0, limit));
              expect(page.total).toBe(listed.length);
              const speakers = new Set((await store.list()).flatMap((m) => (m.speaker ? [m.speaker] : [])));
              expect(page.speakers).toEqual([...speakers].sort());
            },
          ),
          { numRuns: runs },
        );
      });

      it('round-trips random stores through export and import losslessly', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(action, { maxLength: 20 }), async (actions) => {
            const store = await makeStore();
            await run(store, actions);
            const exported = await store.export();
            const target = await makeStore();
            await target.import(JSON.parse(JSON.stringify(exported)));
            expect(withoutExportTime(await target.export())).toEqual(withoutExportTime(exported));
            await checkInvariants(target);
          }),
          { numRuns: runs },
        );
      });
    });

    describeInputConformance(makeStore);
  });
}
