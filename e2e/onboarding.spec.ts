/** First run without WebGPU: onboarding explains and sets up the Local server provider instead. */
import { TEST_SERVER, expect, send, test } from './fixtures';

test('explains a missing WebGPU and offers a local server, then chats through it', async ({
  page,
  network,
}) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Welcome to Memory-R1' })).toBeVisible();
  const problem = page.getByRole('alert');
  await expect(problem).toContainText('cannot run models on the GPU');
  await expect(problem).toContainText(/WebGPU|GPU adapter/);
  await page.getByRole('button', { name: 'Use a local server' }).first().click();
  await expect(page.getByRole('textbox', { name: 'Server URL' })).toBeFocused();

  await page.getByRole('textbox', { name: 'Model' }).fill('');
  await page.getByRole('button', { name: 'Use this server' }).click();
  await expect(page.getByText(/Enter a model name/)).toBeVisible();

  await page.getByRole('textbox', { name: 'Server URL' }).fill(TEST_SERVER);
  await page.getByRole('textbox', { name: 'Model' }).fill('test-model');
  await page.getByRole('button', { name: 'Use this server' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await send(page, network, 'My favourite season is autumn.');
  await expect(page.getByText('Remembered')).toBeVisible();

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Welcome to Memory-R1' })).toHaveCount(0);
});
