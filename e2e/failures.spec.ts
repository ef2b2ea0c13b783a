/**
 * What happens when the model server misbehaves: a stream cut mid-way keeps the partial reply and Retry works; a
 * stream that ignores max_tokens is stopped at the client's length cap with its text kept and a message saying why;
 * a malformed structured output changes no memory, the failure is shown, and Retry processes the turn.
 */
import { startTestServer, type TestServer } from '../src/testing/openai-test-server';
import { defaultHandler } from '../src/testing/fake-memory-r1-model';
import { appUrl, expect, openMemories, send, test } from './fixtures';

let server: TestServer;

test.beforeEach(async () => {
  server = await startTestServer();
});

test.afterEach(async () => {
  await server.close();
});

test('keeps the partial reply when the server dies mid-stream, and Retry answers', async ({
  page,
  network,
}) => {
  // Every reply stream is cut (the client's own reconnect attempts too) until the server is "restarted".
  server.setHandler((req, ctx) =>
    !req.schemaName && req.stream
      ? { kind: 'disconnect', partialText: 'Memories used:\n**Answer:** The first half of' }
      : defaultHandler(req, ctx),
  );
  await page.goto(appUrl(server.baseUrl));
  await send(page, network, 'Tell me something nice.');
  const reply = page.getByRole('article', { name: 'Assistant replied' });
  await expect(reply).toContainText('The first half of');
  await expect(reply.getByRole('alert')).toBeVisible();

  server.setHandler(defaultHandler);
  await reply.getByRole('button', { name: 'Retry' }).click();
  await expect(reply.getByRole('alert')).toHaveCount(0);
  await expect(reply).not.toContainText('The first half of');
  await expect(reply.getByText('Used 1 memory')).toBeVisible();
  await expect(page.getByRole('article', { name: 'Assistant replied' })).toHaveCount(1);
});

test('stops a reply that ignores max_tokens at the length cap, keeps its text and says why', async ({
  page,
  network,
}) => {
  server.setHandler((req, ctx) =>
    !req.schemaName && req.stream
      ? {
          kind: 'ignore-max-tokens',
          text: 'Memories used:\n**Answer:** Once upon a time ',
          // Long chunks, so the endless reply reaches the cap in a few dozen deltas.
          filler: 'and on '.repeat(16),
        }
      : defaultHandler(req, ctx),
  );
  await page.goto(appUrl(server.baseUrl));
  network.typed.push('Tell me a story that never ends.');
  await page.getByRole('textbox', { name: 'Message' }).fill('Tell me a story that never ends.');
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.getByRole('article', { name: 'Assistant replied' });
  // 8,192 characters arrive as fast as the server can send them; on a busy machine rendering them takes a while.
  await expect(reply.getByRole('alert')).toContainText(/ran past 8,192 characters.*max_tokens/, {
    timeout: 60_000,
  });
  await expect(reply).toContainText('Once upon a time and on and on');
  // The chat answer asks for 1,024 tokens: 8 characters each, of which the marker line took its share.
  expect((await reply.locator('.markdown').innerText()).length).toBeLessThanOrEqual(8192);

  await page.reload();
  await expect(page.getByRole('article', { name: 'Assistant replied' })).toContainText(
    'Once upon a time and on',
  );
  await expect(page.getByRole('article', { name: 'Assistant replied' }).getByRole('alert')).toContainText(
    'ran past 8,192 characters',
  );
});

test('changes no memory when the model output is malformed, shows the failure, and Retry fixes it', async ({
  page,
  network,
}) => {
  server.setHandler((req, ctx) =>
    req.schemaName === 'memory_facts' ? '{"facts": ["I adopted a cat named' : defaultHandler(req, ctx),
  );
  await page.goto(appUrl(server.baseUrl));
  await send(page, network, 'I adopted a cat named Miso.');
  const turn = page.getByRole('article', { name: 'You said' });
  await expect(turn.getByText('Memory not updated:')).toBeVisible();

  const memories = await openMemories(page);
  await expect(memories.getByRole('listitem')).toHaveCount(0);
  const failures = page.getByRole('region', { name: 'Failed memory passes' });
  await expect(failures).toContainText('I adopted a cat named Miso.');
  await expect(failures.getByText('Model output')).toBeVisible();

  server.setHandler(defaultHandler);
  await failures.getByRole('button', { name: 'Retry' }).click();
  await expect(memories.getByRole('listitem')).toHaveCount(1);
  await expect(memories.getByRole('listitem')).toContainText('cat named Miso');
  await expect(failures).toHaveCount(0);
});

test('stops a reply on Stop, keeps what arrived, and copies it', async ({ page, network }) => {
  server.setHandler((req, ctx) =>
    !req.schemaName && req.stream
      ? { kind: 'hang', partialText: 'Memories used:\n**Answer:** Once upon a time' }
      : defaultHandler(req, ctx),
  );
  await page.goto(appUrl(server.baseUrl));
  network.typed.push('Tell me a long story.');
  await page.getByRole('textbox', { name: 'Message' }).fill('Tell me a long story.');
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.getByRole('article', { name: 'Assistant replied' });
  await expect(reply).toContainText('Once upon a time');
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeEditable();
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(reply.getByText('Stopped.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
  await reply.getByRole('button', { name: 'Copy' }).click();
  await expect(reply.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toContain('Once upon a time');

  await page.reload();
  await expect(page.getByRole('article', { name: 'Assistant replied' })).toContainText('Once upon a time');
  await expect(page.getByRole('article', { name: 'Assistant replied' }).getByText('Stopped.')).toBeVisible();
});
