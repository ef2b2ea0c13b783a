/** Model manager: adding a custom model by URL (field errors inline), choosing it for a role, removing it. */
import { expect, openSettings, test } from './fixtures';

const ID = 'Memory-R1-Test-3B-q4f32_1-MLC';

test('adds a custom model by URL, offers it for a role and removes it', async ({ app }) => {
  await app.evaluate(() => (location.hash = '#/models'));
  await expect(app.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
  const form = app.getByRole('region', { name: 'Add custom model' });
  const modelUrl = form.getByRole('textbox', { name: 'Model URL' });

  await form.getByRole('textbox', { name: 'Model ID' }).fill(ID);
  await modelUrl.fill('http://example.org/memory-r1');
  await form.getByRole('textbox', { name: 'Model library URL' }).fill('https://huggingface.co/me/lib.js');
  await form.getByRole('button', { name: 'Add model' }).click();
  await expect(modelUrl).toHaveAttribute('aria-invalid', 'true');
  await expect(modelUrl).toHaveAccessibleDescription(/Model URL must be an https:\/\/ URL/);
  await expect(modelUrl).toBeFocused();
  await expect(form.getByRole('textbox', { name: 'Model library URL' })).toHaveAccessibleDescription(
    /\.wasm/,
  );
  const catalog = app.getByRole('list', { name: 'Model catalog' });
  await expect(catalog.getByRole('listitem').filter({ hasText: ID })).toHaveCount(0);

  await modelUrl.fill('https://huggingface.co/me/memory-r1-test-MLC');
  await form
    .getByRole('textbox', { name: 'Model library URL' })
    .fill('https://huggingface.co/me/libs/resolve/main/Qwen2.5-3B-Instruct-q4f32_1-webgpu.wasm');
  await form.getByRole('textbox', { name: 'Context window (optional)' }).fill('4096');
  await form.getByRole('button', { name: 'Add model' }).click();
  await expect(form.getByRole('status')).toContainText(`Added ${ID}`);
  await expect(modelUrl).toHaveAttribute('aria-invalid', 'false');
  const item = catalog.getByRole('listitem').filter({ hasText: ID });
  await expect(item).toContainText('custom');

  await openSettings(app);
  await app.getByRole('combobox', { name: 'Provider' }).selectOption('on-device');
  await expect(app.locator(`#role-models option[value="${ID}"]`)).toHaveCount(1);
  await app.getByRole('combobox', { name: 'Memory Manager model' }).fill(ID);
  await expect(app.getByRole('combobox', { name: 'Memory Manager model' })).toHaveValue(ID);

  await app.evaluate(() => (location.hash = '#/models'));
  await app.getByRole('button', { name: `Remove custom model ${ID}` }).click();
  await expect(app.getByText(`Removed ${ID}.`)).toBeVisible();
  await expect(catalog.getByRole('listitem').filter({ hasText: ID })).toHaveCount(0);
});
