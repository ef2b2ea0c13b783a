/**
 * A `ChatModel` for tests and benchmarks that answers from a script: a queue of replies (texts, full results or
 * errors to throw), or a function of the request. It records every request, honours abort signals, and streams
 * its replies in small chunks so parsers are exercised across chunk boundaries.
 */
import { AppError, throwIfAborted } from '../core/errors';
import type { CallOptions, ChatDelta, ChatModel, ChatRequest, ChatResult } from '../core/types';

/** What one scripted step produces: reply text, a full result, or an error to throw. */
export type ScriptedReply = string | ChatResult | Error;

/** Computes a reply from the request; `index` counts requests from 0. */
export type ScriptedResponder = (
  request: ChatRequest,
  info: { index: number; signal?: AbortSignal },
) => ScriptedReply | Promise<ScriptedReply>;

/** Options of `ScriptedChatModel`. */
export interface ScriptedChatModelOptions {
  /** Model id recorded in audit events; default `scripted`. */
  id?: string;
  /** Replies consumed in order; a function entry computes its reply from the request. */
  replies?: (ScriptedReply | ScriptedResponder)[];
  /** Used when the queue is empty; without it an exhausted script throws. */
  respond?: ScriptedResponder;
  contextWindow?: number;
  /** A token counter standing in for a real tokenizer. */
  countTokens?: (text: string) => number | Promise<number>;
  /** Characters per streamed chunk; default 3. */
  chunkSize?: number;
}

/** A scripted, zero-latency chat model (see the module comment). */
export class ScriptedChatModel implements ChatModel {
  readonly id: string;
  readonly contextWindow?: number;
  readonly countTokens?: (text: string) => number | Promise<number>;
  /** Every request received, in order. */
  readonly requests: ChatRequest[] = [];
  private readonly queue: (ScriptedReply | ScriptedResponder)[];
  private readonly respond?: ScriptedResponder;
  private readonly chunkSize: number;

  constructor(options: ScriptedChatModelOptions = {}) {
    this.id = options.id ?? 'scripted';
    this.contextWindow = options.contextWindow;
    this.countTokens = options.countTokens;
    this.queue = [...(options.replies ?? [])];
    this.respond = options.respond;
    this.chunkSize = Math.max(1, options.chunkSize ?? 3);
  }

  /** Appends replies to the script. */
  push(...replies: (ScriptedReply | ScriptedResponder)[]): void {
    this.queue.push(...replies);
  }

  /** Replies not yet consumed. */
  get remaining(): number {
    return this.queue.length;
  }

  private async next(request: ChatRequest, opts: CallOptions): Promise<ChatResult> {
    throwIfAborted(opts.signal);
    const index = this.requests.length;
    this.requests.push(request);
    const step = this.queue.shift() ?? this.respond;
    if (step === undefined) {
      throw new AppError(
        'script-exhausted',
        `ScriptedChatModel received request #${index} but its script has no reply left; add one with push().`,
      );
    }
    const reply = typeof step === 'function' ? await step(request, { index, signal: opts.signal }) : step;
    throwIfAborted(opts.signal);
    if (reply instanceof Error) throw reply;
    return typeof reply === 'string' ? { text: reply, finishReason: 'stop' } : reply;
  }

  async complete(request: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    return this.next(request, opts);
  }

  async *stream(request: ChatRequest, opts: CallOptions = {}): AsyncIterable<ChatDelta> {
    const result = await this.next(request, opts);
    const chars = Array.from(result.text);
    for (let i = 0; i < chars.length; i += this.chunkSize) {
      throwIfAborted(opts.signal);
      const last = i + this.chunkSize >= chars.length;
      const text = chars.slice(i, i + this.chunkSize).join('');
      yield last ? { text, finishReason: result.finishReason, usage: result.usage } : { text };
    }
    if (chars.length === 0) yield { text: '', finishReason: result.finishReason, usage: result.usage };
  }
}
