import { describe, expect, it } from 'vitest';
import { build, type Plugin, type Rolldown } from 'vite';

// Everything the page needs to drive the on-device model. If any of it imported a value from '@mlc-ai/web-llm', the
// bundle would hold WebLLM's whole runtime (one 6 MB module), which belongs in the engine worker only. String
// literals found only in that runtime tell whether it was bundled. (`catalog.ts` reads WebLLM's prebuilt config, so
// it does pull the runtime in: the page loads it with a dynamic import, or asks the worker.)
const PAGE_MODULES = [
  './engine-client',
  './webllm-chat-model',
  './webllm-loader',
  './model-download',
  './capabilities',
  './custom-model',
  './errors',
  './gguf-cache',
];

const entry: Plugin = {
  name: 'llm-page-entry',
  resolveId: (id) => (id === 'virtual:llm-page' ? '\0llm-page' : undefined),
  load: (id) =>
    id === '\0llm-page'
      ? PAGE_MODULES.map(
          (m) => `export * from ${JSON.stringify(new URL(`${m}.ts`, import.meta.url).pathname)};`,
        ).join('\n')
      : undefined,
};

describe('the page-side LLM modules', () => {
  it('bundle without the WebLLM engine', async () => {
    const result = (await build({
      configFile: false,
      publicDir: false,
      logLevel: 'silent',
      plugins: [entry],
      build: {
        write: false,
        minify: true,
        rollupOptions: { input: 'virtual:llm-page', preserveEntrySignatures: 'strict' },
      },
    })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
    const outputs = Array.isArray(result) ? result : [result];
    const code = outputs
      .flatMap((o) => o.output)
      .map((chunk) => (chunk.type === 'chunk' ? chunk.code : ''))
      .join('\n');
    expect(code).toContain('chatCompletionStreamInit');
    // WebLLM's runtime, and wllama's (the CPU engine worker's): the page lists and deletes cached GGUFs only.
    for (const engineOnly of [
      'Start to fetch params',
      'Finish loading on ',
      'tvmjs_runtime.wasm',
      'wllama_action',
    ]) {
      expect(code).not.toContain(engineOnly);
    }
    console.info(`[page-bundle] page-side LLM code: ${(code.length / 1024).toFixed(0)} KiB minified`);
    expect(code.length).toBeLessThan(512 * 1024);
  });
});
