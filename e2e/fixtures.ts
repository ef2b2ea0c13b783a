/**
 * Shared end-to-end fixtures: a page opened on the app with the Local server provider (via the shareable
 * `?provider=local&baseUrl=…&model=…` link), helpers for chatting and opening views, and a network guard that
 * records every request, blocks any that would leave the machine, and fails the test when a request goes to a host
 * that is neither local nor a model host, when anything the user typed appears in a request to a non-local host, or
 * when the page reports a Content-Security-Policy violation.
 */
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page, type Request } from '@playwright/test';
import { LLM_PORT } from './ports';

/** The shared test server started by playwright.config.ts. */
export const TEST_SERVER = `http://127.0.0.1:${LLM_PORT}/v1`;

/** Hosts the app may contact besides the machine itself (model downloads only). */
const MODEL_HOST = /(^|\.)(huggingface\.co|hf\.co|raw\.githubusercontent\.com)$/;
const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\])$/;

/** The app's URL configured for a local server. */
export function appUrl(baseUrl = TEST_SERVER, model = 'test-model'): string {
  return `/?provider=local&baseUrl=${encodeURIComponent(baseUrl)}&model=${encodeURIComponent(model)}`;
}

/** What the network guard saw. */
export interface NetworkLog {
  requests: { url: string; host: string; body: string }[];
  /** Texts the user typed; none may appear in a request to a non-local host. */
  typed: string[];
}

interface Fixtures {
  network: NetworkLog;
  /** A page on the app, set up for the shared test server, with the chat ready. */
  app: Page;
}

export const test = base.extend<Fixtures>({
  network: async ({ context }, use) => {
    const log: NetworkLog = { requests: [], typed: [] };
    const record = (request: Request): void => {
      const url = new URL(request.url());
      if (url.protocol === 'data:' || url.protocol === 'blob:') return;
      log.requests.push({ url: request.url(), host: url.hostname, body: request.postData() ?? '' });
    };
    context.on('request', record);
    // Nothing may actually leave the machine during tests: requests to model hosts are answered with an error.
    await context.route(
      (url) => !LOCAL_HOST.test(url.hostname) && (url.protocol === 'http:' || url.protocol === 'https:'),
      (route) => route.abort('blockedbyclient'),
    );
    await use(log);
    for (const r of log.requests) {
      if (LOCAL_HOST.test(r.host)) continue;
      expect(
        MODEL_HOST.test(r.host),
        `request to a host that is neither local nor a model host: ${r.url}`,
      ).toBe(true);
      for (const text of log.typed) {
        expect(`${r.url}\n${r.body}`, `user text sent to ${r.host}`).not.toContain(text);
      }
    }
  },
  app: async ({ page, network }, use) => {
    void network;
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) refused.push(message.text());
    });
    await page.goto(appUrl());
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
    await use(page);
    expect(refused, 'Content-Security-Policy violations').toEqual([]);
  },
});

export { expect };

/** Waits until the app's service worker is installed, then reloads so that it controls the page. */
export async function controlledByServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

/** Types `text` into the message box, sends it and waits until the reply has finished streaming. */
export async function send(page: Page, network: NetworkLog, text: string): Promise<void> {
  network.typed.push(text);
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('log', { name: 'Conversation' })).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
}

/** Opens the memory inspector and returns its region. */
export async function openMemories(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Memories' }).click();
  const region = page.getByRole('region', { name: 'Memories' });
  await expect(region).toBeVisible();
  return region;
}

/** Opens Settings. */
export async function openSettings(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Settings', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
}

/** Fails when axe-core finds WCAG 2.1 A/AA violations on the page as it is now, naming `view` and each violation. */
export async function checkA11y(page: Page, view: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(summary, `axe violations in ${view}`).toEqual([]);
}

/** Saves a screenshot under test-results/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: false });
}
