/**
 * Updating the installed app: two builds that differ in the version Settings shows are served in turn from one
 * origin (see deployments.ts). The first one's service worker controls the page and the user has a conversation
 * and a memory; once the second is published and the browser checks for an update, the app offers it, and
 * "Reload to update" lets the new worker take over and reloads into the new version with the user's data intact.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, serveDeployments, type Deployments } from './deployments';
import {
  test as base,
  controlledByServiceWorker,
  expect,
  openMemories,
  openSettings,
  send,
} from './fixtures';

const OLD_VERSION = '1.0.0-update-test';
const NEW_VERSION = '2.0.0-update-test';

interface Versions {
  server: Deployments;
  /** The folder of the new version, published by the test. */
  next: string;
  /** Script paths (`/assets/…`) only the old version has, and those only the new one has. */
  oldOnly: string[];
  newOnly: string[];
}

/** The script paths in `a`'s assets folder that `b`'s lacks. */
async function scriptsOnlyIn(a: string, b: string): Promise<string[]> {
  const others = new Set(await readdir(join(b, 'assets')));
  return (await readdir(join(a, 'assets')))
    .filter((f) => f.endsWith('.js') && !others.has(f))
    .map((f) => `/assets/${f}`);
}

const test = base.extend<object, { versions: Versions }>({
  versions: [
    // eslint-disable-next-line no-empty-pattern -- Playwright requires the fixtures argument to be destructured
    async ({}, use) => {
      const dir = await mkdtemp(join(tmpdir(), 'memory-r1-update-'));
      try {
        const [old, next] = [join(dir, 'v1'), join(dir, 'v2')];
        await buildApp(old, OLD_VERSION);
        await buildApp(next, NEW_VERSION);
        const server = await serveDeployments(old);
        try {
          await use({
            server,
            next,
            oldOnly: await scriptsOnlyIn(old, next),
            newOnly: await scriptsOnlyIn(next, old),
          });
        } finally {
          await server.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 240_000 },
  ],
  baseURL: async ({ versions }, use) => use(versions.server.origin),
});

test('offers a new version, applies it on request and keeps conversations and memories', async ({
  app,
  network,
  versions,
}) => {
  test.setTimeout(120_000);
  const update = app.getByRole('button', { name: 'Reload to update' });
  await controlledByServiceWorker(app);
  await send(app, network, 'My grandmother grew up in Oaxaca.');
  await expect(app.getByText('Remembered')).toBeVisible();
  await openSettings(app);
  await expect(app.getByText(`Memory-R1 version ${OLD_VERSION}`)).toBeVisible();
  await expect(update).toHaveCount(0);

  expect(versions.newOnly.length, 'the new build has scripts of its own').toBeGreaterThan(0);
  versions.server.publish(versions.next);
  // Opening the app again is when the browser looks for a new service worker (the app does not poll).
  await app.reload();
  await expect(
    app.getByRole('status').filter({ hasText: 'A new version of Memory-R1 is ready.' }),
  ).toBeVisible();
  await update.click();

  await expect(app.getByText(`Memory-R1 version ${NEW_VERSION}`)).toBeVisible();
  await expect(update).toHaveCount(0);
  // The new worker controls the page: it has activated, so its precache holds the new scripts and no old ones.
  await expect
    .poll(() =>
      app.evaluate(
        async ({ oldOnly, newOnly }) => {
          const registration = await navigator.serviceWorker.getRegistration();
          const name = (await caches.keys()).find((n) => n.startsWith('workbox-precache'));
          const cached = name
            ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname)
            : [];
          return {
            controlled: navigator.serviceWorker.controller !== null,
            waiting: registration?.waiting !== null,
            newCached: newOnly.every((p) => cached.includes(p)),
            oldCached: oldOnly.filter((p) => cached.includes(p)),
          };
        },
        { oldOnly: versions.oldOnly, newOnly: versions.newOnly },
      ),
    )
    .toEqual({ controlled: true, waiting: false, newCached: true, oldCached: [] });

  const sidebar = app.getByRole('complementary', { name: 'Conversations' });
  await sidebar.getByRole('button', { name: 'My grandmother grew up in Oaxaca.', exact: true }).click();
  await expect(app.getByRole('article', { name: 'You said' })).toContainText(
    'My grandmother grew up in Oaxaca.',
  );
  const memories = await openMemories(app);
  await expect(memories.getByRole('listitem')).toContainText('grew up in Oaxaca');
});
