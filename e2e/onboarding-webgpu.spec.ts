/**
 * First run with WebGPU (Chromium's software adapter): the capability check passes, a model is recommended for the
 * device, and a download that cannot reach the model host fails with a message saying what to do, nothing lost.
 */
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import { expect, screenshot, test } from './fixtures';

test.use({ launchOptions: { executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) } });

test('recommends a model for this GPU and reports a failed download clearly', async ({ page, network }) => {
  void network;
  await page.goto('/');
  const ok = page.getByRole('heading', { name: 'Your device can run models on the GPU' });
  const unsupported = page.getByRole('heading', { name: 'This browser cannot run models on the GPU' });
  await expect(ok.or(unsupported)).toBeVisible({ timeout: 30_000 });
  test.skip(
    await unsupported.isVisible(),
    'No WebGPU adapter in this environment, even with the software flags.',
  );
  await expect(page.getByText(/Recommended model: .*-MLC/)).toBeVisible();
  await page.getByRole('button', { name: 'Download and continue' }).click();
  await expect(page.getByRole('alert')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Download and continue' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Use a local server' })).toBeVisible();
  await screenshot(page, 'onboarding-webgpu-desktop-light');
});
