import { afterEach, describe, expect, it } from 'vitest';
import { deleteCachedGguf } from '../llm/gguf-cache';
import { defineEmbedElements } from './define-embed';
import type { MemoryR1Chat } from './memory-r1-chat';

defineEmbedElements();

// The committed random-weight GGUF, served by the test server: the reply is gibberish (it runs to the Answer Agent's
// cap), so the test checks that it streams in and that the memory pass ends, never what it says.
const FIXTURE_URL = new URL('/src/llm/fixtures/tiny-qwen2.gguf', location.origin).href;

afterEach(() => {
  document.body.replaceChildren();
});

function addChat(model: string): MemoryR1Chat {
  const chat = document.createElement('memory-r1-chat');
  chat.setAttribute('provider', 'cpu');
  chat.setAttribute('model', model);
  chat.setAttribute('storage-name', `el-cpu-${crypto.randomUUID().slice(0, 8)}`);
  document.body.append(chat);
  return chat;
}

/** Waits until `find` returns something. */
async function until<T>(find: () => T | null | undefined, timeoutMs = 60_000): Promise<T> {
  const start = performance.now();
  for (;;) {
    const found = find();
    if (found) return found;
    if (performance.now() - start > timeoutMs) throw new Error('Timed out waiting for the chat.');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const chatView = (chat: MemoryR1Chat) => chat.shadowRoot?.querySelector('mr-chat')?.shadowRoot;

describe('<memory-r1-chat provider="cpu">', () => {
  it('loads the GGUF with progress, streams a reply and ends the memory pass', async () => {
    await deleteCachedGguf(FIXTURE_URL);
    const chat = addChat(FIXTURE_URL);
    const box = await until(() => chatView(chat)?.querySelector('textarea'));
    box.value = 'My sister Ana lives in Lisbon.';
    box.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    const statuses = new Set<string>();
    const watch = setInterval(() => {
      for (const status of chatView(chat)?.querySelectorAll('[role="status"]') ?? [])
        statuses.add(status.textContent?.trim() ?? '');
    }, 10);
    try {
      (
        await until(() =>
          chatView(chat)?.querySelector<HTMLButtonElement>('button[type="submit"]:not([disabled])'),
        )
      ).click();
      await until(() => chatView(chat)?.querySelector('[role="log"][aria-busy="true"]'));
      await until(() => chatView(chat)?.querySelector('[role="log"][aria-busy="false"]'));
    } finally {
      clearInterval(watch);
    }
    expect([...statuses]).toContainEqual(
      expect.stringMatching(/^(Downloading tiny-qwen2|Ready: tiny-qwen2)/),
    );
    const reply = chatView(chat)?.querySelector('[aria-label="Assistant replied"]');
    expect(reply?.textContent?.trim()).not.toBe('');
    const pass = await until(() => {
      const status = (chatView(chat)?.querySelector('mr-memory-pass') as { info?: { status: string } } | null)
        ?.info?.status;
      return status && status !== 'pending' ? status : undefined;
    });
    expect(['done', 'failed', 'held']).toContain(pass);
  }, 120_000);

  it('names provider.model in its alert and mr-error when the model is not a catalog id or GGUF URL', async () => {
    const errors: { code: string; message: string }[] = [];
    document.addEventListener('mr-error', (e) => errors.push(e.detail), { once: true });
    const chat = addChat('not-a-model');
    const alert = await until(() => chat.shadowRoot?.querySelector('[role="alert"]'));
    expect(alert.textContent).toMatch(/^Invalid option provider\.model: "not-a-model" is not a CPU model/);
    expect(errors).toEqual([{ code: 'settings-invalid', message: alert.textContent }]);
  });
});
