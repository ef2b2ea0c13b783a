/**
 * The built app's security headers as `npm start` (`vite preview`) sends them: every header of SECURITY_HEADERS on
 * pages, scripts and the service worker, and the app refuses to appear in a frame of a page from another origin (a
 * page on another loopback port, as any site on the web would be), which a `<meta>` policy cannot achieve.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECURITY_HEADERS } from '../scripts/security-headers';
import { expect, test } from './fixtures';

/**
 * A page on a free loopback port (another origin than the app's) that frames `url` and, as a control, a page of its
 * own that sends no headers, so a refusal can only come from the app's headers.
 */
async function serveFramer(url: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end(
      request.url === '/control'
        ? '<!doctype html><title>Control</title><p>Framed control page</p>'
        : `<!doctype html><title>Framer</title><iframe title="app" src="${url}"></iframe>` +
            '<iframe title="control" src="/control"></iframe>',
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('sends every security header with pages, scripts and the service worker', async ({ page, request }) => {
  await page.goto('/');
  const script = await page.locator('script[type="module"]').first().getAttribute('src');
  expect(script).toBeTruthy();
  for (const path of ['/', '/some/deep/link', script ?? '', '/sw.js', '/manifest.webmanifest']) {
    const headers = (await request.get(path)).headers();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      expect(headers[name.toLowerCase()], `${name} of ${path}`).toBe(value);
    }
  }
  expect(SECURITY_HEADERS['Content-Security-Policy']).toContain("frame-ancestors 'none'");
  expect(SECURITY_HEADERS['X-Frame-Options']).toBe('DENY');
});

test('refuses to be shown in a frame of a page from another origin', async ({ page, baseURL }) => {
  const framer = await serveFramer(`${baseURL}/`);
  try {
    await page.goto(framer.origin);
    await expect(page.frameLocator('iframe[title="control"]').getByText('Framed control page')).toBeVisible();
    // Chromium replaces a frame it refuses to show with its error page.
    const appFrameUrl = async () =>
      (await (await page.locator('iframe[title="app"]').elementHandle())?.contentFrame())?.url();
    await expect.poll(appFrameUrl).toBe('chrome-error://chromewebdata/');
    await expect(
      page.frameLocator('iframe[title="app"]').getByRole('textbox', { name: 'Message' }),
    ).toHaveCount(0);
  } finally {
    framer.server.closeAllConnections();
    await new Promise((done) => framer.server.close(done));
  }
});
