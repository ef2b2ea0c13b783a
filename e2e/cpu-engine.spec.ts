/**
 * The On-device (CPU) provider end to end: the built app opened with `?provider=cpu&model=<GGUF URL>` on the
 * committed random-weight fixture (src/llm/fixtures/tiny-qwen2.gguf), served with CORS and ranges from another
 * loopback port. The real engine (llama.cpp in WebAssembly, nested in the memory worker) streams a reply and runs
 * the memory pass with grammar-constrained JSON; the reply is gibberish, so the test checks that the pass ends
 * (applied or recorded as failed), never what it remembered. Embeddings are off so that no request may leave the
 * machine, and none does.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';

const FIXTURE = readFileSync(new URL('../src/llm/fixtures/tiny-qwen2.gguf', import.meta.url));

/** Serves the fixture at `/tiny-qwen2.gguf` on 127.0.0.1 (a free port), with CORS, HEAD and byte ranges. */
async function fixtureHost(): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`);
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Range, If-Range');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, ETag, Accept-Ranges');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    if (!req.url?.startsWith('/tiny-qwen2.gguf')) return void res.writeHead(404).end();
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', '"tiny-qwen2-1"');
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), FIXTURE.length - 1) : FIXTURE.length - 1;
    const body = FIXTURE.subarray(start, end + 1);
    res.setHeader('Content-Length', String(body.length));
    if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${FIXTURE.length}`);
    res.writeHead(range ? 206 : 200);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/tiny-qwen2.gguf`, server, hits };
}

test('chats on the CPU engine with a GGUF from a link: a reply streams and the memory pass ends', async ({
  page,
  network,
}) => {
  test.setTimeout(240_000);
  const host = await fixtureHost();
  try {
    await page.addInitScript(() => {
      const key = 'memory-r1-web/settings';
      if (!localStorage.getItem(key)) localStorage.setItem(key, JSON.stringify({ embeddingModel: 'none' }));
    });
    await page.goto(`/?provider=cpu&model=${encodeURIComponent(host.url)}`);
    await expect(page.getByText('Using the On-device (CPU) setup from the link.')).toBeVisible();
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

    const pieces: string[] = [];
    await page.exposeFunction('recordReply', (text: string) => void pieces.push(text));
    await page.evaluate(() => {
      const seen = new Set<string>();
      const watch = () => {
        const reply = document
          .querySelector('mr-app')
          ?.shadowRoot?.querySelector('mr-chat')
          ?.shadowRoot?.querySelector('[aria-label="Assistant replied"]')?.textContent;
        if (reply && reply.trim() !== 'Thinking…' && !seen.has(reply)) {
          seen.add(reply);
          void (window as unknown as { recordReply(t: string): void }).recordReply(reply);
        }
        requestAnimationFrame(watch);
      };
      watch();
    });

    network.typed.push('My sister Ana lives in Lisbon.');
    await page.getByRole('textbox', { name: 'Message' }).fill('My sister Ana lives in Lisbon.');
    await page.getByRole('button', { name: 'Send' }).click();
    // Random weights never end a chat reply by themselves: it runs to the Answer Agent's token cap.
    await expect(page.getByRole('log', { name: 'Conversation' })).toHaveAttribute('aria-busy', 'false', {
      timeout: 150_000,
    });
    const reply = page.getByRole('article', { name: 'Assistant replied' });
    await expect(reply).not.toHaveText('');
    expect(new Set(pieces).size, 'the reply grew piece by piece').toBeGreaterThan(1);

    const turn = page.getByRole('article', { name: 'You said' });
    const passStatus = () =>
      turn.locator('mr-memory-pass').evaluate((el) => (el as { info?: { status: string } }).info?.status);
    await expect.poll(passStatus, { timeout: 60_000 }).toMatch(/^(done|failed|held)$/);
    await expect(turn.getByText('Updating memory…')).toHaveCount(0);

    expect(host.hits.some((h) => h.startsWith('GET /tiny-qwen2.gguf'))).toBe(true);
    const remote = network.requests.filter((r) => !/^(127\.0\.0\.1|localhost)$/.test(r.host));
    expect(remote, 'requests that left loopback').toEqual([]);
  } finally {
    host.server.close();
  }
});
