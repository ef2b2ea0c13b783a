import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, createServer, type ViteDevServer } from 'vite';
import { DEFAULT_ORT_FILES, ortDistDir, ortWasm } from './vite-ort-wasm';

const root = mkdtempSync(join(tmpdir(), 'ort-wasm-plugin-'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title><script type="module">1</script>');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ortWasm Vite plugin', () => {
  let server: ViteDevServer;
  let origin: string;

  beforeAll(async () => {
    server = await createServer({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [ortWasm()],
      server: { host: '127.0.0.1', port: 0 },
    });
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('dev server has no port');
    origin = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => server.close());

  it('serves the ONNX Runtime wasm and its loader from /ort/ in dev', async () => {
    const wasm = await fetch(`${origin}/ort/ort-wasm-simd-threaded.asyncify.wasm`);
    expect(wasm.status).toBe(200);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);

    const loader = await fetch(`${origin}/ort/ort-wasm-simd-threaded.asyncify.mjs`);
    expect(loader.headers.get('content-type')).toBe('text/javascript');
    expect(await loader.text()).toBe(
      readFileSync(join(ortDistDir(), 'ort-wasm-simd-threaded.asyncify.mjs'), 'utf8'),
    );
  });

  it('answers 404 for files under /ort/ it does not serve', async () => {
    expect((await fetch(`${origin}/ort/ort.webgpu.min.mjs`)).status).toBe(404);
    expect((await fetch(`${origin}/ort/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('emits the same files under ort/ in a build', async () => {
    const outDir = join(root, 'dist');
    await build({ root, configFile: false, logLevel: 'silent', plugins: [ortWasm()], build: { outDir } });
    for (const name of DEFAULT_ORT_FILES) {
      expect(statSync(join(outDir, 'ort', name)).size).toBe(statSync(join(ortDistDir(), name)).size);
    }
  });
});
