import { afterEach, describe, expect, it, vi } from 'vitest';
import { SettingsError } from '../protocol/settings';
import type { ChatRequest } from '../core/types';
import { lastUserMessage } from '../testing/locomo-answering-model';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import { createMemoryAgent, type MemoryAgent } from './memory-agent';

/** A page model that remembers every sentence it is told and answers from the first memory it is shown. */
function rememberingModel(): ScriptedChatModel {
  return new ScriptedChatModel({
    id: 'page-model',
    respond: (request: ChatRequest) => {
      const input = lastUserMessage(request);
      if (request.schema?.name === 'memory_facts') {
        const turn = /^Turn: (.*)$/m.exec(input)?.[1] ?? input;
        return JSON.stringify({ facts: turn.endsWith('?') ? [] : [turn] });
      }
      if (request.schema?.name === 'memory_operations') {
        const facts = (JSON.parse(input.slice(input.lastIndexOf('{"facts"'))) as { facts: string[] }).facts;
        return JSON.stringify({ operations: facts.map((text) => ({ op: 'ADD', id: null, text })) });
      }
      const memory = /"text":\s*"([^"]*)"/.exec(input)?.[1];
      return memory ? `Memories used:\n- ${memory}\n**Answer:** ${memory}` : "**Answer:** I don't know.";
    },
  });
}

const storage = (): string => `test-${crypto.randomUUID().slice(0, 8)}`;
const open: MemoryAgent[] = [];

afterEach(async () => {
  for (const agent of open.splice(0)) await agent.close();
});

async function agentWith(storageName: string, chatModel = rememberingModel()): Promise<MemoryAgent> {
  const agent = await createMemoryAgent({
    provider: { kind: 'model', chatModel },
    storageName,
    speaker: 'Ana',
  });
  open.push(agent);
  return agent;
}

describe('createMemoryAgent', () => {
  it('remembers a turn with the page model, streams the reply and answers from the memory after a restart', async () => {
    const name = storage();
    const agent = await agentWith(name);
    const tokens: string[] = [];
    const reply = await agent.send('I moved to Porto.', { onToken: (t) => tokens.push(t) });
    expect(tokens.join('')).toBe(reply.text);
    const pass = await reply.memoryPass;
    expect(pass.status).toBe('done');
    expect(pass.operations.map((op) => op.op)).toEqual(['ADD']);
    expect((await agent.memories.list()).map((m) => [m.text, m.speaker])).toEqual([
      ['I moved to Porto.', 'Ana'],
    ]);
    await agent.close();

    const again = await agentWith(name);
    expect(again.conversation).toBe(agent.conversation);
    const answer = await again.send('Where did I move?');
    expect(answer.text).toContain('Porto');
    expect(answer.usedMemories.map((m) => m.text)).toEqual(['I moved to Porto.']);
  });

  it('keeps two storage names apart', async () => {
    const first = await agentWith(storage());
    const second = await agentWith(storage());
    await (
      await first.send('I moved to Porto.')
    ).memoryPass;
    expect(await first.memories.list()).toHaveLength(1);
    expect(await second.memories.list()).toEqual([]);
    expect((await second.memories.export()).memories).toEqual([]);
  });

  it('edits, deletes, undoes, searches, exports and imports memories, firing memory-change', async () => {
    const agent = await agentWith(storage());
    const changes: string[] = [];
    agent.addEventListener('memory-change', (event) => changes.push(event.detail.type));
    await (
      await agent.send('I moved to Porto.')
    ).memoryPass;
    const [memory] = await agent.memories.list();
    const edit = await agent.memories.update(memory!.id, 'Ana lives in Porto.');
    expect((await agent.memories.search('Porto')).map((m) => m.text)).toEqual(['Ana lives in Porto.']);
    await agent.memories.undo(edit.batchId);
    expect((await agent.memories.list())[0]?.text).toBe('I moved to Porto.');
    const doc = await agent.memories.export();
    await agent.memories.delete(memory!.id);
    expect(await agent.memories.list()).toEqual([]);
    const copy = await agentWith(storage());
    expect((await copy.memories.import(doc)).added).toBe(1);
    expect((await copy.memories.list()).map((m) => m.text)).toEqual(['I moved to Porto.']);
    expect(changes).toContain('pass');
    expect(changes).toContain('changed');
  });

  it('rejects invalid options with a SettingsError naming the option, and a remote server as not local', async () => {
    await expect(createMemoryAgent({ storageName: 'no spaces' })).rejects.toThrow(SettingsError);
    await expect(
      createMemoryAgent({ provider: { kind: 'local', baseUrl: 'https://example.com/v1', model: 'm' } }),
    ).rejects.toMatchObject({ code: 'settings-invalid', field: 'baseUrl' });
  });

  it('refuses to chat without a provider and after close', async () => {
    const agent = await createMemoryAgent({ storageName: storage() });
    await expect(agent.send('Hello there')).rejects.toMatchObject({ code: 'model-not-configured' });
    await agent.close();
    await expect(agent.memories.list()).rejects.toMatchObject({ code: 'agent-closed' });
  });

  it('fails a turn clearly when the page model returns something that is not a completion', async () => {
    const broken = rememberingModel();
    broken.complete = () => Promise.resolve({ nonsense: true } as never);
    broken.stream = async function* () {
      yield { nonsense: true } as never;
    };
    const agent = await agentWith(storage(), broken);
    await expect(agent.send('Hello there')).rejects.toMatchObject({ code: 'model-output-invalid' });
  });

  it('starts its worker again after a crash, keeping its memories, settings and page model', async () => {
    const started: Worker[] = [];
    const RealWorker = globalThis.Worker;
    vi.stubGlobal(
      'Worker',
      class extends RealWorker {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          started.push(this);
        }
      },
    );
    try {
      const agent = await agentWith(storage());
      expect((await (await agent.send('I moved to Porto.')).memoryPass).status).toBe('done');
      expect(started).toHaveLength(1);
      const waiting = agent.memories.list();
      started[0]!.dispatchEvent(new ErrorEvent('error', { message: 'out of memory' }));
      await expect(waiting).rejects.toMatchObject({ code: 'worker-crashed' });
      expect(started).toHaveLength(2);
      const answer = await agent.send('Where did I move?');
      expect(answer.text).toContain('Porto');
      expect((await agent.memories.list()).map((m) => [m.text, m.speaker])).toEqual([
        ['I moved to Porto.', 'Ana'],
      ]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
