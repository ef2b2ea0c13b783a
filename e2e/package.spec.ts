/**
 * The npm package as a web developer gets it (package-host.ts: the packed tarball installed into fresh projects):
 * the static demo page, the Vite example and the headless API each remember a fact, show it in
 * `<memory-r1-memories>`, answer from it after the host page reloads, and keep it from a second storage name; the
 * headless API and the Vite example's chat also run on the CPU engine (llama.cpp in WebAssembly) on a GGUF the host
 * serves. Every
 * request stays on loopback, and the pages run under the Content-Security-Policy docs/embedding.md states.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { preparePackage, TEST_SERVER, type PackageHost } from './package-host';

let host: PackageHost;

const test = base.extend<{ guarded: Page }>({
  // A page whose every request must stay on this machine and that must not break the host's policy.
  guarded: async ({ page }, use) => {
    const remote: string[] = [];
    const refused: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (/^https?:$/.test(url.protocol) && url.hostname !== '127.0.0.1') remote.push(request.url());
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) refused.push(message.text());
    });
    await use(page);
    expect(remote, 'requests that left loopback').toEqual([]);
    expect(refused, 'Content-Security-Policy violations').toEqual([]);
  },
});

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(420_000);
  host = await preparePackage();
  console.log(`memory-r1-web tarball: ${(host.tarballBytes / 1e6).toFixed(1)} MB`);
});

test.afterAll(async () => {
  await host?.close();
});

/** Chats in `<memory-r1-chat>` until the fact is remembered and shown in `<memory-r1-memories>`. */
async function rememberInElements(page: Page): Promise<void> {
  const chat = page.locator('memory-r1-chat');
  await chat.getByRole('textbox', { name: 'Message' }).fill('My sister Ana lives in Lisbon.');
  await chat.getByRole('button', { name: 'Send' }).click();
  const turn = chat.getByRole('article', { name: 'You said' });
  await expect(turn.getByText('Remembered')).toBeVisible();
  await expect(turn.getByRole('button', { name: 'Undo' })).toBeVisible();
  const memories = page.locator('memory-r1-memories').getByRole('region', { name: 'Memories' });
  await expect(memories.getByRole('listitem')).toHaveCount(1);
  const item = memories.getByRole('listitem').first();
  await expect(item).toContainText('Ana lives in Lisbon');
  for (const action of ['Edit', 'Delete', 'History'])
    await expect(item.getByRole('button', { name: action })).toBeVisible();
}

/** After a reload, asks about the fact and expects the answer to use the memory. */
async function answerAfterReload(page: Page): Promise<void> {
  await page.reload();
  const chat = page.locator('memory-r1-chat');
  await expect(chat.getByRole('article', { name: 'You said' })).toHaveCount(1);
  await chat.getByRole('textbox', { name: 'Message' }).fill('Where does my sister Ana live?');
  await chat.getByRole('button', { name: 'Send' }).click();
  const reply = chat.getByRole('article', { name: 'Assistant replied' }).last();
  await expect(reply).toContainText('Lisbon');
  await reply.getByText('Used 1 memory').click();
  await expect(reply.getByRole('list', { name: 'Memories this answer used' })).toContainText(
    'Ana lives in Lisbon',
  );
}

/** A second storage name on the same page sees none of the memories. */
async function otherStorageIsEmpty(page: Page): Promise<void> {
  await page.evaluate(() => {
    const other = document.createElement('memory-r1-memories');
    other.setAttribute('storage-name', 'someone-else');
    other.id = 'other';
    document.body.append(other);
  });
  const memories = page.locator('#other').getByRole('region', { name: 'Memories' });
  await expect(memories).toContainText('Nothing remembered yet.');
  await expect(memories.getByRole('listitem')).toHaveCount(0);
}

test('the static demo page: remembers, shows the memory, answers after a reload, isolates storage names', async ({
  guarded: page,
}) => {
  await page.goto(`${host.demo}/`);
  await rememberInElements(page);
  await answerAfterReload(page);
  await otherStorageIsEmpty(page);
});

test('the Vite example installing the tarball: the same, with the typed mr-answer event', async ({
  guarded: page,
}) => {
  await page.goto(`${host.example}/`);
  await rememberInElements(page);
  await expect(page.locator('#last-answer')).toContainText('Last answer:');
  await answerAfterReload(page);
  await expect(page.locator('#last-answer')).toContainText('Lisbon');
  await otherStorageIsEmpty(page);
});

test('the headless API alone: send, memory pass, memories, reload, answer, isolation', async ({
  guarded: page,
}) => {
  await page.goto(`${host.demo}/api.html`);
  const provider = { kind: 'local', baseUrl: TEST_SERVER, model: 'test-model' } as const;
  const first = await page.evaluate(async (provider) => {
    const { createMemoryAgent } = (await import(
      '/memory-r1-web/index.js' as string
    )) as typeof import('../src/package/index');
    const agent = await createMemoryAgent({ provider, storageName: 'api', speaker: 'Ana' });
    const tokens: string[] = [];
    const reply = await agent.send('I moved to Porto last spring.', { onToken: (t) => tokens.push(t) });
    const pass = await reply.memoryPass;
    const memories = (await agent.memories.list()).map((m) => m.text);
    await agent.close();
    return {
      streamed: tokens.join('') === reply.text,
      pass,
      memories,
      defined: !!customElements.get('memory-r1-chat'),
    };
  }, provider);
  expect(first.streamed).toBe(true);
  expect(first.pass.status).toBe('done');
  expect(first.pass.operations.map((op) => op.op)).toEqual(['ADD']);
  expect(first.memories).toEqual(['Ana: I moved to Porto last spring.']);
  expect(first.defined, 'the headless entry defines no elements').toBe(false);

  await page.reload();
  const second = await page.evaluate(async (provider) => {
    const { createMemoryAgent } = (await import(
      '/memory-r1-web/index.js' as string
    )) as typeof import('../src/package/index');
    const agent = await createMemoryAgent({ provider, storageName: 'api', speaker: 'Ana' });
    const reply = await agent.send('Where did I move last spring?');
    const other = await createMemoryAgent({ storageName: 'api-other' });
    const otherMemories = await other.memories.list();
    await Promise.all([agent.close(), other.close()]);
    return { text: reply.text, used: reply.usedMemories.map((m) => m.text), otherMemories };
  }, provider);
  expect(second.text).toContain('Porto');
  expect(second.used).toEqual(['Ana: I moved to Porto last spring.']);
  expect(second.otherMemories).toEqual([]);
});

test('the headless API on the CPU engine: a GGUF the host serves streams a reply and the memory pass ends', async ({
  guarded: page,
}) => {
  test.setTimeout(240_000);
  await page.goto(`${host.cpuDemo}/api.html`);
  const result = await page.evaluate(async (model) => {
    const { createMemoryAgent } = (await import(
      '/memory-r1-web/index.js' as string
    )) as typeof import('../src/package/index');
    const agent = await createMemoryAgent({ provider: { kind: 'cpu', model }, storageName: 'api-cpu' });
    const loading: string[] = [];
    agent.addEventListener('model-loading', (event) => loading.push(event.detail.text));
    const tokens: string[] = [];
    // Random weights: the reply is gibberish and runs to the Answer Agent's cap; only its streaming is checked.
    const reply = await agent.send('My sister Ana lives in Lisbon.', { onToken: (t) => tokens.push(t) });
    const pass = await reply.memoryPass;
    await agent.close();
    return { text: reply.text, streamed: tokens.join('') === reply.text, status: pass.status, loading };
  }, `${host.cpuDemo}/tiny-qwen2.gguf`);
  expect(result.text).not.toBe('');
  expect(result.streamed).toBe(true);
  expect(result.loading).toContainEqual(expect.stringMatching(/^Downloading tiny-qwen2\.gguf/));
  expect(result.loading.at(-1)).toBe('Ready: tiny-qwen2');
  expect(['done', 'failed', 'held']).toContain(result.status);
});

test('the headless API on the CPU engine under a policy without blob: workers fails at once, saying what to allow', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto(`${host.demo}/api.html`);
  const result = await page.evaluate(async (model) => {
    const { createMemoryAgent } = (await import(
      '/memory-r1-web/index.js' as string
    )) as typeof import('../src/package/index');
    const agent = await createMemoryAgent({
      provider: { kind: 'cpu', model },
      storageName: 'api-cpu-refused',
    });
    try {
      const reply = await agent.send('My sister Ana lives in Lisbon.');
      return { ok: true, text: reply.text };
    } catch (err) {
      return { ok: false, code: (err as { code?: string }).code, message: (err as Error).message };
    } finally {
      await agent.close();
    }
  }, `${host.demo}/tiny-qwen2.gguf`);
  expect(result).toMatchObject({ ok: false, code: 'cpu-worker-refused' });
  expect(result.message).toContain("worker-src 'self' blob:");
});

test('the Vite example: <memory-r1-chat provider="cpu"> loads the GGUF with progress, streams a reply, ends the pass', async ({
  guarded: page,
}) => {
  test.setTimeout(240_000);
  await page.goto(`${host.cpuExample}/`);
  await page.evaluate((model) => {
    const chat = document.createElement('memory-r1-chat');
    chat.id = 'cpu';
    chat.setAttribute('provider', 'cpu');
    chat.setAttribute('model', model);
    chat.setAttribute('storage-name', 'cpu');
    document.body.append(chat);
  }, `${host.cpuExample}/tiny-qwen2.gguf`);
  const chat = page.locator('#cpu');
  await chat.getByRole('textbox', { name: 'Message' }).fill('My sister Ana lives in Lisbon.');
  await chat.getByRole('button', { name: 'Send' }).click();
  await expect(
    chat.getByRole('status').filter({ hasText: /^(Downloading|Loading|Ready: )/ }),
  ).not.toHaveCount(0);
  await expect(chat.getByRole('log', { name: 'Conversation' })).toHaveAttribute('aria-busy', 'false', {
    timeout: 150_000,
  });
  await expect(chat.getByRole('article', { name: 'Assistant replied' })).not.toHaveText('');
  const pass = chat.getByRole('article', { name: 'You said' }).locator('mr-memory-pass');
  await expect
    .poll(() => pass.evaluate((el) => (el as { info?: { status: string } }).info?.status), {
      timeout: 60_000,
    })
    .toMatch(/^(done|failed|held)$/);
});
