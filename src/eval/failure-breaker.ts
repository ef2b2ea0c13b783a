/**
 * The stop-after-N-failures rule every benchmark runner shares: a run whose model fails several times in a row is
 * talking to a server that is down or misconfigured, so it stops instead of failing every remaining item.
 * Runtime-neutral (used by benchmark-run.ts in the benchmark worker, and by the Node runners).
 */

/** Consecutive model failures after which a run stops. */
export const MAX_CONSECUTIVE_FAILURES = 8;

/** Counts consecutive failures and trips once when they reach the limit. */
export class FailureBreaker<F> {
  private consecutive = 0;
  private last: F | undefined;

  /** `onTrip` runs when the limit is reached (it may throw to end the run there). */
  constructor(
    private readonly onTrip: (failure: F, count: number) => void,
    private readonly limit = MAX_CONSECUTIVE_FAILURES,
  ) {}

  /** The failure that tripped the breaker, if it did. */
  get tripped(): F | undefined {
    return this.last;
  }

  /** Notes one outcome: a failure (`F`), or `undefined` for a success, which resets the count. */
  note(failure: F | undefined): void {
    this.consecutive = failure === undefined ? 0 : this.consecutive + 1;
    if (failure !== undefined && this.consecutive >= this.limit && this.last === undefined) {
      this.last = failure;
      this.onTrip(failure, this.consecutive);
    }
  }
}

/** A run that stops itself: its `signal` aborts when the caller's signal does or when its `breaker` trips. */
export interface BreakerRun<F> {
  breaker: FailureBreaker<F>;
  signal: AbortSignal;
}

/** Starts a run whose signal aborts on the caller's `signal` or after too many consecutive failures. */
export function breakerRun<F>(signal: AbortSignal | undefined): BreakerRun<F> {
  const tripped = new AbortController();
  const breaker = new FailureBreaker<F>(() =>
    tripped.abort(new DOMException('Too many consecutive model failures.', 'AbortError')),
  );
  return { breaker, signal: signal ? AbortSignal.any([signal, tripped.signal]) : tripped.signal };
}

/** The warning a run gives when its breaker tripped, naming the failure that tripped it. */
export function trippedWarning(message: string): string {
  return `Stopped after ${MAX_CONSECUTIVE_FAILURES} consecutive model failures; the last one: ${message}`;
}
