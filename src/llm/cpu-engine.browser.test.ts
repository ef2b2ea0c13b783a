import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRpc } from '../core/rpc';
import { MemoryManager } from '../core/memory-manager';
import { MEMORY_FACTS, MEMORY_OPERATIONS } from '../core/schemas';
import type { CallOptions, ChatModel, ChatRequest, ChatResult } from '../core/types';
import { InMemoryStore } from '../store/in-memory-store';
import { CpuEngineClient } from './cpu-engine-client';
import type { CpuEngineRpc } from '../core/cpu-engine-protocol';
import type { Progress } from '../core/progress';
import { createCpuEngineService } from './cpu-engine-service';
import { createCpuRoleModels } from './cpu-models';
import { fakeModelHost } from './fixtures/gguf-server';
import { CacheApiGgufStore, cachedGgufStatus, deleteCachedGguf } from './gguf-cache';
import { WllamaChatModel } from './wllama-chat-model';

// The committed random-weight GGUF (scripts/make-gguf.ts), served by the test server, through the real engine:
// our worker (src/workers/cpu-engine.worker.ts) running llama.cpp in wllama's own worker. The page is not
// cross-origin isolated here, so it runs on one thread (cpu-engine.isolated.browser.test.ts covers threads).
const FIXTURE_URL = new URL('/src/llm/fixtures/tiny-qwen2.gguf', location.origin).href;

/** Records every completion a model produced, passing calls through. */
class Recorder implements ChatModel {
  readonly calls: { request: ChatRequest; result: ChatResult }[] = [];
  constructor(private readonly inner: ChatModel) {}
  get id(): string {
    return this.inner.id;
  }
  get contextWindow(): number | undefined {
    return this.inner.contextWindow;
  }
  countTokens = (text: string): number | Promise<number> => this.inner.countTokens?.(text) ?? 0;
  async complete(request: ChatRequest, opts?: CallOptions): Promise<ChatResult> {
    const result = await this.inner.complete(request, opts);
    this.calls.push({ request, result });
    return result;
  }
  stream(request: ChatRequest, opts?: CallOptions) {
    return this.inner.stream(request, opts);
  }
}

/** The engine service running in this page over a MessageChannel, with its own cache and a fetch tests control. */
function inPageEngine(opts: Parameters<typeof createCpuEngineService>[0]) {
  const channel = new MessageChannel();
  serveRpc<CpuEngineRpc>(channel.port1, createCpuEngineService(opts).handlers);
  channel.port1.start();
  channel.port2.start();
  return new CpuEngineClient(channel.port2);
}

async function fixtureBytes(): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(FIXTURE_URL)).arrayBuffer());
}

describe('the CPU engine worker on the tiny random-weight fixture', () => {
  let worker: Worker;
  let engine: CpuEngineClient;
  let model: ChatModel;
  const loading: Progress[] = [];

  beforeAll(async () => {
    await deleteCachedGguf(FIXTURE_URL);
    worker = new Worker(new URL('../workers/cpu-engine.worker.ts', import.meta.url), { type: 'module' });
    engine = new CpuEngineClient(worker);
    const roles = await createCpuRoleModels(
      engine,
      { chat: { url: FIXTURE_URL } },
      { onLoading: (p) => loading.push(p) },
    );
    expect(roles.answer).toBe(roles.manager);
    expect([roles.threads, roles.multiThread]).toEqual([1, false]);
    model = roles.manager;
  }, 120_000);
  afterAll(() => worker?.terminate());

  it('downloads into the cache with progress and says once that it runs on one thread', async () => {
    expect(loading.map((p) => p.text)).toContainEqual(
      expect.stringMatching(/^Downloading tiny-qwen2\.gguf: 119 KB of 119 KB/),
    );
    expect(loading.at(-1)).toMatchObject({ fraction: 1, text: 'Ready: tiny-qwen2' });
    expect(loading.filter((p) => p.notice).map((p) => p.notice)).toEqual([
      expect.stringMatching(/not cross-origin isolated.*one thread/),
    ]);
    expect(await cachedGgufStatus(FIXTURE_URL)).toMatchObject({
      availableOffline: true,
      architecture: 'qwen2',
    });
    const again: Progress[] = [];
    await engine.load({ models: [{ url: FIXTURE_URL }] }, { onProgress: (p) => again.push(p) });
    expect(again.some((p) => p.notice)).toBe(false);
    expect(again.some((p) => p.phase === 'download')).toBe(false);
  });

  it('streams a reply piece by piece until the token limit', async () => {
    const pieces: string[] = [];
    let end;
    for await (const delta of model.stream({
      messages: [{ role: 'user', content: 'Hello!' }],
      maxTokens: 16,
      temperature: 0,
    })) {
      if (delta.text) pieces.push(delta.text);
      if (delta.finishReason) end = delta;
    }
    expect(pieces.length).toBeGreaterThan(1);
    expect(end).toMatchObject({ finishReason: 'length', usage: { completionTokens: 16 } });
  });

  it('applies the chat template from the GGUF and counts tokens as llama.cpp does', async () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: "What's 12 + 30? Answer in one word, s'il vous plaît." },
    ];
    const { usage } = await model.complete({ messages, maxTokens: 1, temperature: 0 });
    // ChatML, as the fixture's tokenizer.chat_template renders it.
    const prompt = `${messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('')}<|im_start|>assistant\n`;
    expect(usage?.promptTokens).toBe(await model.countTokens?.(prompt));
  });

  it('runs a full memory pass whose two structured calls return schema-valid JSON by constrained decoding', async () => {
    // Greedy decoding on random weights often finds no fact at all (then no decision call is made), so this takes
    // the first of a few turns whose extraction yields facts, checking every structured reply on the way.
    const turns = [
      'I like green tea.',
      'We are planning a trip to Japan in April.',
      'My dog Max is 3 years old.',
    ];
    let decided = false;
    for (const [i, text] of turns.entries()) {
      const recorder = new Recorder(model);
      const manager = new MemoryManager({ model: recorder, store: new InMemoryStore() });
      const result = await manager.processTurn({
        conversationId: 'c1',
        turnId: `t${i}`,
        speaker: 'User',
        text,
        time: Date.UTC(2024, 4, 8),
      });
      for (const { request, result: reply } of recorder.calls) {
        const spec = request.schema?.name === MEMORY_FACTS.name ? MEMORY_FACTS : MEMORY_OPERATIONS;
        expect(reply.finishReason, reply.text).toBe('stop');
        expect(spec.validator.safeParse(JSON.parse(reply.text)).success, reply.text).toBe(true);
      }
      const names = recorder.calls.map((c) => c.request.schema?.name);
      if (names.includes(MEMORY_OPERATIONS.name)) {
        expect(names).toEqual([MEMORY_FACTS.name, MEMORY_OPERATIONS.name]);
        expect(result.status).toBe('applied');
        expect(result.facts.length).toBeGreaterThan(0);
        decided = true;
        break;
      }
    }
    expect(decided).toBe(true);
  }, 180_000);

  it('stops generating when aborted mid-stream, leaving the engine free for the next request', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const d of model.stream(
        { messages: [{ role: 'user', content: 'Tell me a story.' }], maxTokens: 2000, temperature: 0 },
        { signal: controller.signal },
      )) {
        if (d.text) seen.push(d.text);
        if (seen.length === 3) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(3);
    const next = await model.complete({
      messages: [{ role: 'user', content: 'Hi' }],
      maxTokens: 4,
      temperature: 0,
    });
    expect(next).toMatchObject({ finishReason: 'length', usage: { completionTokens: 4 } });
  });

  it('cancels the request when the reader stops early', async () => {
    for await (const d of model.stream({ messages: [{ role: 'user', content: 'Go on.' }], maxTokens: 2000 }))
      if (d.text) break;
    const next = await model.complete({
      messages: [{ role: 'user', content: 'Hi' }],
      maxTokens: 4,
      temperature: 0,
    });
    expect(next.usage?.completionTokens).toBe(4);
  });

  it('reports a URL that is not a GGUF with a typed error across the worker boundary', async () => {
    const err = await engine
      .load({ models: [{ url: new URL('/index.html', location.origin).href }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NotGgufError', code: 'model-not-gguf' });
    expect((err as Error).message).toMatch(/web page \(HTML\)/);
  });
});

describe('the CPU engine cache', () => {
  const CACHE = 'gguf-models-test';
  const store = new CacheApiGgufStore(CACHE);
  const URL_ = 'https://models.test/org/repo/resolve/main/tiny-qwen2.gguf';
  afterAll(() => caches.delete(CACHE));

  it('resumes an interrupted download, then loads from the cache with the network blocked', async () => {
    const host = fakeModelHost({ [URL_]: await fixtureBytes() });
    host.behaviour.cutAfter = 40_000;
    const engine = inPageEngine({ store, fetch: host.fetch, partBytes: 16 * 1024 });
    const err = await engine.load({ models: [{ url: URL_ }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ModelDownloadError', message: expect.stringMatching(/resumes/) });
    expect(await cachedGgufStatus(URL_, store)).toMatchObject({
      cachedBytes: 32 * 1024,
      availableOffline: false,
    });

    await engine.load({ models: [{ url: URL_ }] });
    expect(host.requests.at(-1)).toEqual({ url: URL_, range: 'bytes=32768-', ifRange: '"v1"' });
    await engine.unload();

    host.behaviour.offline = true;
    const offline = inPageEngine({ store, fetch: host.fetch, online: () => false });
    const before = host.requests.length;
    const loaded = await offline.load({ models: [{ url: URL_, id: 'offline-copy' }] });
    expect(host.requests.length).toBe(before);
    const model = new WllamaChatModel({ engine: offline, model: loaded.models[0]! });
    expect(model.id).toBe('offline-copy');
    expect(
      (await model.complete({ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 3 })).usage
        ?.completionTokens,
    ).toBe(3);
    await offline.unload();
  }, 120_000);

  it('refuses a model too large for memory before downloading it', async () => {
    const host = fakeModelHost({ [URL_]: await fixtureBytes() }, { reportTotal: 6 * 1024 ** 3 });
    await deleteCachedGguf(URL_, store);
    const engine = inPageEngine({ store, fetch: host.fetch });
    const err = await engine.load({ models: [{ url: URL_ }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ModelTooLargeError', code: 'model-too-large' });
    expect((err as Error).message).toMatch(
      /tiny-qwen2 need about 6\.\d GB of memory, more than the in-browser CPU engine can address/,
    );
    expect(host.requests.map((r) => r.range)).toEqual(['bytes=0-262143']);
  });
});
