/** The installed app shell: a service worker precaches it, so a reload without network still works. */
import { controlledByServiceWorker, expect, openMemories, send, test } from './fixtures';

test('reloads offline with conversations and memories intact', async ({ app, network, context }) => {
  await controlledByServiceWorker(app);
  await send(app, network, 'My grandmother grew up in Oaxaca.');
  await expect(app.getByText('Remembered')).toBeVisible();

  await context.setOffline(true);
  try {
    await app.reload();
    await expect(app.getByRole('textbox', { name: 'Message' })).toBeEditable();
    await expect(app.getByRole('article', { name: 'You said' })).toContainText('Oaxaca');
    const memories = await openMemories(app);
    await expect(memories.getByRole('listitem')).toContainText('grew up in Oaxaca');
  } finally {
    await context.setOffline(false);
  }
});

test('serves a web app manifest with installable icons', async ({ request }) => {
  const manifest = (await (await request.get('/manifest.webmanifest')).json()) as {
    name: string;
    display: string;
    icons: { src: string; sizes: string; purpose?: string }[];
  };
  expect(manifest.display).toBe('standalone');
  expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons) expect((await request.get(`/${icon.src}`)).ok()).toBe(true);
  const sw = await (await request.get('/sw.js')).text();
  expect(sw).toContain('ort/ort-wasm-simd-threaded.asyncify.wasm');
});
