// End to end over HTTP: both agents driving OpenAICompatibleChatModel against the local OpenAI-compatible test
// server (127.0.0.1), including a server that is down and one that returns unusable JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAICompatibleChatModel } from '../llm/openai-compatible';
import { InMemoryStore } from '../store/in-memory-store';
import { sequence, startTestServer, type TestServer } from '../testing/openai-test-server';
import { defaultHandler } from '../testing/fake-memory-r1-model';
import { AnswerAgent, type AnswerEvent } from './answer-agent';
import { MemoryManager } from './memory-manager';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.close();
});

const model = () =>
  new OpenAICompatibleChatModel({ baseUrl: server.baseUrl, model: 'test-model', maxRetries: 0 });
const MAY_8 = Date.UTC(2023, 4, 8, 13, 56);

describe('agents over the OpenAI-compatible test server', () => {
  it('remembers a turn and answers a question from it', async () => {
    server.setHandler(defaultHandler);
    const store = new InMemoryStore();
    const manager = new MemoryManager({ model: model(), store });
    const first = await manager.processTurn({
      conversationId: 'c1',
      turnId: 't1',
      speaker: 'Caroline',
      text: 'I adopted a puppy named Max last week.',
      time: MAY_8,
    });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('applied');
    expect((await store.list()).map((m) => m.text)).toEqual([
      'Caroline: I adopted a puppy named Max last week.',
    ]);
    const requests = server.requests
      .slice(-2)
      .map((r) => r.body as { response_format?: { json_schema?: { name: string; strict: boolean } } });
    expect(requests.map((b) => b.response_format?.json_schema)).toEqual([
      expect.objectContaining({ name: 'memory_facts', strict: true }),
      expect.objectContaining({ name: 'memory_operations', strict: true }),
    ]);

    const again = await manager.processTurn({
      conversationId: 'c1',
      turnId: 't1',
      speaker: 'Caroline',
      text: 'I adopted a puppy named Max last week.',
      time: MAY_8,
    });
    expect(again.status).toBe('skipped');

    const agent = new AnswerAgent({ model: model(), store });
    const result = await agent.answer({ question: 'What is the name of the puppy?', mode: 'benchmark' });
    expect(result).toMatchObject({
      markerFound: true,
      answer: 'Caroline: I adopted a puppy named Max last week.',
    });
    expect(result.usedMemories.map((m) => m.text)).toEqual([
      'Caroline: I adopted a puppy named Max last week.',
    ]);

    const events: AnswerEvent[] = [];
    for await (const e of agent.stream({ question: 'What is the name of the puppy?' })) events.push(e);
    const streamed = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
    expect(streamed).toBe('Caroline: I adopted a puppy named Max last week.');
  });

  it('records a failure with the raw output when the server returns unusable JSON twice', async () => {
    server.setHandler(sequence('{"facts": ["Caroline adopted', 'still not JSON'));
    const store = new InMemoryStore();
    const result = await new MemoryManager({ model: model(), store }).processTurn({
      conversationId: 'c1',
      turnId: 't2',
      speaker: 'Caroline',
      text: 'I adopted a puppy.',
      time: MAY_8,
    });
    server.setHandler(defaultHandler);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'model-output-invalid' } });
    expect(await store.failures()).toEqual([
      expect.objectContaining({
        stage: 'extract',
        rawOutput: '{"facts": ["Caroline adopted\n--- repair attempt ---\nstill not JSON',
      }),
    ]);
    expect(await store.list()).toEqual([]);
  });

  it('keeps the turn for retry when the server is down, and applies it once the server is back', async () => {
    const down = await startTestServer();
    const deadUrl = down.baseUrl;
    await down.close();
    const store = new InMemoryStore();
    const offline = new OpenAICompatibleChatModel({ baseUrl: deadUrl, model: 'test-model', maxRetries: 0 });
    const failed = await new MemoryManager({ model: offline, store }).processTurn({
      conversationId: 'c1',
      turnId: 't3',
      speaker: 'Caroline',
      text: 'I moved to Paris in 2022.',
      time: MAY_8,
    });
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/127\.0\.0\.1/);
    expect(await store.failures()).toEqual([
      expect.objectContaining({ turnId: 't3', text: 'I moved to Paris in 2022.' }),
    ]);

    server.setHandler(defaultHandler);
    const retried = await new MemoryManager({ model: model(), store }).retryFailed();
    expect(retried.map((r) => r.status)).toEqual(['applied']);
    expect(await store.failures()).toEqual([]);
    expect((await store.list()).map((m) => m.text)).toEqual(['Caroline: I moved to Paris in 2022.']);
  });
});
