import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  WebWorkerMLCEngineHandler,
  type ChatCompletionChunk,
  type ChatCompletionRequestStreaming,
  type InitProgressReport,
  type MLCEngine,
} from '@mlc-ai/web-llm';
import { isAbortError } from '../core/errors';
import { EngineClient, type WorkerLike } from './engine-client';
import { WebLlmChatModel } from './webllm-chat-model';
import { deleteCachedModel, loadModels } from './webllm-loader';
import { mirrorFetch, tinyAppConfig, tinyRecord } from './fixtures/tiny-model';
import { ModelNotLoadedError } from './errors';

/** The engine calls WebLLM's handler makes, scripted: streams `pieces`, honours interrupts, records requests. */
class ScriptedEngine {
  requests: ChatCompletionRequestStreaming[] = [];
  reloads: string[][] = [];
  interrupts = 0;
  unloads = 0;
  onReload?: () => void;
  /** When set, reload waits until unload, then resolves quietly, as WebLLM's reload does when unloaded midway. */
  hangReload = false;
  private releaseReload?: () => void;
  private interrupted = false;
  constructor(private readonly pieces: string[]) {}
  async reload(ids: string[]): Promise<void> {
    this.reloads.push(ids);
    this.onReload?.();
    if (this.hangReload) await new Promise<void>((resolve) => (this.releaseReload = resolve));
  }
  async unload(): Promise<void> {
    this.unloads++;
    this.releaseReload?.();
  }
  setAppConfig(): void {}
  interruptGenerate(): void {
    this.interrupts++;
    this.interrupted = true;
  }
  async chatCompletion(request: ChatCompletionRequestStreaming): Promise<AsyncIterable<ChatCompletionChunk>> {
    this.requests.push(request);
    this.interrupted = false;
    return this.generate();
  }
  private async *generate(): AsyncGenerator<ChatCompletionChunk> {
    const chunk = (content: string, finish: 'stop' | 'abort' | null): ChatCompletionChunk => ({
      id: 'c',
      created: 0,
      model: 'm',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    });
    for (const p of this.pieces) {
      await new Promise((r) => setTimeout(r, 5));
      if (this.interrupted) {
        yield chunk('', 'abort');
        return;
      }
      yield chunk(p, null);
    }
    yield chunk('', 'stop');
  }
}

let channel: MessageChannel;
let handler: WebWorkerMLCEngineHandler;
let engine: ScriptedEngine;
let client: EngineClient;

// WebLLM's real handler on one end of a MessageChannel (as inside the worker), with a scripted engine behind it.
beforeEach(() => {
  channel = new MessageChannel();
  engine = new ScriptedEngine(['Hel', 'lo', ' wor', 'ld']);
  handler = new WebWorkerMLCEngineHandler();
  handler.engine = engine as unknown as MLCEngine;
  handler.postMessage = (msg: unknown) => channel.port1.postMessage(msg);
  channel.port1.onmessage = (event) => handler.onmessage(event);
  client = new EngineClient(channel.port2 as WorkerLike);
  channel.port2.start();
});
afterEach(() => {
  channel.port1.close();
  channel.port2.close();
});

const messages = [{ role: 'user' as const, content: 'hi' }];

describe("EngineClient against WebLLM's worker handler", () => {
  it('loads, relays progress reports and streams a completion through WebLlmChatModel', async () => {
    const reports: InitProgressReport[] = [];
    client.setInitProgressCallback((r) => reports.push(r));
    engine.onReload = () =>
      handler.postMessage({
        kind: 'initProgressCallback',
        uuid: '',
        content: {
          progress: 0.5,
          timeElapsed: 1,
          text: 'Loading model from cache[1/2]: 10MB loaded. 50% completed, 1 secs elapsed.',
        },
      });
    await client.reload('m');
    expect(engine.reloads).toEqual([['m']]);
    expect(reports.map((r) => r.progress)).toEqual([0.5]);

    const model = new WebLlmChatModel({ engine: client, modelId: 'm' });
    const result = await model.complete({
      messages,
      schema: { name: 'memory_facts', schema: { type: 'object' } },
    });
    expect(result.text).toBe('Hello world');
    expect(result.finishReason).toBe('stop');
    expect(engine.requests[0]?.response_format).toEqual({ type: 'json_object', schema: '{"type":"object"}' });
  });

  it('interrupts the generation in the worker when the caller aborts', async () => {
    await client.reload('m');
    const controller = new AbortController();
    const model = new WebLlmChatModel({ engine: client, modelId: 'm' });
    const seen: string[] = [];
    const run = (async () => {
      for await (const d of model.stream({ messages }, { signal: controller.signal })) {
        seen.push(d.text);
        controller.abort();
      }
    })();
    await expect(run).rejects.toSatisfy(isAbortError);
    await vi.waitFor(() => expect(engine.interrupts).toBe(1));
    expect(seen).toEqual(['Hel']);
  });

  it('refuses to chat with a model that is not loaded', async () => {
    const model = new WebLlmChatModel({ engine: client, modelId: 'm' });
    await expect(model.complete({ messages })).rejects.toBeInstanceOf(ModelNotLoadedError);
    await client.reload('other');
    await expect(model.complete({ messages })).rejects.toThrow(/"m" is not loaded \(loaded: other\)/);
  });

  it('aborts a load in progress by unloading the engine, and rejects with an AbortError', async () => {
    engine.hangReload = true;
    const controller = new AbortController();
    engine.onReload = () => controller.abort();
    const err = await loadModels(client, [tinyRecord.model_id], {
      appConfig: tinyAppConfig,
      signal: controller.signal,
      download: { fetch: mirrorFetch() },
    }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(engine.unloads).toBe(1);
    await deleteCachedModel(tinyRecord.model_id, tinyAppConfig);
  });

  it('keeps two role models loaded and routes each request by model id', async () => {
    await client.reload(['manager', 'answer']);
    await new WebLlmChatModel({ engine: client, modelId: 'answer' }).complete({ messages });
    expect(engine.reloads).toEqual([['manager', 'answer']]);
    expect(engine.requests[0]?.model).toBe('answer');
  });
});
