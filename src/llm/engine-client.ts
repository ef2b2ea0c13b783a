/**
 * The page's thin client for the engine worker. It speaks WebLLM's worker protocol (`WorkerRequest` /
 * `WorkerResponse`, the messages `WebWorkerMLCEngineHandler` answers) but imports only WebLLM's types: WebLLM ships
 * as one 6 MB module whose top level builds the whole runtime, so importing even `WebWorkerMLCEngine` from the page
 * would put the engine in the main bundle. Covers what the app needs: app config, load with progress, unload,
 * streamed chat completions, interrupt, reset. Rejections keep WebLLM's plain strings; callers normalize them
 * (`loadModels` and `WebLlmChatModel` do).
 */
import { z } from 'zod';
import type {
  AppConfig,
  ChatCompletionChunk,
  ChatCompletionRequestStreaming,
  InitProgressCallback,
  InitProgressReport,
  WorkerRequest,
} from '@mlc-ai/web-llm';
import type { ChatEngine } from './webllm-chat-model';
import type { LoadableEngine } from './webllm-loader';
import { ModelNotLoadedError } from './errors';

const responseSchema = z.object({
  kind: z.enum(['return', 'throw', 'initProgressCallback', 'heartbeat']),
  uuid: z.string(),
  content: z.unknown().optional(),
});

const progressSchema = z.object({ progress: z.number(), timeElapsed: z.number(), text: z.string() });

type Pending = { resolve(value: unknown): void; reject(reason: unknown): void };

/** The minimal worker surface the client needs (a `Worker`, or a `MessagePort` in tests). */
export interface WorkerLike {
  postMessage(message: WorkerRequest): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** A client of `engine.worker.ts` implementing the engine calls the loader and `WebLlmChatModel` use. */
export class EngineClient implements LoadableEngine, ChatEngine {
  private readonly pending = new Map<string, Pending>();
  private progressCallback?: InitProgressCallback;
  private loaded?: string[];

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', (event) => this.receive(event.data));
  }

  private receive(data: unknown): void {
    const parsed = responseSchema.safeParse(data);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.kind === 'initProgressCallback') {
      const report = progressSchema.safeParse(msg.content);
      if (report.success) this.progressCallback?.(report.data satisfies InitProgressReport);
      return;
    }
    const waiter = this.pending.get(msg.uuid);
    if (!waiter) return;
    this.pending.delete(msg.uuid);
    if (msg.kind === 'return') waiter.resolve(msg.content);
    else waiter.reject(msg.content);
  }

  private send(kind: WorkerRequest['kind'], content: WorkerRequest['content']): Promise<unknown> {
    const uuid = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      this.pending.set(uuid, { resolve, reject });
      this.worker.postMessage({ kind, uuid, content });
    });
  }

  /** Sends the app config (model list, cache backend) to the worker's engine. */
  setAppConfig(appConfig: AppConfig): void {
    this.worker.postMessage({ kind: 'setAppConfig', uuid: crypto.randomUUID(), content: appConfig });
  }

  setInitProgressCallback(callback: InitProgressCallback): void {
    this.progressCallback = callback;
  }

  /** Loads one model, or several (one per role), replacing what was loaded. */
  async reload(modelId: string | string[]): Promise<void> {
    const ids = Array.isArray(modelId) ? modelId : [modelId];
    await this.send('reload', { modelId: ids });
    this.loaded = ids;
  }

  async unload(): Promise<void> {
    await this.send('unload', null);
    this.loaded = undefined;
  }

  /** Stops the generation running in the worker. */
  interruptGenerate(): void {
    void this.send('interruptGenerate', null).catch(() => undefined);
  }

  /** Clears the engine's conversation state (KV cache) for a model. */
  async resetChat(modelId?: string): Promise<void> {
    await this.send('resetChat', { keepStats: false, modelId });
  }

  /** WebLLM's runtime statistics text (prefill/decode speed of the last request). */
  async runtimeStatsText(modelId?: string): Promise<string> {
    return String(await this.send('runtimeStatsText', { modelId }));
  }

  /** The loaded model ids (undefined before a successful load). */
  get loadedModels(): readonly string[] | undefined {
    return this.loaded;
  }

  readonly chat = {
    completions: {
      create: (request: ChatCompletionRequestStreaming) => this.createStream(request),
    },
  };

  private async createStream(
    request: ChatCompletionRequestStreaming,
  ): Promise<AsyncIterable<ChatCompletionChunk>> {
    const loaded = this.loaded;
    if (!loaded) throw new ModelNotLoadedError();
    const selectedModelId = request.model ?? loaded[0];
    if (!selectedModelId || !loaded.includes(selectedModelId)) {
      throw new ModelNotLoadedError(
        `The model "${request.model}" is not loaded (loaded: ${loaded.join(', ')}). Load it from the Models page first.`,
      );
    }
    const streamId = crypto.randomUUID();
    await this.send('chatCompletionStreamInit', { request, selectedModelId, streamId, modelId: loaded });
    return this.chunks(streamId);
  }

  private async *chunks(streamId: string): AsyncGenerator<ChatCompletionChunk> {
    let done = false;
    try {
      for (;;) {
        const chunk = await this.send('completionStreamNextChunk', { streamId });
        if (typeof chunk !== 'object' || chunk === null) {
          done = true;
          return;
        }
        // WebLLM's own chunk, produced by our own worker: the protocol fixes its shape.
        yield chunk as ChatCompletionChunk;
      }
    } finally {
      if (!done) await this.send('completionStreamReturn', { streamId }).catch(() => undefined);
    }
  }
}
