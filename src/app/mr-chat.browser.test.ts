// <mr-chat> in Chromium with a scripted memory service: the on-device model's loading progress, and the warning
// that comes with it when the two role models may not fit in GPU memory together, show while the first reply waits.
// With the real memory service (in the page, over a MessageChannel, scripted models): a sent turn is remembered
// under the user's name from the settings.
import { ContextProvider } from '@lit/context';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryWorkerClient, type MemoryService } from '../agent/memory-worker-client';
import type { MemoryRpc, MemoryWorkerEvent, ReplyEvent } from '../protocol/memory-protocol';
import type { StoredMessage } from '../core/conversation';
import { serveRpc, type CallOptions, type ProgressOf, type RpcEndpoint } from '../core/rpc';
import { DEFAULT_SETTINGS, type Settings } from '../protocol/settings';
import { InMemoryConversationStore } from '../store/conversations-store';
import { InMemoryStore } from '../store/in-memory-store';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import { MemoryWorkerHandlers } from '../workers/memory-worker-handlers';
import { settingsContext, memoryContext } from './context';
import { renderMarkdown } from './markdown';
import { MrChat } from './mr-chat';

if (!customElements.get('mr-chat')) customElements.define('mr-chat', MrChat);

/** A memory service whose `send` waits until `finishSend()`; `emit` pushes worker events. */
class ScriptedMemory implements MemoryService {
  private readonly listeners = new Set<(event: MemoryWorkerEvent) => void>();
  private release?: () => void;

  call<M extends keyof MemoryRpc & string>(method: M): Promise<MemoryRpc[M]['result']> {
    const results: Partial<{ [K in keyof MemoryRpc]: () => Promise<MemoryRpc[K]['result']> }> = {
      createConversation: async () => ({ id: 'c1', title: 'Hello', createdAt: 0, updatedAt: 0 }),
      listMessages: async () => [],
      send: () =>
        new Promise((resolve) => {
          const message = { conversationId: 'c1', time: 0, status: 'complete' as const, text: '' };
          this.release = () =>
            resolve({
              user: { ...message, id: 'u1', role: 'user' },
              assistant: { ...message, id: 'a1', role: 'assistant' },
            });
        }),
    };
    const result = results[method];
    if (!result) return Promise.reject(new Error(`Unexpected call ${method}`));
    return result() as Promise<MemoryRpc[M]['result']>;
  }

  onEvent(listener: (event: MemoryWorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: MemoryWorkerEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  finishSend(): void {
    this.release?.();
  }
}

const hosts: HTMLElement[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.remove();
});

async function mount(
  memory: MemoryService,
  settings: Settings = { ...DEFAULT_SETTINGS, onboarded: true },
): Promise<MrChat> {
  const host = document.createElement('div');
  new ContextProvider(host, { context: settingsContext, initialValue: settings });
  new ContextProvider(host, { context: memoryContext, initialValue: memory });
  const element = document.createElement('mr-chat') as MrChat;
  host.append(element);
  document.body.append(host);
  hosts.push(host);
  await element.updateComplete;
  return element;
}

const text = (el: MrChat) => el.renderRoot.textContent?.replace(/\s+/g, ' ') ?? '';

/** Types a message and sends it; resolves once the reply is waiting on the (scripted) worker. */
async function send(el: MrChat, message: string): Promise<void> {
  const textarea = el.renderRoot.querySelector('textarea')!;
  textarea.value = message;
  textarea.dispatchEvent(new Event('input'));
  await el.updateComplete;
  el.renderRoot.querySelector('form')!.requestSubmit();
  await new Promise((resolve) => setTimeout(resolve));
  await el.updateComplete;
}

describe('<mr-chat> while the on-device models load', () => {
  const warning =
    'The two models need about 5.9 GB of GPU memory together; if loading fails, use one model for both roles or smaller models.';

  it('shows the progress and the two-model warning until the load is done', async () => {
    const memory = new ScriptedMemory();
    const el = await mount(memory);
    await send(el, 'Hello');
    memory.emit({ type: 'model-loading', progress: { fraction: 0.25, text: 'Downloading pair-a', warning } });
    await el.updateComplete;
    expect(el.renderRoot.querySelector('progress')?.value).toBe(0.25);
    expect(text(el)).toContain('Downloading pair-a');
    expect(text(el)).toContain(`Warning: ${warning}`);

    memory.finishSend();
    await new Promise((resolve) => setTimeout(resolve));
    await el.updateComplete;
    expect(el.renderRoot.querySelector('progress')).toBeNull();
    expect(text(el)).not.toContain('Warning:');
  });

  it('shows no warning when the load reports none', async () => {
    const memory = new ScriptedMemory();
    const el = await mount(memory);
    await send(el, 'Hello');
    memory.emit({ type: 'model-loading', progress: { fraction: 0.5, text: 'Loading model from cache' } });
    await el.updateComplete;
    expect(text(el)).toContain('Loading model from cache');
    expect(text(el)).not.toContain('Warning:');
    memory.finishSend();
  });
});

describe('<mr-chat> with the memory service', () => {
  it("remembers a sent turn under the user's name from the settings", async () => {
    const store = new InMemoryStore();
    // The Memory Manager extracts one fact and adds it; the Answer Agent replies without memories.
    const manager = new ScriptedChatModel({
      respond: (request) =>
        request.messages.at(-1)!.content.includes('\nTurn: ')
          ? JSON.stringify({ facts: ['Ana likes green tea'] })
          : JSON.stringify({ operations: [{ op: 'ADD', id: null, text: 'Ana likes green tea' }] }),
    });
    const answer = new ScriptedChatModel({ respond: () => 'Memories used: none\n**Answer:** Noted.' });
    const service = new MemoryWorkerHandlers({
      store,
      conversations: new InMemoryConversationStore(),
      createModels: async () => ({ manager, answer }),
      emit: () => undefined,
    });
    const channel = new MessageChannel();
    channel.port1.start();
    channel.port2.start();
    serveRpc(channel.port2, service.handlers());
    const client = new MemoryWorkerClient(channel.port1 as RpcEndpoint);
    const settings: Settings = { ...DEFAULT_SETTINGS, onboarded: true, userName: 'Ana' };
    await client.call('configure', { settings });
    const el = await mount(client, settings);

    await send(el, 'I like green tea.');
    await expect.poll(() => text(el)).toContain('Noted.');
    await service.idle();
    expect(manager.requests[0]!.messages.at(-1)!.content).toContain('\nSpeaker: Ana\n');
    const { memories } = await client.call('listMemories', {});
    expect(memories.map((m) => [m.speaker, m.text])).toEqual([['Ana', 'Ana likes green tea']]);
    channel.port1.close();
    channel.port2.close();
  });
});

/** A memory service holding an earlier exchange, whose `send` streams a reply one piece per task. */
class StreamingMemory implements MemoryService {
  private readonly history: StoredMessage[] = [
    { id: 'u0', conversationId: 'c1', role: 'user', text: 'Earlier', time: 0, status: 'complete' },
    {
      id: 'a0',
      conversationId: 'c1',
      role: 'assistant',
      text: '**Earlier** reply',
      time: 1,
      status: 'complete',
    },
  ];

  constructor(private readonly pieces: string[]) {}

  async call<M extends keyof MemoryRpc & string>(
    method: M,
    _params: MemoryRpc[M]['params'],
    opts?: CallOptions<ProgressOf<MemoryRpc[M]>>,
  ): Promise<MemoryRpc[M]['result']> {
    if (method === 'listMessages') return this.history as MemoryRpc[M]['result'];
    if (method !== 'send') throw new Error(`Unexpected call ${method}`);
    const progress = opts?.onProgress as ((p: ReplyEvent) => void) | undefined;
    const user: StoredMessage = { ...this.history[0]!, id: 'u1', text: 'Tell me', time: 2 };
    const assistant: StoredMessage = {
      ...this.history[1]!,
      id: 'a1',
      text: '',
      time: 3,
      status: 'streaming',
    };
    progress?.({ type: 'user', message: user });
    progress?.({ type: 'assistant', message: assistant });
    for (const text of this.pieces) {
      await new Promise((resolve) => setTimeout(resolve));
      progress?.({ type: 'delta', text });
    }
    const reply = { ...assistant, text: this.pieces.join(''), status: 'complete' as const };
    this.history.push(user, reply);
    return { user, assistant: reply } as MemoryRpc[M]['result'];
  }

  onEvent(): () => void {
    return () => undefined;
  }
}

describe('<mr-chat> while a reply streams', () => {
  it('renders an earlier reply once and leaves it untouched, and shows every streamed piece in order', async () => {
    const pieces = Array.from({ length: 40 }, (_, i) => `word${i} `);
    const el = await mount(new StreamingMemory(pieces));
    const markdown = vi.fn(renderMarkdown);
    el.markdown = markdown;
    el.conversationId = 'c1';
    await expect.poll(() => text(el)).toContain('Earlier reply');
    const earlier = el.renderRoot.querySelector('.msg.assistant .bubble')!;
    const changes: MutationRecord[] = [];
    const observer = new MutationObserver((records) => changes.push(...records));
    observer.observe(earlier, { subtree: true, childList: true, characterData: true });

    await send(el, 'Tell me');
    await expect.poll(() => text(el)).toContain(pieces.join('').trim());
    observer.disconnect();

    expect(changes).toEqual([]);
    expect(markdown.mock.calls.filter(([md]) => md === '**Earlier** reply')).toHaveLength(1);
    expect(el.renderRoot.querySelector('.msg.assistant .bubble')).toBe(earlier);
    expect(el.renderRoot.querySelectorAll('.msg.assistant').length).toBe(2);
  });
});
