// Playwright: end-to-end tests of the built app (`vite preview` on 127.0.0.1:4173) in Debian's Chromium, against
// the OpenAI-compatible test server on 127.0.0.1:8787 (ports: e2e/ports.ts) (schema-aware default answers, so memories are remembered
// without a real LLM). The app is built once by the first webServer command; both servers are shared by all tests.
// One worker: the machine has two cores and the servers' and Chromium's work would compete.
import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './scripts/chromium';
import { APP_PORT, LLM_PORT } from './e2e/ports';

const CI = !!process.env.CI;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  fullyParallel: false,
  workers: 1,
  retries: CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: CI ? [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]] : 'list',
  use: {
    baseURL: `http://127.0.0.1:${APP_PORT}`,
    browserName: 'chromium',
    // No --enable-unsafe-webgpu: the app's e2e flows use the Local server provider, and the onboarding test checks
    // what a browser without WebGPU sees.
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs({ webgpu: false }) },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    permissions: ['clipboard-read', 'clipboard-write'],
  },
  webServer: [
    {
      command: `npx vite build --logLevel warn && npx vite preview --port ${APP_PORT} --strictPort`,
      url: `http://127.0.0.1:${APP_PORT}`,
      reuseExistingServer: !CI,
      timeout: 300_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `node --import tsx src/testing/openai-test-server.ts --port ${LLM_PORT}`,
      url: `http://127.0.0.1:${LLM_PORT}/v1/models`,
      reuseExistingServer: !CI,
      timeout: 60_000,
    },
  ],
});
