// Vitest: `node` project for pure TypeScript (core, store, llm, eval, rl), `browser` project for code that needs a
// real Chromium (IndexedDB, workers, WebGPU checks). Chromium is Debian's, driven by Playwright; never downloaded.
import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './scripts/chromium.ts';
import { ortWasm } from './scripts/vite-ort-wasm.ts';
import { useLite } from './scripts/vite-use-lite.ts';

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
        optimizeDeps: { include: ['@lit/task', 'lit/directives/unsafe-html.js', 'workbox-window'] },
        test: {
          name: 'browser',
          include: ['src/**/*.browser.test.ts'],
          testTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
