import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryAgent } from '../agent/memory-agent';
import { defineEmbedElements } from './define-embed';
import type { MemoryR1Chat } from './memory-r1-chat';
import type { MemoryR1Memories } from './memory-r1-memories';

defineEmbedElements();

const storage = (): string => `el-${crypto.randomUUID().slice(0, 8)}`;

afterEach(() => {
  document.body.replaceChildren();
});

function add<T extends HTMLElement>(tag: string, attributes: Record<string, string>): T {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  document.body.append(element);
  return element as T;
}

/** Waits until `find` returns something (the elements render after their worker has opened the bank). */
async function until<T>(find: () => T | null | undefined, timeoutMs = 20_000): Promise<T> {
  const start = performance.now();
  for (;;) {
    const found = find();
    if (found) return found;
    if (performance.now() - start > timeoutMs)
      throw new Error('Timed out waiting for the element to render.');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const inner = (root: Element | null | undefined, selector: string) =>
  root?.shadowRoot?.querySelector(selector);

describe('<memory-r1-chat> and <memory-r1-memories>', () => {
  it('renders the app chat with a Message box and Send, styled only inside its shadow root', async () => {
    const pageStyles = document.querySelectorAll('style, link[rel="stylesheet"]').length;
    const chat = add<MemoryR1Chat>('memory-r1-chat', {
      provider: 'local',
      'base-url': 'http://127.0.0.1:9/v1',
      model: 'm',
      'storage-name': storage(),
    });
    const box = await until(() => inner(inner(chat, 'mr-chat'), 'textarea'));
    expect(box.id).toBe('message');
    expect(inner(inner(chat, 'mr-chat'), 'label[for="message"]')?.textContent).toBe('Message');
    expect(inner(inner(chat, 'mr-chat'), 'button[type="submit"]')?.textContent?.trim()).toBe('Send');
    expect(document.querySelectorAll('style, link[rel="stylesheet"]')).toHaveLength(pageStyles);
    expect(document.adoptedStyleSheets).toHaveLength(0);
    chat.style.setProperty('--mr-accent', 'rgb(1, 2, 3)');
    expect(getComputedStyle(inner(inner(chat, 'mr-chat'), 'button[type="submit"]')!).backgroundColor).toBe(
      'rgb(1, 2, 3)',
    );
  });

  it('refuses a server that is not on this machine with an alert and an mr-error event', async () => {
    const errors: { code: string; message: string }[] = [];
    document.addEventListener('mr-error', (e) => errors.push(e.detail), { once: true });
    const chat = add<MemoryR1Chat>('memory-r1-chat', {
      provider: 'local',
      'base-url': 'https://example.com/v1',
      model: 'm',
      'storage-name': storage(),
    });
    const alert = await until(() => inner(chat, '[role="alert"]'));
    expect(alert.textContent).toContain('is not this machine');
    expect(errors).toEqual([{ code: 'settings-invalid', message: alert.textContent }]);
  });

  it('shows the memories of its own storage name only', async () => {
    const name = storage();
    const agent = await createMemoryAgent({ storageName: name });
    await agent.memories.import([{ text: 'Ana lives in Lisbon.' }]);
    const mine = add<MemoryR1Memories>('memory-r1-memories', { 'storage-name': name });
    const other = add<MemoryR1Memories>('memory-r1-memories', { 'storage-name': storage() });
    const list = await until(() => inner(inner(mine, 'mr-memory-inspector'), 'li'));
    expect(list.textContent).toContain('Ana lives in Lisbon.');
    const otherInspector = await until(() => inner(other, 'mr-memory-inspector'));
    await until(() => otherInspector.shadowRoot?.textContent?.includes('Nothing remembered yet.'));
    expect(otherInspector.shadowRoot?.querySelectorAll('li')).toHaveLength(0);
    await agent.close();
  });
});
