// The public API named in issue 2 is a contract other programs rely on: this test uses it exactly as documented,
// importing only from the package entry point, against the local OpenAI-compatible test server.
import { describe, expect, it } from 'vitest';
import { AnswerAgent, InMemoryStore, MemoryManager, OpenAICompatibleChatModel } from './index';
import { useTestServer } from './testing/vitest-fixtures';

const server = useTestServer();

describe('public API from src/index.ts', () => {
  it('remembers a turn, answers from it, records history and undoes the batch', async () => {
    const model = new OpenAICompatibleChatModel({ baseUrl: server.baseUrl, model: 'test-model' });
    const store = new InMemoryStore();
    const manager = new MemoryManager({ model, store });
    const turn = await manager.processTurn({
      conversationId: 'c1',
      turnId: 't1',
      speaker: 'Ana',
      text: 'I moved to Lisbon in March 2024.',
      time: Date.UTC(2024, 3, 2),
    });
    expect(turn.status).toBe('applied');
    expect(turn.operations).toEqual([expect.objectContaining({ op: 'ADD', memoryId: expect.any(String) })]);

    const [memory] = await store.list();
    expect(memory).toMatchObject({ text: expect.stringContaining('Lisbon'), sourceTurnIds: ['t1'] });
    expect(typeof memory?.createdAt).toBe('number');

    const agent = new AnswerAgent({ model, store });
    const reply = await agent.answer({ question: 'Where did Ana move to?', mode: 'benchmark' });
    expect(reply.answer).toContain('Lisbon');
    expect(reply.usedMemories.map((m) => m.id)).toEqual([memory?.id]);
    expect(reply.candidates[0]).toMatchObject({ memory: { id: memory?.id }, score: expect.any(Number) });

    expect((await store.history(memory?.id)).map((e) => e.type)).toEqual(['ADD']);
    await store.undo(turn.batchId ?? '');
    expect(await store.list()).toEqual([]);
  });
});
