/**
 * A `ChatModel` that talks to any OpenAI-compatible chat-completions server (llama.cpp server, Ollama, vLLM, the
 * test server). Structured output is requested as `response_format: {type: 'json_schema', json_schema: {name,
 * schema, strict: true}}`. Connection errors, 429 and 5xx are retried with exponential backoff and jitter, never
 * once a stream has produced text; 4xx, timeouts and aborts are not retried. Every failure is a typed error from
 * `./errors` whose message says what to do; an abort rejects with a DOMException named `AbortError`.
 */
import { z } from 'zod';
import { AppError } from '../core/errors';
import type {
  CallOptions,
  ChatDelta,
  ChatModel,
  ChatRequest,
  ChatResult,
  FinishReason,
  TokenUsage,
} from '../core/types';
import {
  ModelTimeoutError,
  ServerHttpError,
  ServerResponseError,
  ServerUnreachableError,
  ServerUrlError,
  StreamInterruptedError,
} from './errors';
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

const usageSchema = z
  .object({ prompt_tokens: z.number(), completion_tokens: z.number() })
  .nullish()
  .catch(undefined);
const finishSchema = z.string().nullish().catch(null);
const serverErrorSchema = z.object({
  error: z.union([z.string(), z.object({ message: z.string().optional(), code: z.unknown().optional() })]),
});
const completionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish() }), finish_reason: finishSchema }))
    .min(1),
  usage: usageSchema,
});
const chunkSchema = z.object({
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: finishSchema,
      }),
    )
    .default([]),
  usage: usageSchema,
});
const modelsSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** A chat model served over HTTP by an OpenAI-compatible server. */
export class OpenAICompatibleChatModel implements ChatModel {
  readonly id: string;
  readonly contextWindow?: number;
  /** The normalized API base, e.g. `http://127.0.0.1:8080/v1`. */
  readonly baseUrl: string;
  private readonly model: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
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
      return this.parseCompletion(await res.text());
    });
  }

  /** Streams the reply: text deltas as they arrive, then one delta with `finishReason` (and `usage` when sent). */
  async *stream(req: ChatRequest, opts: CallOptions = {}): AsyncGenerator<ChatDelta, void, undefined> {
    const body = this.requestBody(req, true);
    for (let attempt = 0; ; attempt++) {
      const call = new Call(this.baseUrl, this.timeoutMs, opts.signal);
      let partial = '';
      try {
        const res = await this.post(body, call, req);
        const contentType = res.headers.get('content-type') ?? '';
        if (contentType.includes('json')) {
          // Some servers ignore `stream: true` and send one complete reply.
          const result = this.parseCompletion(await res.text());
          call.pause();
          if (result.text !== '') {
            partial = result.text;
            yield { text: result.text };
          }
          yield { ...result, text: '' };
          return;
        }
        if (contentType !== '' && !contentType.includes('event-stream')) {
          throw new ServerResponseError(this.baseUrl, `expected an event stream, got ${contentType}`, '');
        }
        if (!res.body) throw new ServerResponseError(this.baseUrl, 'the reply has no body', '');
        const reader = res.body.getReader();
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
              const text = choice.delta?.content;
              if (text) {
                partial += text;
                yield { text };
              }
              if (choice.finish_reason) finishReason = toFinishReason(choice.finish_reason);
            }
          }
          if (eof && !done) {
            // A server that ends the body after `finish_reason` without `[DONE]` finished; otherwise it broke off.
            if (finishReason === undefined) throw new StreamInterruptedError(this.baseUrl, partial);
            done = true;
          }
        }
        yield usage
          ? { text: '', finishReason: finishReason ?? 'stop', usage }
          : { text: '', finishReason: finishReason ?? 'stop' };
        return;
      } catch (err) {
        const failure = call.classify(err, partial);
        if (partial === '' && attempt < this.maxRetries && isRetryable(failure)) {
          await this.backoff(attempt, failure, opts.signal);
          continue;
        }
        throw failure;
      } finally {
        call.dispose();
      }
    }
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

  private async withRetries<T>(signal: AbortSignal | undefined, run: (call: Call) => Promise<T>): Promise<T> {
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

  private backoff(attempt: number, failure: Error, signal: AbortSignal | undefined): Promise<void> {
    const exponential = this.retryDelayMs * 2 ** attempt + Math.random() * this.retryDelayMs;
    const retryAfter = failure instanceof ServerHttpError ? failure.retryAfterMs : undefined;
    const ms =
      retryAfter !== undefined && retryAfter <= MAX_RETRY_AFTER_MS
        ? Math.max(retryAfter, exponential)
        : exponential;
    return sleep(ms, signal);
  }
}

/**
 * One HTTP attempt: its own AbortController, fed by the caller's signal and by an inactivity timer, so an error
 * can be told apart afterwards as an abort, a timeout, a refused connection or a broken reply.
 */
class Call {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timedOut = false;
  private gotResponse = false;
  private readonly onAbort = (): void => this.controller.abort();

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.signal = this.controller.signal;
    if (outer?.aborted) this.controller.abort();
    else outer?.addEventListener('abort', this.onAbort, { once: true });
    this.touch();
  }

  /** Restarts the inactivity timer (the server just said something). */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.timeoutMs);
  }

  /** Stops the inactivity timer while the caller, not the server, is busy. */
  pause(): void {
    clearTimeout(this.timer);
  }

  /** Throws once this attempt was aborted (by the caller or the timer); `classify` then names the cause. */
  throwIfAborted(): void {
    if (this.signal.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
  }

  /** Notes that response headers arrived, so later network errors mean a broken reply, not an absent server. */
  responded(): void {
    this.gotResponse = true;
    this.touch();
  }

  /** Maps anything thrown during the attempt to the error the caller should see. */
  classify(err: unknown, partialText: string): Error {
    if (this.outer?.aborted) return abortError(this.outer);
    if (this.timedOut) return new ModelTimeoutError(this.url, this.timeoutMs);
    if (err instanceof AppError) return err;
    if (this.gotResponse) return new StreamInterruptedError(this.url, partialText, { cause: err });
    return new ServerUnreachableError(this.url, { cause: err });
  }

  /** Stops the timer and releases the connection (cancels an unread body). */
  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
    this.controller.abort();
  }
}

function isRetryable(err: Error): boolean {
  if (err instanceof ServerUnreachableError || err instanceof StreamInterruptedError) return true;
  return err instanceof ServerHttpError && (err.status === 429 || err.status >= 500);
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.name === 'AbortError') return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** The server's own error message when the body is `{"error": ...}` JSON, else the raw body. */
function serverMessage(raw: string): string {
  const parsed = serverErrorSchema.safeParse(parseJson(raw));
  if (!parsed.success) return raw;
  const error = parsed.data.error;
  return typeof error === 'string' ? error : (error.message ?? raw);
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function toFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'stop' || reason === null || reason === undefined) return 'stop';
  if (reason === 'length') return 'length';
  return 'other';
}

function toUsage(usage: z.infer<typeof usageSchema>): TokenUsage | undefined {
  return usage ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens } : undefined;
}
