import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_FACTS } from '../core/schemas';
import type { ChatModel } from '../core/types';
import { CpuEngineClient } from './cpu-engine-client';
import type { Progress } from '../core/progress';
import { createCpuRoleModels, type CpuRoleModels } from './cpu-models';
import { deleteCachedGguf } from './gguf-cache';

// This project's pages are served with COOP `same-origin` + COEP `require-corp` (see vitest.config.ts), as the app
// must be for threads. The model comes from the other loopback name (localhost ↔ 127.0.0.1), a different origin:
// under COEP a plain CORS download still works, and the server exposes neither Content-Range nor ETag to it.
const here = new URL(location.href);
here.hostname = here.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
const CROSS_ORIGIN_FIXTURE = new URL('/src/llm/fixtures/tiny-qwen2.gguf', here).href;

describe('the CPU engine on a cross-origin isolated page', () => {
  let worker: Worker;
  let roles: CpuRoleModels;
  let model: ChatModel;
  const loading: Progress[] = [];

  beforeAll(async () => {
    expect(crossOriginIsolated).toBe(true);
    await deleteCachedGguf(CROSS_ORIGIN_FIXTURE);
    worker = new Worker(new URL('../workers/cpu-engine.worker.ts', import.meta.url), { type: 'module' });
    roles = await createCpuRoleModels(
      new CpuEngineClient(worker),
      { chat: { url: CROSS_ORIGIN_FIXTURE }, threads: 2 },
      { onLoading: (p) => loading.push(p) },
    );
    model = roles.manager;
  }, 120_000);
  afterAll(() => worker?.terminate());

  it('downloads the model cross-origin and runs llama.cpp on two threads, with no single-thread notice', () => {
    const threads = Math.min(2, navigator.hardwareConcurrency);
    expect([roles.threads, roles.multiThread]).toEqual([threads, threads > 1]);
    expect(loading.some((p) => p.notice)).toBe(false);
    expect(loading.at(-1)?.text).toBe('Ready: tiny-qwen2');
  });

  it('streams a reply and returns constrained JSON with threads', async () => {
    let pieces = 0;
    for await (const d of model.stream({ messages: [{ role: 'user', content: 'Hello!' }], maxTokens: 12 })) {
      if (d.text) pieces++;
    }
    expect(pieces).toBeGreaterThan(1);
    const reply = await model.complete({
      messages: [{ role: 'user', content: 'Remember: I like green tea.' }],
      schema: { name: MEMORY_FACTS.name, schema: MEMORY_FACTS.jsonSchema },
      maxTokens: 512,
      temperature: 0,
    });
    expect(reply.finishReason).toBe('stop');
    expect(MEMORY_FACTS.validator.safeParse(JSON.parse(reply.text)).success).toBe(true);
  }, 120_000);
});
