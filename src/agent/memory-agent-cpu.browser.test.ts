import { afterEach, describe, expect, it } from 'vitest';
import type { Progress } from '../core/progress';
import { deleteCachedGguf } from '../llm/gguf-cache';
import { SettingsError } from '../protocol/settings';
import { createMemoryAgent, type MemoryAgent } from './memory-agent';

// The committed random-weight GGUF (scripts/make-gguf.ts), served by the test server: the agent's memory worker runs
// llama.cpp in its nested CPU engine worker. The weights are random, so the reply is gibberish and runs to the Answer
// Agent's cap; the test checks that it streams and that the memory pass ends, never what it says or remembers.
const FIXTURE_URL = new URL('/src/llm/fixtures/tiny-qwen2.gguf', location.origin).href;

const open: MemoryAgent[] = [];

afterEach(async () => {
  for (const agent of open.splice(0)) await agent.close();
});

describe('createMemoryAgent with provider cpu', () => {
  it('streams a reply from a GGUF on the CPU, reports loading progress and ends the memory pass', async () => {
    await deleteCachedGguf(FIXTURE_URL);
    const agent = await createMemoryAgent({
      provider: { kind: 'cpu', model: FIXTURE_URL },
      storageName: `test-cpu-${crypto.randomUUID().slice(0, 8)}`,
    });
    open.push(agent);
    const loading: Progress[] = [];
    agent.addEventListener('model-loading', (event) => loading.push(event.detail));
    const tokens: string[] = [];
    const reply = await agent.send('My sister Ana lives in Lisbon.', { onToken: (t) => tokens.push(t) });
    expect(reply.text).not.toBe('');
    expect(tokens.join('')).toBe(reply.text);
    expect(loading.map((p) => p.text)).toContainEqual(expect.stringMatching(/^Downloading tiny-qwen2\.gguf/));
    expect(loading.at(-1)?.fraction).toBe(1);
    const pass = await reply.memoryPass;
    expect(['done', 'failed', 'held']).toContain(pass.status);
  }, 240_000);

  it('rejects a model that is neither a catalog id nor a GGUF URL, naming provider.model', async () => {
    for (const model of ['not-a-model', 'https://example.com/m.gguf']) {
      const started = createMemoryAgent({ provider: { kind: 'cpu', model } });
      await expect(started).rejects.toThrow(SettingsError);
      await expect(started).rejects.toMatchObject({
        code: 'settings-invalid',
        field: 'provider.model',
        message: expect.stringMatching(/^Invalid option provider\.model: /),
      });
    }
    await expect(
      createMemoryAgent({ provider: { kind: 'cpu', model: 42 as unknown as string } }),
    ).rejects.toMatchObject({ field: 'provider.model' });
  });
});
