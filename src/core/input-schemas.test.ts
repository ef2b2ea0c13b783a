// The public entry points refuse wrong input at once, naming the field, before any model call or write.
import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../store/in-memory-store';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import { AnswerAgent } from './answer-agent';
import { MemoryManager } from './memory-manager';
import type { TurnInput } from './memory-manager-types';

const turn = { conversationId: 'c', turnId: 't', speaker: 'Ana', text: 'I like tea', time: 0 };

describe('input validation at the public entry points', () => {
  it('processTurn with an ISO string time fails before any model call or write', async () => {
    const model = new ScriptedChatModel({ replies: [] });
    const store = new InMemoryStore();
    const manager = new MemoryManager({ model, store });
    const bad = { ...turn, time: '2024-05-08T13:56:00Z' } as unknown as TurnInput;
    await expect(manager.processTurn(bad)).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'invalid-input',
      message: 'processTurn: time must be epoch milliseconds (a number) (got a string).',
    });
    expect(model.requests).toEqual([]);
    expect(await store.failures()).toEqual([]);
  });

  it('answer names a malformed history message', async () => {
    const model = new ScriptedChatModel({ replies: [] });
    const agent = new AnswerAgent({ model, store: new InMemoryStore() });
    await expect(
      agent.answer({ question: 'What do I like?', history: [{ role: 'robot', content: 'hi' }] } as never),
    ).rejects.toThrow("answer: history.0.role must be 'system', 'user' or 'assistant' (got a string).");
    expect(model.requests).toEqual([]);
  });
});
