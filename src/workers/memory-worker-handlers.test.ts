import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryRpc, MemoryWorkerEvent, ReplyEvent } from '../protocol/memory-protocol';
import type { RpcHandlers } from '../core/rpc';
import { DEFAULT_SETTINGS } from '../protocol/settings';
import { isAbortError } from '../core/errors';
import { InMemoryConversationStore } from '../store/conversations-store';
import { InMemoryStore } from '../store/in-memory-store';
import { sequence, startTestServer, type TestServer } from '../testing/openai-test-server';
import { defaultHandler } from '../testing/fake-memory-r1-model';
import { RecordingEmbedder } from '../embed/test-embedder';
import { MemoryWorkerHandlers } from './memory-worker-handlers';
import { localSettings, serverModels } from './fixtures/memory-worker-setup';

let server: TestServer;
let store: InMemoryStore;
let service: MemoryWorkerHandlers;
let rpc: RpcHandlers<MemoryRpc>;
let events: MemoryWorkerEvent[];

const ctx = (signal = new AbortController().signal, progress: (p: ReplyEvent) => void = () => undefined) => ({
  signal,
  progress,
});

beforeEach(async () => {
  server = await startTestServer();
  store = new InMemoryStore();
  events = [];
  service = new MemoryWorkerHandlers({
    store,
    conversations: new InMemoryConversationStore(),
    createModels: serverModels(),
    emit: (event) => events.push(event),
  });
  rpc = service.handlers();
  await rpc.configure({ settings: localSettings(server.baseUrl) }, ctx());
});

afterEach(async () => {
  await server.close();
});

async function say(
  conversationId: string,
  text: string,
  progress?: (p: ReplyEvent) => void,
  signal?: AbortSignal,
) {
  return rpc.send({ conversationId, text }, ctx(signal, progress));
}

describe('MemoryService', () => {
  it('remembers a fact told in one conversation and uses it to answer in another', async () => {
    const first = await rpc.createConversation({ title: 'Intro' }, ctx());
    await say(first.id, 'My sister Ana lives in Lisbon.');
    await service.idle();
    const { memories } = await rpc.listMemories({}, ctx());
    expect(memories.map((m) => m.text)).toEqual(['User: My sister Ana lives in Lisbon.']);
    const [user] = await rpc.listMessages({ conversationId: first.id }, ctx());
    expect(user?.memory).toMatchObject({
      status: 'done',
      operations: [{ op: 'ADD', text: 'User: My sister Ana lives in Lisbon.' }],
    });
    expect(events).toContainEqual(expect.objectContaining({ type: 'memory-pass', messageId: user?.id }));

    const second = await rpc.createConversation({}, ctx());
    const deltas: string[] = [];
    const { assistant } = await say(second.id, 'Where does my sister Ana live?', (p) => {
      if (p.type === 'delta') deltas.push(p.text);
    });
    expect(assistant.status).toBe('complete');
    expect(assistant.text).toContain('Lisbon');
    expect(assistant.usedMemories?.map((m) => m.text)).toEqual(['User: My sister Ana lives in Lisbon.']);
    expect(deltas.join('')).toContain('Lisbon');
  });

  it('keeps the partial reply when the server drops mid-stream, and a retry replaces it', async () => {
    const conversation = await rpc.createConversation({}, ctx());
    await rpc.configure({ settings: localSettings(server.baseUrl, { memoryEnabled: false }) }, ctx());
    server.setHandler(sequence({ kind: 'disconnect', partialText: 'Memories used:\n**Answer:** Half an' }));
    const err: unknown = await say(conversation.id, 'Tell me a story please.').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const [, failed] = await rpc.listMessages({ conversationId: conversation.id }, ctx());
    expect(failed).toMatchObject({ role: 'assistant', status: 'error' });
    expect(failed?.text).toContain('Half an');

    const retried = await rpc.retryReply({ assistantMessageId: failed!.id }, ctx());
    expect(retried).toMatchObject({ id: failed!.id, status: 'complete' });
    const messages = await rpc.listMessages({ conversationId: conversation.id }, ctx());
    expect(messages).toHaveLength(2);
  });

  it('saves a stopped reply as stopped', async () => {
    const conversation = await rpc.createConversation({}, ctx());
    server.setHandler((req) =>
      req.schemaName ? '{"facts": []}' : { kind: 'hang', partialText: 'Memories used:\n**Answer:** Wait' },
    );
    const controller = new AbortController();
    const sent = say(
      conversation.id,
      'Hello there friend.',
      (p) => {
        if (p.type === 'delta') controller.abort();
      },
      controller.signal,
    );
    expect(isAbortError(await sent.catch((e: unknown) => e))).toBe(true);
    const messages = await rpc.listMessages({ conversationId: conversation.id }, ctx());
    expect(messages.filter((m) => m.role === 'assistant').map((m) => m.status)).toContain('stopped');
  });

  it('leaves memory unchanged and records the failure when the model output is malformed', async () => {
    // The turn is said under the user's name; a retry after a change of name keeps the name it was said under.
    const named = (userName: string) => localSettings(server.baseUrl, { userName });
    await rpc.configure({ settings: named('Ana') }, ctx());
    const conversation = await rpc.createConversation({}, ctx());
    server.setHandler((req) =>
      req.schemaName ? { kind: 'malformed', raw: '{"facts": [' } : 'Memories used:\n**Answer:** ok',
    );
    await say(conversation.id, 'I adopted a cat named Miso.');
    await service.idle();
    expect((await rpc.listMemories({}, ctx())).memories).toEqual([]);
    const failures = await rpc.failures(null, ctx());
    expect(failures).toMatchObject([{ speaker: 'Ana' }]);
    const [user] = await rpc.listMessages({ conversationId: conversation.id }, ctx());
    expect(user?.memory?.status).toBe('failed');

    server.setHandler(defaultHandler);
    await rpc.configure({ settings: named('Bea') }, ctx());
    const retried = await rpc.retryFailure({ turnId: user!.id }, ctx());
    expect(retried.status).toBe('done');
    expect((await rpc.listMemories({}, ctx())).memories.map((m) => [m.speaker, m.text])).toEqual([
      ['Ana', 'Ana: I adopted a cat named Miso.'],
    ]);
    expect(await rpc.failures(null, ctx())).toEqual([]);
  });

  it('edits, deletes and undoes memories, and marks the undone turn', async () => {
    const conversation = await rpc.createConversation({}, ctx());
    await say(conversation.id, 'I work as a nurse in Porto.');
    await service.idle();
    const [memory] = (await rpc.listMemories({}, ctx())).memories;
    const edit = await rpc.editMemory({ id: memory!.id, text: 'User: I work as a doctor in Porto.' }, ctx());
    expect((await rpc.listMemories({}, ctx())).memories[0]?.text).toBe('User: I work as a doctor in Porto.');
    await rpc.undo({ batchId: edit.batchId }, ctx());
    expect((await rpc.listMemories({}, ctx())).memories[0]?.text).toBe('User: I work as a nurse in Porto.');
    const del = await rpc.deleteMemory({ id: memory!.id }, ctx());
    expect((await rpc.listMemories({}, ctx())).memories).toEqual([]);
    await rpc.undo({ batchId: del.batchId }, ctx());
    expect((await rpc.listMemories({}, ctx())).memories).toHaveLength(1);

    const history = await rpc.history({ memoryId: memory!.id }, ctx());
    expect(history.map((e) => e.type)).toEqual(['ADD', 'UPDATE', 'UNDO_UPDATE', 'DELETE', 'UNDO_DELETE']);

    const [user] = await rpc.listMessages({ conversationId: conversation.id }, ctx());
    await rpc.undo({ batchId: user!.memory!.batchId!, messageId: user!.id }, ctx());
    expect((await rpc.listMemories({}, ctx())).memories).toEqual([]);
    const [marked] = await rpc.listMessages({ conversationId: conversation.id }, ctx());
    expect(marked?.memory?.undone).toBe(true);
  });

  it('exports, clears and imports everything back', async () => {
    const conversation = await rpc.createConversation({}, ctx());
    await say(conversation.id, 'My favourite colour is green.');
    await service.idle();
    const exported = await rpc.exportMemories(null, ctx());
    await rpc.clearAll(null, ctx());
    expect((await rpc.listMemories({}, ctx())).memories).toEqual([]);
    expect(await rpc.listConversations(null, ctx())).toEqual([]);
    const report = await rpc.importMemories({ data: JSON.parse(JSON.stringify(exported)) }, ctx());
    expect(report.added).toBeGreaterThan(0);
    expect((await rpc.listMemories({}, ctx())).memories.map((m) => m.text)).toEqual([
      'User: My favourite colour is green.',
    ]);
  });

  it('reports a missing model name as an error on the reply instead of calling the server', async () => {
    await rpc.configure(
      { settings: { ...DEFAULT_SETTINGS, provider: 'local', baseUrl: server.baseUrl, model: '' } },
      ctx(),
    );
    const conversation = await rpc.createConversation({}, ctx());
    await expect(say(conversation.id, 'Hello there.')).rejects.toMatchObject({ code: 'settings-invalid' });
    const [, reply] = await rpc.listMessages({ conversationId: conversation.id }, ctx());
    expect(reply).toMatchObject({ status: 'error', error: { code: 'settings-invalid' } });
    expect(server.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(0);
  });

  it('loads the embedder only once a model is needed, then embeds with it in the background', async () => {
    const embedder = new RecordingEmbedder();
    let created = 0;
    const lazy = new MemoryWorkerHandlers({
      store: new InMemoryStore(),
      conversations: new InMemoryConversationStore(),
      createModels: serverModels(),
      createEmbedder: async () => {
        created += 1;
        return embedder;
      },
      backfill: async () => undefined,
      emit: (event) => events.push(event),
    });
    const handlers = lazy.handlers();
    await handlers.configure({ settings: localSettings(server.baseUrl) }, ctx());
    const conversation = await handlers.createConversation({}, ctx());
    expect(created).toBe(0);
    await handlers.send({ conversationId: conversation.id, text: 'I play the violin.' }, ctx());
    await lazy.idle();
    await handlers.send({ conversationId: conversation.id, text: 'I also sing in a choir.' }, ctx());
    await lazy.idle();
    expect(created).toBe(1);
    expect(events).toContainEqual({ type: 'embedder-status', status: 'ready' });
    expect(embedder.calls.length).toBeGreaterThan(0);
  });

  it('refuses a request with a wrong param before any work, naming the method and the field', async () => {
    const conversation = await rpc.createConversation({ title: 'Intro' }, ctx());
    const id = (await store.apply({ ops: [{ op: 'ADD', text: 'likes tea' }] })).applied[0]!.memoryId;
    const before = await store.export();
    const refused = (message: string) => ({ name: 'InvalidInputError', code: 'invalid-input', message });
    await expect(
      rpc.send({ conversationId: conversation.id, text: 42 as unknown as string }, ctx()),
    ).rejects.toMatchObject(refused('send: text must be a string (got a number).'));
    await expect(
      rpc.editMemory({ id: 7 as unknown as string, text: 'likes coffee' }, ctx()),
    ).rejects.toMatchObject(refused('editMemory: id must be a string (got a number).'));
    await expect(rpc.deleteMemory({ id: '' }, ctx())).rejects.toMatchObject(
      refused('deleteMemory: id must not be empty (got a string).'),
    );
    await expect(rpc.listConversations({} as unknown as null, ctx())).rejects.toMatchObject(
      refused('listConversations: the input must be null (got an object).'),
    );
    await expect(
      rpc.configure({ settings: { ...DEFAULT_SETTINGS, provider: 'gpu' as 'local' } }, ctx()),
    ).rejects.toMatchObject(
      refused("configure: settings.provider must be 'on-device', 'cpu' or 'local' (got a string)."),
    );
    expect(await rpc.listMessages({ conversationId: conversation.id }, ctx())).toEqual([]);
    expect(server.requests).toEqual([]);
    expect({ ...(await store.export()), exportedAt: 0 }).toEqual({ ...before, exportedAt: 0 });
    expect((await store.get(id))!.text).toBe('likes tea');
  });
});
