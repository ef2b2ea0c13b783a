/**
 * One HTTP attempt of `OpenAICompatibleChatModel` and what it needs around it: the attempt's own abort and
 * inactivity timer (so a failure can be told apart afterwards as an abort, a timeout, a refused connection or a
 * broken reply), which failures are worth retrying, and an abortable sleep for the backoff between attempts.
 */
import { AppError } from '../core/errors';
import {
  ModelTimeoutError,
  ServerHttpError,
  ServerUnreachableError,
  StreamInterruptedError,
} from './http-errors';

/**
 * One HTTP attempt: its own AbortController, fed by the caller's signal and by an inactivity timer, so an error
 * can be told apart afterwards as an abort, a timeout, a refused connection or a broken reply.
 */
export class Call {
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

/** Whether a failed attempt may be retried: no server yet, a stream broken before any text, 429 or 5xx. */
export function isRetryable(err: Error): boolean {
  if (err instanceof ServerUnreachableError || err instanceof StreamInterruptedError) return true;
  return err instanceof ServerHttpError && (err.status === 429 || err.status >= 500);
}

/** The error an aborted `signal` rejects with: its own `AbortError` reason, else a new one. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof DOMException && reason.name === 'AbortError') return reason;
  return new DOMException('The operation was aborted.', 'AbortError');
}

/** Resolves after `ms`; rejects with an `AbortError` as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
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
