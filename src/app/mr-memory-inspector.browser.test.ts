// <mr-memory-inspector> in Chromium over the real memory service (in the page, over a MessageChannel, so every
// answer is structured-cloned as from the worker) with a bank of 10,000 memories: the view lists a page at a time
// with the list semantics and buttons the end-to-end tests use, never receives more than the memories it shows,
// and still finds any memory by search and offers every speaker in the filter.
import { ContextProvider } from '@lit/context';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { MemoryWorkerClient, type MemoryService } from '../agent/memory-worker-client';
import type { MemoryRpc, MemoryWorkerEvent } from '../protocol/memory-protocol';
import { serveRpc, type CallOptions, type ProgressOf, type RpcEndpoint } from '../core/rpc';
import { InMemoryConversationStore } from '../store/conversations-store';
import { InMemoryStore } from '../store/in-memory-store';
import { MemoryWorkerHandlers } from '../workers/memory-worker-handlers';
import { memoryContext } from './context';
import { MrMemoryInspector } from './mr-memory-inspector';

if (!customElements.get('mr-memory-inspector'))
  customElements.define('mr-memory-inspector', MrMemoryInspector);

const BANK = 10_000;
const SPEAKERS = ['Ana', 'Bo', 'Cy'];

/** The memory service as the page sees it, noting how many memories each `listMemories` answer carried. */
class CountingMemory implements MemoryService {
  readonly listed: number[] = [];
  constructor(private readonly client: MemoryWorkerClient) {}

  async call<M extends keyof MemoryRpc & string>(
    method: M,
    params: MemoryRpc[M]['params'],
    opts?: CallOptions<ProgressOf<MemoryRpc[M]>>,
  ): Promise<MemoryRpc[M]['result']> {
    const result = await this.client.call(method, params, opts);
    if (method === 'listMemories')
      this.listed.push((result as MemoryRpc['listMemories']['result']).memories.length);
    return result;
  }

  onEvent(listener: (event: MemoryWorkerEvent) => void): () => void {
    return this.client.onEvent(listener);
  }
}

let memory: CountingMemory;

beforeAll(async () => {
  let time = 0;
  const store = new InMemoryStore({ now: () => ++time });
  for (let i = 0; i < BANK; i += 1000) {
    const ops = Array.from({ length: 1000 }, (_, k) => ({
      op: 'ADD' as const,
      text: `Memory ${i + k} of the bank`,
      speaker: SPEAKERS[(i + k) % SPEAKERS.length],
    }));
    await store.apply({ ops, modelId: 'test' });
  }
  const service = new MemoryWorkerHandlers({
    store,
    conversations: new InMemoryConversationStore(),
    createModels: () => Promise.reject(new Error('no models in this test')),
    emit: () => undefined,
  });
  const channel = new MessageChannel();
  channel.port1.start();
  channel.port2.start();
  serveRpc(channel.port2, service.handlers());
  memory = new CountingMemory(new MemoryWorkerClient(channel.port1 as RpcEndpoint));
});

const hosts: HTMLElement[] = [];
afterEach(() => {
  for (const host of hosts.splice(0)) host.remove();
});

async function mount(): Promise<MrMemoryInspector> {
  const host = document.createElement('div');
  new ContextProvider(host, { context: memoryContext, initialValue: memory });
  const element = document.createElement('mr-memory-inspector');
  host.append(element);
  document.body.append(host);
  hosts.push(host);
  await element.updateComplete;
  return element;
}

const region = () => page.getByRole('region', { name: 'Memories' });
const items = () => region().getByRole('list').getByRole('listitem');

describe('<mr-memory-inspector> with 10,000 memories', () => {
  it('lists the newest page with each memory’s buttons, and never receives more than it shows', async () => {
    memory.listed.length = 0;
    await mount();
    await expect.element(region().getByText('10,000 memories. Showing the newest 50.')).toBeVisible();
    expect(items().all()).toHaveLength(50);
    await expect.element(items().first()).toHaveTextContent('Memory 9999 of the bank');
    await expect.element(items().nth(49)).toHaveTextContent('Memory 9950 of the bank');
    for (const name of ['Edit', 'Delete', 'History']) {
      await expect.element(items().nth(49).getByRole('button', { name })).toBeVisible();
    }
    expect(Math.max(...memory.listed)).toBe(50);
  });

  it('adds the next page on Show more and moves the focus to its first memory', async () => {
    const element = await mount();
    await expect.element(region().getByText('Showing the newest 50.')).toBeVisible();
    await region().getByRole('button', { name: 'Show 50 more' }).click();
    await expect.element(region().getByText('10,000 memories. Showing the newest 100.')).toBeVisible();
    expect(items().all()).toHaveLength(100);
    await expect.element(items().nth(50)).toHaveTextContent('Memory 9949 of the bank');
    await expect
      .poll(() => element.shadowRoot?.activeElement?.closest('li')?.textContent)
      .toContain('Memory 9949 of the bank');
  });

  it('finds an old memory by search and offers every speaker in the filter', async () => {
    await mount();
    await expect.element(region().getByText('Showing the newest 50.')).toBeVisible();
    const speaker = region().getByRole('combobox', { name: 'Speaker' });
    await expect
      .poll(() =>
        speaker
          .getByRole('option')
          .elements()
          .map((o) => o.textContent),
      )
      .toEqual(['Everyone', ...SPEAKERS]);
    await region().getByRole('searchbox', { name: 'Search memories' }).fill('Memory 17 of');
    await expect.element(items().first()).toHaveTextContent('Memory 17 of the bank');

    await region().getByRole('searchbox', { name: 'Search memories' }).fill('');
    await speaker.selectOptions('Bo');
    await expect.element(region().getByText('3,333 memories match. Showing the newest 50.')).toBeVisible();
    await expect.element(items().first()).toHaveTextContent('Memory 9997 of the bank');
  });
});
