// Vitest: `node` project for pure TypeScript (core, store, llm, eval, rl), `browser` project for code that needs a
// real Chromium (IndexedDB, workers, WebGPU checks), and `browser-isolated` for the few tests that need a
// cross-origin isolated page (SharedArrayBuffer: the CPU engine's threads), served with COOP/COEP headers.
// Chromium is Debian's, driven by Playwright; never downloaded.
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './scripts/chromium.ts';
import { ortWasm } from './scripts/vite-ort-wasm.ts';
import { useLite } from './scripts/vite-use-lite.ts';

/** The Chromium every browser project runs in (a fresh provider per project). */
const chromium = () => ({
  enabled: true,
  headless: true,
  provider: playwright({
    launchOptions: { executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) },
  }),
  instances: [{ browser: 'chromium' as const }],
});

const ISOLATED_TESTS = 'src/**/*.isolated.browser.test.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'src/**/*.test.ts',
            'bench/**/*.test.ts',
            'scripts/**/*.test.ts',
            'eslint-rules/**/*.test.ts',
          ],
          exclude: ['src/**/*.browser.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        // ONNX Runtime's wasm under /ort/ and USE lite under /use-lite/, same-origin for the embedder tests (as the app
        // serves them).
        plugins: [ortWasm(), useLite()],
        // Pre-bundled up front: discovering them mid-run makes Vite reload the page under a running test.
        optimizeDeps: {
          include: ['@lit/task', 'lit/directives/unsafe-html.js', 'workbox-window', '@wllama/wllama'],
        },
        test: {
          name: 'browser',
          include: ['src/**/*.browser.test.ts'],
          exclude: [ISOLATED_TESTS, 'node_modules/**'],
          testTimeout: 60_000,
          browser: chromium(),
        },
      },
      {
        server: {
          headers: {
            'Cross-Origin-Opener-Policy': 'same-origin',
            'Cross-Origin-Embedder-Policy': 'require-corp',
          },
        },
        optimizeDeps: { include: ['@wllama/wllama', 'zod', 'stemmer'] },
        test: {
          name: 'browser-isolated',
          include: [ISOLATED_TESTS],
          testTimeout: 60_000,
          browser: chromium(),
        },
      },
    ],
  },
});
