// <mr-chat> in Chromium with a scripted memory service: the on-device model's loading progress, and the warning
// that comes with it when the two role models may not fit in GPU memory together, show while the first reply waits.
import { ContextProvider } from '@lit/context';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../client/memory-client';
import type { MemoryRpc, MemoryWorkerEvent } from '../client/memory-protocol';
import { DEFAULT_SETTINGS } from '../client/settings';
import { settingsContext, memoryContext } from './context';
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

async function mount(memory: MemoryService): Promise<MrChat> {
  const host = document.createElement('div');
  new ContextProvider(host, {
    context: settingsContext,
    initialValue: { ...DEFAULT_SETTINGS, onboarded: true },
  });
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
    memory.emit({ type: 'model-loading', progress: { progress: 0.25, text: 'Downloading pair-a', warning } });
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
    memory.emit({ type: 'model-loading', progress: { progress: 0.5, text: 'Loading model from cache' } });
    await el.updateComplete;
    expect(text(el)).toContain('Loading model from cache');
    expect(text(el)).not.toContain('Warning:');
    memory.finishSend();
  });
});
