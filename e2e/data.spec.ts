/** Settings: export, clear all (with confirmation) and import memories; a shared link's settings are validated. */
import { readFile } from 'node:fs/promises';
import { expect, openMemories, openSettings, send, test, TEST_SERVER } from './fixtures';

test('exports memories, clears all data, imports them back and finds everything again', async ({
  app,
  network,
}) => {
  await send(app, network, 'My brother Tom plays the cello.');
  await expect(app.getByText('Remembered')).toBeVisible();
  await openSettings(app);

  const downloading = app.waitForEvent('download');
  await app.getByRole('button', { name: 'Export memories' }).click();
  const download = await downloading;
  const file = await download.path();
  const exported = JSON.parse(await readFile(file, 'utf8')) as {
    format: string;
    memories: { text: string }[];
  };
  expect(exported.format).toBe('memory-r1-web/memories');
  expect(exported.memories.map((m) => m.text).join()).toContain('Tom plays the cello');

  await app.getByRole('button', { name: 'Clear all data' }).click();
  const dialog = app.getByRole('dialog', { name: 'Delete everything?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete everything' }).click();
  await expect(app.getByText('All data deleted.')).toBeVisible();
  let memories = await openMemories(app);
  await expect(memories.getByRole('listitem')).toHaveCount(0);
  await expect(app.getByRole('complementary', { name: 'Conversations' }).getByRole('listitem')).toHaveCount(
    0,
  );

  await openSettings(app);
  const choosing = app.waitForEvent('filechooser');
  await app.getByRole('button', { name: 'Import memories' }).click();
  await (await choosing).setFiles(file);
  await expect(app.getByText(/Imported 1 memor/)).toBeVisible();
  memories = await openMemories(app);
  await expect(memories.getByRole('listitem')).toHaveCount(1);
  await expect(memories.getByRole('listitem')).toContainText('Tom plays the cello');
});

test('rejects an import that is not an export, changing nothing', async ({ app, network }) => {
  await send(app, network, 'I was born in Madrid.');
  await expect(app.getByText('Remembered')).toBeVisible();
  await openSettings(app);
  const choosing = app.waitForEvent('filechooser');
  await app.getByRole('button', { name: 'Import memories' }).click();
  await (
    await choosing
  ).setFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await expect(app.getByText(/Import failed, nothing was changed/)).toBeVisible();
  const memories = await openMemories(app);
  await expect(memories.getByRole('listitem')).toHaveCount(1);
});

test('switches provider in Settings and validates the server URL', async ({ app }) => {
  await openSettings(app);
  const provider = app.getByLabel('Provider');
  await expect(provider).toHaveValue('local');
  await expect(app.getByRole('textbox', { name: 'Server URL' })).toHaveValue(TEST_SERVER);
  await expect(app.getByRole('textbox', { name: 'Model' })).toHaveValue('test-model');
  await app.getByRole('textbox', { name: 'Server URL' }).fill('https://api.example.com/v1');
  await app.getByRole('button', { name: 'Save' }).click();
  await expect(app.getByText(/is not this machine/)).toBeVisible();
  await expect(app.getByRole('textbox', { name: 'Server URL' })).toBeFocused();
  await provider.selectOption('On-device');
  await expect(app.getByRole('textbox', { name: 'Server URL' })).toHaveCount(0);
  await provider.selectOption('Local server');
  await expect(app.getByRole('textbox', { name: 'Server URL' })).toBeVisible();
});

test('does not apply a shared link that points at a remote server', async ({ page }) => {
  await page.goto('/?provider=local&baseUrl=https%3A%2F%2Fevil.example.com%2Fv1&model=m');
  await expect(
    page.getByRole('alert').filter({ hasText: "The link's settings were not applied" }),
  ).toBeVisible();
  expect(new URL(page.url()).search).toBe('');
});
