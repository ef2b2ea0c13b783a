/**
 * A `ChatModel` that talks to any OpenAI-compatible chat-completions server (llama.cpp server, Ollama, vLLM, the
 * test server). Structured output is requested as `response_format: {type: 'json_schema', json_schema: {name,
 * schema, strict: true}}`. Connection errors, 429 and 5xx are retried with exponential backoff and jitter, never
 * once a stream has produced text; 4xx, timeouts and aborts are not retried. Each call has an overall deadline
 * (retries, keep-alives and trickled bytes included) and each reply a cap on its length (`./reply-limits`). Every
 * failure is a typed error from `./errors` or `./reply-limits` whose message says what to do; an abort rejects with
 * a DOMException named `AbortError`.
 */
import type { z } from 'zod';
import type {
  CallOptions,
  ChatDelta,
  ChatModel,
  ChatRequest,
  ChatResult,
  FinishReason,
  TokenUsage,
} from '../core/types';
import { ServerHttpError, ServerResponseError, ServerUrlError, StreamInterruptedError } from './http-errors';
import { Call, isRetryable, sleep } from './http-call';
import { DEFAULT_REPLY_DEADLINE_MS, ReplyDeadline, ReplyText, replyCharLimit } from './reply-limits';
import {
  chunkSchema,
  completionSchema,
  modelsSchema,
  parseJson,
  parseRetryAfter,
  serverErrorSchema,
  serverMessage,
  toFinishReason,
  toUsage,
} from './openai-wire';
import { SseParser } from './sse';

/** Settings of an `OpenAICompatibleChatModel`; defaults are stated per field. */
export interface OpenAICompatibleOptions {
  /** Server URL as the user typed it; normalized by `normalizeBaseUrl` (e.g. `http://127.0.0.1:8080` -> `.../v1`). */
  baseUrl: string;
  /** Model name sent in every request; also the model's `id`. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. Local servers usually need none. */
  apiKey?: string;
  /** Context window in tokens, when known. */
  contextWindow?: number;
  /**
   * The longest the server may stay silent, in ms: until the response arrives (for `complete`, the whole
   * generation) and between two streamed chunks. Default 120000.
   */
  timeoutMs?: number;
  /**
   * The longest one call may take in all, in ms, from sending the request to the last chunk, retries included.
   * Unlike `timeoutMs`, nothing the server sends extends it (keep-alive comments, a trickle of bytes). Default
   * 300000 (5 min).
   */
  replyDeadlineMs?: number;
  /**
   * Most characters one reply may have; a longer one is cut there with `ReplyTooLongError`. Default: 8 per token
   * of the request's `maxTokens` (else of the context window, else of 32,768 tokens): 8,192 for a 1,024-token reply.
   */
  maxReplyChars?: number;
  /** Retries after a connection error, 429 or 5xx. Default 2. */
  maxRetries?: number;
  /** Base of the exponential backoff in ms: attempt n waits base * 2^n plus up to base of jitter. Default 500. */
  retryDelayMs?: number;
  /** The fetch to use (tests, proxies). Default: the global fetch. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 500;
/** A server's Retry-After is honoured up to this long; beyond it, the normal backoff applies. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Turns what a user types as a server URL into the OpenAI API base: adds `http://` when no scheme is given, drops
 * a pasted `/chat/completions`, trailing slashes, query and fragment, and appends `/v1` unless the path ends with it.
 * @example normalizeBaseUrl('http://127.0.0.1:8080/') // => 'http://127.0.0.1:8080/v1'
 * @example normalizeBaseUrl('localhost:11434/v1')   // => 'http://localhost:11434/v1'
 */
export function normalizeBaseUrl(input: string): string {
  const trimmed = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ServerUrlError(input);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || trimmed === '')
    throw new ServerUrlError(input);
  let path = url.pathname.replace(/\/+$/, '').replace(/\/chat\/completions$/, '');
  if (!path.endsWith('/v1')) path += '/v1';
  return `${url.origin}${path}`;
}

/** A chat model served over HTTP by an OpenAI-compatible server. */
export class OpenAICompatibleChatModel implements ChatModel {
  readonly id: string;
  readonly contextWindow?: number;
  /** The normalized API base, e.g. `http://127.0.0.1:8080/v1`. */
  readonly baseUrl: string;
  private readonly model: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
  private readonly replyDeadlineMs: number;
  private readonly maxReplyChars?: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: OpenAICompatibleOptions) {
    this.baseUrl = normalizeBaseUrl(opts.baseUrl);
    this.model = opts.model;
    this.id = opts.model;
    this.apiKey = opts.apiKey;
    this.contextWindow = opts.contextWindow;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.replyDeadlineMs = opts.replyDeadlineMs ?? DEFAULT_REPLY_DEADLINE_MS;
    this.maxReplyChars = opts.maxReplyChars;
    this.maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.retryDelayMs = opts.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    // Called through a closure: a stored native fetch invoked as a method throws "Illegal invocation" in browsers.
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Sends one request and returns the whole reply. */
  async complete(req: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    const body = this.requestBody(req, false);
    return this.withRetries(opts.signal, async (call) => {
      const res = await this.post(body, call, req);
      const result = this.parseCompletion(await res.text());
      const reply = this.replyText(req);
      reply.add(result.text);
      reply.throwIfExceeded(this.baseUrl);
      return result;
    });
  }

  /** Streams the reply: text deltas as they arrive, then one delta with `finishReason` (and `usage` when sent). */
  async *stream(req: ChatRequest, opts: CallOptions = {}): AsyncGenerator<ChatDelta, void, undefined> {
    const deadline = new ReplyDeadline(this.replyDeadlineMs, opts.signal);
    const reply = this.replyText(req);
    try {
      yield* this.streamAttempts(req, deadline.signal, reply);
    } catch (err) {
      throw deadline.explain(err, this.baseUrl, reply.text);
    } finally {
      deadline.dispose();
    }
  }

  /** The attempts of one streamed reply (retried while no text has arrived); `reply` collects the text. */
  private async *streamAttempts(
    req: ChatRequest,
    signal: AbortSignal,
    reply: ReplyText,
  ): AsyncGenerator<ChatDelta, void, undefined> {
    const body = this.requestBody(req, true);
    for (let attempt = 0; ; attempt++) {
      const call = new Call(this.baseUrl, this.timeoutMs, signal);
      try {
        const res = await this.post(body, call, req);
        const contentType = res.headers.get('content-type') ?? '';
        if (contentType.includes('json')) {
          // Some servers ignore `stream: true` and send one complete reply.
          const result = this.parseCompletion(await res.text());
          call.pause();
          const text = reply.add(result.text);
          if (text !== '') yield { text };
          reply.throwIfExceeded(this.baseUrl);
          yield { ...result, text: '' };
          return;
        }
        if (contentType !== '' && !contentType.includes('event-stream')) {
          throw new ServerResponseError(this.baseUrl, `expected an event stream, got ${contentType}`, '');
        }
        if (!res.body) throw new ServerResponseError(this.baseUrl, 'the reply has no body', '');
        yield* this.readEvents(res.body.getReader(), call, req, reply);
        return;
      } catch (err) {
        const failure = call.classify(err, reply.text);
        if (reply.text === '' && attempt < this.maxRetries && isRetryable(failure)) {
          await this.backoff(attempt, failure, signal);
          continue;
        }
        throw failure;
      } finally {
        call.dispose();
      }
    }
  }

  /** Reads one event stream to its end: the text deltas (up to the length cap), then the finishing delta. */
  private async *readEvents(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    call: Call,
    req: ChatRequest,
    reply: ReplyText,
  ): AsyncGenerator<ChatDelta, void, undefined> {
    const parser = new SseParser();
    let finishReason: FinishReason | undefined;
    let usage: TokenUsage | undefined;
    let done = false;
    while (!done) {
      call.touch();
      const { done: eof, value } = await reader.read();
      // The timer only runs while waiting for the server, not while the consumer handles a delta.
      call.pause();
      const events = eof ? parser.end() : parser.feed(value);
      for (const event of events) {
        // Events already read may remain after the consumer aborted while handling a delta.
        call.throwIfAborted();
        if (event.data === '[DONE]') {
          done = true;
          break;
        }
        const chunk = this.parseChunk(event.data, req);
        usage = toUsage(chunk.usage) ?? usage;
        for (const choice of chunk.choices) {
          const text = reply.add(choice.delta?.content ?? '');
          if (text) yield { text };
          reply.throwIfExceeded(this.baseUrl);
          if (choice.finish_reason) finishReason = toFinishReason(choice.finish_reason);
        }
      }
      if (eof && !done) {
        // A server that ends the body after `finish_reason` without `[DONE]` finished; otherwise it broke off.
        if (finishReason === undefined) throw new StreamInterruptedError(this.baseUrl, reply.text);
        done = true;
      }
    }
    yield usage
      ? { text: '', finishReason: finishReason ?? 'stop', usage }
      : { text: '', finishReason: finishReason ?? 'stop' };
  }

  /** The model names the server offers (`GET /models`), e.g. to fill a model picker in Settings. */
  async listModels(opts: CallOptions = {}): Promise<string[]> {
    return this.withRetries(opts.signal, async (call) => {
      const res = await this.send(`${this.baseUrl}/models`, { method: 'GET', headers: this.headers() }, call);
      if (!res.ok) await this.throwHttpError(res, false);
      const raw = await res.text();
      const parsed = modelsSchema.safeParse(parseJson(raw));
      if (!parsed.success) {
        throw new ServerResponseError(this.baseUrl, 'the model list is not in OpenAI format', raw, {
          cause: parsed.error,
        });
      }
      return parsed.data.data.map((m) => m.id);
    });
  }

  private requestBody(req: ChatRequest, stream: boolean): string {
    return JSON.stringify({
      model: this.model,
      messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
      stream,
      stream_options: stream ? { include_usage: true } : undefined,
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      top_p: req.topP,
      seed: req.seed,
      response_format: req.schema
        ? {
            type: 'json_schema',
            json_schema: { name: req.schema.name, schema: req.schema.schema, strict: true },
          }
        : undefined,
    });
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    return headers;
  }

  private async post(body: string, call: Call, req: ChatRequest): Promise<Response> {
    const res = await this.send(
      `${this.baseUrl}/chat/completions`,
      { method: 'POST', headers: { ...this.headers(), 'content-type': 'application/json' }, body },
      call,
    );
    if (!res.ok) await this.throwHttpError(res, req.schema !== undefined);
    return res;
  }

  private async send(url: string, init: RequestInit, call: Call): Promise<Response> {
    const res = await this.fetchFn(url, { ...init, signal: call.signal });
    call.responded();
    return res;
  }

  private async throwHttpError(res: Response, schemaRequested: boolean): Promise<never> {
    const raw = await res.text();
    throw new ServerHttpError({
      status: res.status,
      url: this.baseUrl,
      body: serverMessage(raw),
      model: this.model,
      schemaRequested,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
  }

  private parseCompletion(raw: string): ChatResult {
    const parsed = completionSchema.safeParse(parseJson(raw));
    if (!parsed.success) {
      throw new ServerResponseError(this.baseUrl, 'the reply is not a chat completion', raw, {
        cause: parsed.error,
      });
    }
    const choice = parsed.data.choices[0];
    const result: ChatResult = {
      text: choice?.message.content ?? '',
      finishReason: toFinishReason(choice?.finish_reason),
    };
    const usage = toUsage(parsed.data.usage);
    if (usage) result.usage = usage;
    return result;
  }

  private parseChunk(data: string, req: ChatRequest): z.infer<typeof chunkSchema> {
    const json = parseJson(data);
    const serverError = serverErrorSchema.safeParse(json);
    if (serverError.success) {
      const code = typeof serverError.data.error === 'object' ? serverError.data.error.code : undefined;
      throw new ServerHttpError({
        status: typeof code === 'number' && code >= 400 ? code : 500,
        url: this.baseUrl,
        body: serverMessage(data),
        model: this.model,
        schemaRequested: req.schema !== undefined,
      });
    }
    const parsed = chunkSchema.safeParse(json);
    if (!parsed.success) {
      throw new ServerResponseError(this.baseUrl, 'a streamed chunk is not a chat-completion chunk', data, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** The length cap of the reply to `req` (see `maxReplyChars`). */
  private replyText(req: ChatRequest): ReplyText {
    return new ReplyText(replyCharLimit(req, this.contextWindow, this.maxReplyChars));
  }

  /** Runs `run` with retries, all within the call's deadline. */
  private async withRetries<T>(signal: AbortSignal | undefined, run: (call: Call) => Promise<T>): Promise<T> {
    const deadline = new ReplyDeadline(this.replyDeadlineMs, signal);
    try {
      return await this.attempts(deadline.signal, run);
    } catch (err) {
      throw deadline.explain(err, this.baseUrl, '');
    } finally {
      deadline.dispose();
    }
  }

  private async attempts<T>(signal: AbortSignal, run: (call: Call) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const call = new Call(this.baseUrl, this.timeoutMs, signal);
      try {
        return await run(call);
      } catch (err) {
        const failure = call.classify(err, '');
        if (attempt < this.maxRetries && isRetryable(failure)) {
          await this.backoff(attempt, failure, signal);
          continue;
        }
        throw failure;
      } finally {
        call.dispose();
      }
    }
  }

  private backoff(attempt: number, failure: Error, signal: AbortSignal): Promise<void> {
    const exponential = this.retryDelayMs * 2 ** attempt + Math.random() * this.retryDelayMs;
    const retryAfter = failure instanceof ServerHttpError ? failure.retryAfterMs : undefined;
    const ms =
      retryAfter !== undefined && retryAfter <= MAX_RETRY_AFTER_MS
        ? Math.max(retryAfter, exponential)
        : exponential;
    return sleep(ms, signal);
  }
}
