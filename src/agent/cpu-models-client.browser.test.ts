// The page's CPU model client against the real CPU engine worker (src/workers/cpu-engine.worker.ts) on the committed
// random-weight fixture served by the test server: a download with progress, the cache listing the model with its
// size and architecture next to the catalog, deletion, and the typed errors a bad URL gets before and across the
// worker. The page itself opens no cache: the worker answers every call.
import { afterAll, describe, expect, it } from 'vitest';
import type { Progress } from '../core/progress';
import { CPU_CATALOG } from '../protocol/cpu-catalog';
import { CpuModelClient } from './cpu-models-client';

const FIXTURE_URL = new URL('/src/llm/fixtures/tiny-qwen2.gguf?client-test', location.origin).href;

describe('CpuModelClient over the CPU engine worker', () => {
  const client = new CpuModelClient();
  afterAll(() => client.remove(FIXTURE_URL));

  it('downloads a GGUF with progress, lists it with its size beside the catalog, and deletes it', async () => {
    await client.remove(FIXTURE_URL);
    const progress: Progress[] = [];
    await client.download(FIXTURE_URL, { onProgress: (p) => progress.push(p) });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)?.fraction).toBe(1);

    const items = await client.models();
    expect(items.slice(0, CPU_CATALOG.length).map((m) => m.choice)).toEqual(CPU_CATALOG.map((e) => e.id));
    expect(items.find((m) => m.catalog)).toMatchObject({
      sizeMB: expect.any(Number),
      ramMB: expect.any(Number),
    });
    const custom = items.find((m) => m.url === FIXTURE_URL);
    expect(custom).toMatchObject({
      choice: FIXTURE_URL,
      label: 'tiny-qwen2',
      catalog: false,
      availableOffline: true,
      architecture: 'qwen2',
    });
    expect(custom?.cachedBytes).toBeGreaterThan(100_000);

    await client.remove(FIXTURE_URL);
    expect((await client.models()).some((m) => m.url === FIXTURE_URL)).toBe(false);
  });

  it('refuses a file that is not a GGUF with the engine error, and a host the app may not use before asking', async () => {
    await expect(client.download(new URL('/package.json', location.origin).href)).rejects.toMatchObject({
      name: 'NotGgufError',
      message: expect.stringContaining('not a GGUF model'),
    });
    await expect(client.download('https://example.com/model.gguf')).rejects.toThrow(
      /Hugging Face or this machine/,
    );
  });

  it('says how many threads the engine gets on this page', () => {
    // This test page is not cross-origin isolated: one thread, and why.
    expect(client.threading()).toMatchObject({ threads: 1, multiThread: false });
    expect(client.threading().notice).toMatch(/Cross-Origin-Opener-Policy/);
  });
});
