/**
 * Part of the `MemoryStore` conformance suite (conformance.ts runs it for every store): each method refuses input of
 * the wrong form before it reads or writes anything, with a message naming the method, the field and the form
 * expected, and the store is left exactly as it was.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryStore, PendingPass, TurnFailure } from '../core/types';

const T0 = 1_700_000_000_000;
const EMBEDDER = 'test-embedder';

/** A store with a memory, a failure and a pass journal entry, so a refused call has something it could change. */
async function seeded(makeStore: () => Promise<MemoryStore>): Promise<MemoryStore> {
  const store = await makeStore();
  await store.apply({ turnId: 't1', time: T0, ops: [{ op: 'ADD', id: 'm1', text: 'likes tea' }] });
  await store.recordFailure(failure);
  await store.putPass(pass);
  return store;
}

const failure: TurnFailure = {
  turnId: 't2',
  text: 'I moved to Lisbon',
  turnTime: T0,
  stage: 'decide',
  code: 'model-output-invalid',
  message: 'The model returned invalid JSON.',
  time: T0 + 1,
  attempts: 1,
};

const pass: PendingPass = {
  state: 'pending',
  turnId: 't3',
  text: 'I like hiking',
  turnTime: T0 + 2,
  startedAt: T0 + 3,
  resumes: 0,
};

/** Everything a call could change. */
async function state(store: MemoryStore) {
  return {
    memories: await store.list({ includeDeleted: true }),
    history: await store.history(),
    failures: await store.failures(),
    passes: await store.passes(),
    unembedded: (await store.missingEmbeddings(EMBEDDER)).map((m) => m.id),
  };
}

type Call = (store: MemoryStore) => Promise<unknown>;

/** Casts a deliberately wrong argument past the type checker. */
const bad = <T>(value: unknown): T => value as T;

const badBatches: [string, Call, string][] = [
  [
    'apply with an ISO string time',
    (s) => s.apply({ time: bad<number>('2024-05-08T13:56:00Z'), ops: [{ op: 'ADD', text: 'likes coffee' }] }),
    'apply: time must be epoch milliseconds (a number) (got a string).',
  ],
  [
    'apply with a NOOP',
    (s) => s.apply({ ops: [{ op: 'ADD', text: 'likes coffee' }, bad({ op: 'NOOP' })] }),
    "apply: ops.1.op must be 'ADD', 'UPDATE' or 'DELETE' (got a string).",
  ],
  [
    'apply with a text that is not a string',
    (s) => s.apply({ ops: [{ op: 'UPDATE', id: 'm1', text: bad(42) }] }),
    'apply: ops.0.text must be a string (got a number).',
  ],
  [
    'apply with a plain array as a vector',
    (s) =>
      s.apply({
        ops: [{ op: 'ADD', text: 'likes coffee' }],
        embeddings: { embedderId: EMBEDDER, vectors: [{ text: 'likes coffee', vector: bad([1, 0, 0, 0]) }] },
      }),
    'apply: embeddings.vectors.0.vector must be a Float32Array (got an array).',
  ],
];

const badCalls: [string, Call, string][] = [
  [
    'search without a text',
    (s) => s.search(bad({ limit: 5 })),
    'search: text must be a string (got nothing).',
  ],
  [
    'search with a plain array as the vector',
    (s) => s.search({ text: 'tea', vector: bad([1, 0, 0, 0]), embedderId: EMBEDDER }),
    'search: vector must be a Float32Array (got an array).',
  ],
  ['get with a number', (s) => s.get(bad(7)), 'get: id must be a string (got a number).'],
  [
    'list with a text for includeDeleted',
    (s) => s.list({ includeDeleted: bad('yes') }),
    'list: includeDeleted must be true or false (got a string).',
  ],
  [
    'page with a text limit',
    (s) => s.page({ limit: bad('5') }),
    'page: limit must be a finite number (got a string).',
  ],
  ['history with a number', (s) => s.history(bad(5)), 'history: memoryId must be a string (got a number).'],
  [
    'findTurn without a turn id',
    (s) => s.findTurn(bad(undefined)),
    'findTurn: turnId must be a string (got nothing).',
  ],
  ['undo with a number', (s) => s.undo(bad(42)), 'undo: batchId must be a string (got a number).'],
  [
    'putEmbeddings with a plain array as a vector',
    (s) => s.putEmbeddings(EMBEDDER, [{ text: 'likes tea', vector: bad([1, 0, 0, 0]) }]),
    'putEmbeddings: items.0.vector must be a Float32Array (got an array).',
  ],
  [
    'putEmbeddings without an embedder id',
    (s) => s.putEmbeddings(bad(null), [{ text: 'likes tea', vector: new Float32Array(4) }]),
    'putEmbeddings: embedderId must be a string (got null).',
  ],
  [
    'missingEmbeddings with a negative limit',
    (s) => s.missingEmbeddings(EMBEDDER, -1),
    'missingEmbeddings: limit must be at least 0 (got a number).',
  ],
  [
    'recordFailure with an ISO string time',
    (s) => s.recordFailure({ ...failure, turnId: 't4', time: bad('2024-05-08T13:56:00Z') }),
    'recordFailure: time must be a finite number (got a string).',
  ],
  [
    'clearFailure with null',
    (s) => s.clearFailure(bad(null)),
    'clearFailure: turnId must be a string (got null).',
  ],
  [
    'putPass with an unknown state',
    (s) => s.putPass(bad({ ...pass, turnId: 't5', state: 'done' })),
    "putPass: state must be 'pending' or 'held' (got a string).",
  ],
  [
    'clearPass with a number',
    (s) => s.clearPass(bad(3)),
    'clearPass: turnId must be a string (got a number).',
  ],
];

/** Registers the input-validation part of the suite for the store `makeStore` makes. */
export function describeInputConformance(makeStore: () => Promise<MemoryStore>): void {
  describe('input validation', () => {
    it.each(badBatches)(
      'refuses %s as an invalid batch, naming the field, and changes nothing',
      async (_l, call, message) => {
        const store = await seeded(makeStore);
        const before = await state(store);
        await expect(call(store)).rejects.toMatchObject({
          name: 'InvalidBatchError',
          code: 'invalid-batch',
          message,
        });
        expect(await state(store)).toEqual(before);
      },
    );

    it.each(badCalls)(
      'refuses %s, naming the method and the field, and changes nothing',
      async (_l, call, message) => {
        const store = await seeded(makeStore);
        const before = await state(store);
        await expect(call(store)).rejects.toMatchObject({
          name: 'InvalidInputError',
          code: 'invalid-input',
          message,
        });
        expect(await state(store)).toEqual(before);
      },
    );
  });
}
