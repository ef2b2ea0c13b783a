// Stranded turns: a memory pass interrupted by a closed tab (or a crash) is resumed once when the app starts again
// or when the tab holding it goes away, a second interruption is shown as failed with Retry, and a batch that
// committed before the tab closed is shown under its turn with Undo. Each "tab" is a MemoryWorkerHandlers over the
// same stores; a closed tab is one whose locks are gone (a fresh LocalPassLocks), as Web Locks release them.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MemoryRpc, MemoryWorkerEvent } from '../protocol/memory-protocol';
import type { StoredMessage } from '../core/conversation';
import type { RpcHandlers } from '../core/rpc';
import type { ChatModel, PendingPass } from '../core/types';
import { InMemoryConversationStore } from '../store/conversations-store';
import { InMemoryStore } from '../store/in-memory-store';
import { startTestServer, type TestServer } from '../testing/openai-test-server';
import { MemoryWorkerHandlers } from './memory-worker-handlers';
import { LocalPassLocks, type PassLocks } from './pass-locks';
import { ctx, localSettings, serverModels } from './fixtures/memory-worker-setup';

let server: TestServer;
let store: InMemoryStore;
let conversations: InMemoryConversationStore;

beforeEach(async () => {
  server = await startTestServer();
  store = new InMemoryStore();
  conversations = new InMemoryConversationStore();
});

afterEach(async () => {
  await server.close();
});

/** A model that never answers, like one whose tab was closed mid-call. */
const silent: ChatModel = {
  id: 'silent',
  complete: () => new Promise(() => undefined),
  stream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }) }),
};

/** One tab's memory worker over the shared stores; `manager` replaces the Memory Manager's model. */
async function tab(opts: { locks?: PassLocks; manager?: ChatModel } = {}) {
  const events: MemoryWorkerEvent[] = [];
  const service = new MemoryWorkerHandlers({
    store,
    conversations,
    locks: opts.locks ?? new LocalPassLocks(),
    createModels: serverModels(opts.manager),
    emit: (event) => events.push(event),
  });
  const rpc: RpcHandlers<MemoryRpc> = service.handlers();
  await rpc.configure({ settings: localSettings(server.baseUrl) }, ctx());
  return { service, rpc, events };
}

/** The user turns of the only conversation. */
async function turns(rpc: RpcHandlers<MemoryRpc>, conversationId: string): Promise<StoredMessage[]> {
  return (await rpc.listMessages({ conversationId }, ctx())).filter((m) => m.role === 'user');
}

const extractions = () =>
  server.requests.filter(
    (r) =>
      (r.body as { response_format?: { json_schema?: { name?: string } } })?.response_format?.json_schema
        ?.name === 'memory_facts',
  ).length;

/** A conversation with one user turn left as a closed tab leaves it: pending, with or without a journal entry. */
async function strandedTurn(text: string, journal?: Partial<PendingPass>) {
  const conversation = { id: 'c1', title: 'Chat', createdAt: 1, updatedAt: 1 };
  await conversations.putConversation(conversation);
  const message: StoredMessage = {
    id: 'turn-1',
    conversationId: 'c1',
    role: 'user',
    text,
    time: 1_000,
    status: 'complete',
    memory: { status: 'pending', operations: [] },
  };
  if (journal) {
    await store.putPass({
      state: 'pending',
      turnId: message.id,
      conversationId: 'c1',
      speaker: 'User',
      text,
      turnTime: message.time,
      startedAt: 1_001,
      resumes: 0,
      ...journal,
    });
  }
  await conversations.putMessage(message);
  return message;
}

describe('memory passes after a closed tab', () => {
  it('resumes a pass interrupted by a closed tab when the app starts again', async () => {
    const closing = await tab({ manager: silent });
    const conversation = await closing.rpc.createConversation({}, ctx());
    await closing.rpc.send(
      { conversationId: conversation.id, text: 'My sister Ana lives in Lisbon.' },
      ctx(),
    );
    expect((await turns(closing.rpc, conversation.id))[0]!.memory?.status).toBe('pending');
    expect(await store.passes()).toMatchObject([{ state: 'pending', resumes: 0 }]);

    const reopened = await tab();
    await reopened.service.idle();
    const [turn] = await turns(reopened.rpc, conversation.id);
    expect(turn!.memory).toMatchObject({
      status: 'done',
      batchId: expect.any(String),
      operations: [{ op: 'ADD', text: 'User: My sister Ana lives in Lisbon.' }],
    });
    expect(await store.passes()).toEqual([]);
    expect(reopened.events).toContainEqual(
      expect.objectContaining({ type: 'memory-pass', messageId: turn!.id }),
    );
  });

  it('shows a batch that committed before the tab closed under its turn, with a working Undo', async () => {
    const message = await strandedTurn('I play the violin.');
    const batch = await store.apply({
      turnId: message.id,
      ops: [{ op: 'ADD', text: 'User plays the violin' }],
    });
    const reopened = await tab();
    const [turn] = await turns(reopened.rpc, 'c1');
    expect(turn!.memory).toEqual({ status: 'done', batchId: batch.batchId, operations: batch.applied });
    expect((await conversations.getMessage(message.id))!.memory?.status).toBe('done');
    await reopened.rpc.undo({ batchId: batch.batchId, messageId: message.id }, ctx());
    expect(await store.list()).toEqual([]);
    expect((await turns(reopened.rpc, 'c1'))[0]!.memory?.undone).toBe(true);
  });

  it('resumes a pass only once: interrupted again, it is shown as failed and Retry processes it', async () => {
    const message = await strandedTurn('I work as a nurse in Porto.', { resumes: 1 });
    const reopened = await tab();
    await reopened.service.idle();
    expect(extractions()).toBe(0);
    const [turn] = await turns(reopened.rpc, 'c1');
    expect(turn!.memory).toMatchObject({ status: 'failed', error: { code: 'pass-interrupted' } });
    expect(turn!.memory!.error!.message).toMatch(/interrupted .*Retry/);
    expect(await store.failures()).toMatchObject([
      { turnId: message.id, code: 'pass-interrupted', attempts: 2 },
    ]);
    expect(await store.passes()).toEqual([]);

    const retried = await reopened.rpc.retryFailure({ turnId: message.id }, ctx());
    expect(retried).toMatchObject({ status: 'done', operations: [{ op: 'ADD' }] });
    expect(await store.failures()).toEqual([]);
  });

  it('shows a turn left pending with no record at all (an older version) as failed, with Retry', async () => {
    const message = await strandedTurn('I collect old maps.');
    const reopened = await tab();
    const [turn] = await turns(reopened.rpc, 'c1');
    expect(turn!.memory).toMatchObject({ status: 'failed', error: { code: 'pass-interrupted' } });
    expect((await store.failures()).map((f) => f.turnId)).toEqual([message.id]);
    expect(await reopened.rpc.retryFailure({ turnId: message.id }, ctx())).toMatchObject({ status: 'done' });
  });

  it('leaves a pass another tab is running to that tab, and takes it over when that tab’s lock is released', async () => {
    const locks = new LocalPassLocks();
    const release = await locks.acquire('turn-1');
    await strandedTurn('My dog is called Pixel.', {});
    const other = await tab({ locks });
    await other.service.idle();
    expect(extractions()).toBe(0);
    expect((await turns(other.rpc, 'c1'))[0]!.memory?.status).toBe('pending');

    release();
    await vi.waitFor(async () => expect((await turns(other.rpc, 'c1'))[0]!.memory?.status).toBe('done'));
    expect(extractions()).toBe(1);
  });

  it('does nothing when the tab holding the lock finished the pass before releasing it', async () => {
    const locks = new LocalPassLocks();
    const release = await locks.acquire('turn-1');
    const message = await strandedTurn('My cat is called Miso.', {});
    const other = await tab({ locks });
    await store.apply({ turnId: message.id, ops: [{ op: 'ADD', text: 'User has a cat named Miso' }] });
    release();
    // Free again once the other tab has taken the lock, found the pass finished, and let go.
    await vi.waitFor(async () => {
      const again = await locks.tryAcquire('turn-1');
      expect(again).toBeDefined();
      again?.();
    });
    await other.service.idle();
    expect(extractions()).toBe(0);
    expect((await turns(other.rpc, 'c1'))[0]!.memory).toMatchObject({
      status: 'done',
      operations: [{ op: 'ADD' }],
    });
  });

  it('drops the journal entry of a turn whose conversation was deleted', async () => {
    await strandedTurn('I moved to Lyon.', {});
    await conversations.deleteConversation('c1');
    const reopened = await tab();
    await reopened.service.idle();
    expect(await store.passes()).toEqual([]);
    expect(extractions()).toBe(0);
  });
});
