/**
 * Bounds on one model reply that hold whatever the server does: an overall deadline (a server that keeps the
 * connection open with SSE keep-alive comments, or trickles bytes, resets every inactivity timer but not this one)
 * and a cap on the reply's length in characters (a server that ignores `max_tokens` could otherwise stream without
 * end). Both end the reply with a typed error that keeps the text that had arrived, so the chat shows it with a
 * message saying what happened.
 *
 * The cap is counted in characters because that is what arrives; tokens are unknown to the client. English text
 * averages about 4 characters per token (CJK about 1.5), so 8 characters per requested token is twice a normal reply
 * and still bounded: 8,192 characters for a 1,024-token chat answer.
 */
import { AppError } from '../core/errors';
import type { ChatRequest } from '../core/types';

/** How long one reply may take in all, unless configured: 5 minutes. */
export const DEFAULT_REPLY_DEADLINE_MS = 300_000;

/** Characters allowed per requested token before a reply counts as runaway. */
export const CHARS_PER_TOKEN_LIMIT = 8;

/** The tokens the length cap assumes when a request sets no `maxTokens` and the context window is unknown. */
const UNKNOWN_TOKEN_BUDGET = 32_768;

/**
 * The most characters a reply to `req` may have: `fixed` when given, else `CHARS_PER_TOKEN_LIMIT` per token of the
 * request's `maxTokens`, else of the context window, else of 32,768 tokens.
 * @example replyCharLimit({ messages: [], maxTokens: 1024 }, 4096) // => 8192
 */
export function replyCharLimit(req: ChatRequest, contextWindow?: number, fixed?: number): number {
  return fixed ?? CHARS_PER_TOKEN_LIMIT * (req.maxTokens ?? contextWindow ?? UNKNOWN_TOKEN_BUDGET);
}

/**
 * The text of one reply, held to its length cap.
 * @example
 * const reply = new ReplyText(5);
 * reply.add('abc');  // => 'abc'
 * reply.add('defg'); // => 'de' (reply.text is 'abcde', reply.exceeded is true)
 */
export class ReplyText {
  /** What was admitted so far. */
  text = '';
  /** True once some text did not fit. */
  exceeded = false;

  constructor(readonly limit: number) {}

  /** Admits `piece`, or the prefix of it that still fits under the cap, and returns what was admitted. */
  add(piece: string): string {
    const room = Math.max(0, this.limit - this.text.length);
    const kept = piece.length > room ? piece.slice(0, room) : piece;
    if (kept.length < piece.length) this.exceeded = true;
    this.text += kept;
    return kept;
  }

  /** Throws `ReplyTooLongError` (naming `source`, keeping the text admitted) once the cap was exceeded. */
  throwIfExceeded(source: string): void {
    if (this.exceeded) throw new ReplyTooLongError(source, this.limit, this.text);
  }
}

/**
 * A deadline for one reply, retries included: `signal` aborts when the caller's signal does or when `ms` have
 * passed, and `expired` tells the two apart. Call `dispose` when the reply is over.
 */
export class ReplyDeadline {
  /** Aborted by the caller or by the deadline. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private passed = false;
  private readonly onAbort = (): void => this.controller.abort(this.outer?.reason);

  constructor(
    readonly ms: number,
    private readonly outer?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.passed = true;
      this.controller.abort(new DOMException('The reply deadline passed.', 'AbortError'));
    }, ms);
    if (outer?.aborted) this.onAbort();
    else outer?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True when the deadline (not the caller) ended the reply. */
  get expired(): boolean {
    return this.passed && !this.outer?.aborted;
  }

  /**
   * What a failure of the reply means: a `ReplyDeadlineError` (naming `source`, keeping `partialText`) when the
   * deadline ended it, whatever was thrown on the way out (an abort, a broken stream); otherwise `err` itself.
   */
  explain(err: unknown, source: string, partialText: string): unknown {
    return this.expired ? new ReplyDeadlineError(source, this.ms, partialText) : err;
  }

  /** Stops the timer and stops listening to the caller's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
  }
}

/** A reply did not finish within its deadline; `partialText` holds what had arrived. */
export class ReplyDeadlineError extends AppError {
  readonly deadlineMs: number;
  readonly partialText: string;
  constructor(source: string, deadlineMs: number, partialText: string) {
    super(
      'reply-deadline',
      `The reply from ${source} did not finish within ${formatDuration(deadlineMs)}, so it was stopped` +
        `${partialText ? ' (what had arrived is kept)' : ''}. The server kept the connection open without ` +
        'finishing: it may be stuck or far too slow for this model. Retry, restart the server, or choose a smaller ' +
        'model.',
    );
    this.deadlineMs = deadlineMs;
    this.partialText = partialText;
  }
}

/** A reply ran past its length cap (the server ignored `max_tokens`); `partialText` holds the text up to the cap. */
export class ReplyTooLongError extends AppError {
  readonly limit: number;
  readonly partialText: string;
  constructor(source: string, limit: number, partialText: string) {
    super(
      'reply-too-long',
      `The reply from ${source} ran past ${limit.toLocaleString('en-US')} characters, far longer than the length ` +
        'asked for, so it was stopped there (what had arrived is kept). The server seems to ignore the reply ' +
        'length limit (max_tokens): check its settings, or retry.',
    );
    this.limit = limit;
    this.partialText = partialText;
  }
}

/** `90000` → `"1.5 min"`, `300000` → `"5 min"`, `800` → `"0.8 s"`. */
function formatDuration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 6_000) / 10} min` : `${Math.round(ms / 100) / 10} s`;
}
