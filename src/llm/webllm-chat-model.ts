/**
 * `ChatModel` over a WebLLM engine — normally the `WebWorkerMLCEngine` client of `engine.worker.ts`, so generation
 * runs off the main thread. Streams with usage, aborts by interrupting generation, and asks for JSON-schema
 * constrained output (`response_format: {type: 'json_object', schema}`) when the request names a schema. A reply
 * longer than its length cap (`replyCharLimit`) is interrupted with `ReplyTooLongError`, as for a server. Errors are
 * normalized (the worker client rejects with plain strings). WebLLM exposes no tokenizer through the engine
 * interface, so `countTokens` is not offered; callers estimate.
 */
import type { ChatCompletionChunk, ChatCompletionRequestStreaming } from '@mlc-ai/web-llm';
import { collectStream } from '../core/collect-stream';
import { throwIfAborted } from '../core/errors';
import type {
  CallOptions,
  ChatDelta,
  ChatModel,
  ChatRequest,
  ChatResult,
  FinishReason,
  TokenUsage,
} from '../core/types';
import { normalizeWebLlmError } from './errors';
import { ReplyText, replyCharLimit } from './reply-limits';

/** The part of `MLCEngineInterface` this model uses (any WebLLM engine satisfies it; tests pass a fake). */
export interface ChatEngine {
  chat: {
    completions: {
      create(request: ChatCompletionRequestStreaming): Promise<AsyncIterable<ChatCompletionChunk>>;
    };
  };
  interruptGenerate(): void;
}

/** Options of `WebLlmChatModel`. */
export interface WebLlmChatModelOptions {
  engine: ChatEngine;
  /** The loaded model's id (sent as `model`, so one engine can hold a model per role). */
  modelId: string;
  /** Context window in tokens, from the catalog or custom record. */
  contextWindow?: number;
}

// Requests in flight per engine, across models sharing it: WebLLM runs them one at a time, and
// `interruptGenerate()` stops whichever is running, so we only interrupt at once when ours is the only one.
const inFlight = new WeakMap<ChatEngine, number>();

/** How replies name this model in messages. */
const ON_DEVICE = 'the on-device model';

function finishReason(reason: string | null | undefined): FinishReason {
  return reason === 'stop' || reason === 'length' || reason === 'abort' ? reason : 'other';
}

/** A `ChatModel` backed by a WebLLM engine. */
export class WebLlmChatModel implements ChatModel {
  readonly id: string;
  readonly contextWindow?: number;
  private readonly engine: ChatEngine;

  constructor(opts: WebLlmChatModelOptions) {
    this.engine = opts.engine;
    this.id = opts.modelId;
    this.contextWindow = opts.contextWindow;
  }

  /** The WebLLM request for a `ChatRequest`: streaming with usage, schema-constrained when asked. */
  toRequest(req: ChatRequest): ChatCompletionRequestStreaming {
    return {
      model: this.id,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      stream_options: { include_usage: true },
      ...(req.temperature !== undefined && { temperature: req.temperature }),
      ...(req.maxTokens !== undefined && { max_tokens: req.maxTokens }),
      ...(req.topP !== undefined && { top_p: req.topP }),
      ...(req.seed !== undefined && { seed: req.seed }),
      ...(req.schema && {
        response_format: { type: 'json_object', schema: JSON.stringify(req.schema.schema) },
      }),
    };
  }

  async *stream(req: ChatRequest, opts: CallOptions = {}): AsyncIterable<ChatDelta> {
    const { signal } = opts;
    throwIfAborted(signal);
    const engine = this.engine;
    inFlight.set(engine, (inFlight.get(engine) ?? 0) + 1);
    let started = false;
    let interrupted = false;
    const interrupt = () => {
      if (interrupted) return;
      interrupted = true;
      engine.interruptGenerate();
    };
    const onAbort = () => {
      if (started || inFlight.get(engine) === 1) interrupt();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const chunks = await engine.chat.completions.create(this.toRequest(req));
      const reply = new ReplyText(replyCharLimit(req, this.contextWindow));
      let finish: FinishReason | undefined;
      let usage: TokenUsage | undefined;
      for await (const chunk of chunks) {
        started = true;
        if (signal?.aborted) interrupt();
        if (chunk.usage) {
          usage = {
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
          };
        }
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.finish_reason) finish = finishReason(choice.finish_reason);
        const text = reply.add(choice.delta.content ?? '');
        if (text && !signal?.aborted) yield { text };
        if (reply.exceeded) {
          interrupt();
          reply.throwIfExceeded(ON_DEVICE);
        }
      }
      throwIfAborted(signal);
      yield { text: '', finishReason: finish ?? 'stop', ...(usage && { usage }) };
    } catch (err) {
      throwIfAborted(signal);
      throw normalizeWebLlmError(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      inFlight.set(engine, (inFlight.get(engine) ?? 1) - 1);
    }
  }

  complete(req: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    return collectStream(this.stream(req, opts));
  }
}
