/**
 * Racing long model work (loading, inference) against an `AbortSignal`: the runtimes cannot cancel a call already
 * running on the device, so an abort rejects at once and a result that arrives later is handed back for release.
 */
import { throwIfAborted } from '../core/errors';

/**
 * Resolves like `work`, or rejects with an `AbortError` as soon as `signal` aborts; `onLate` receives a result
 * that arrives after the abort, so it can be released.
 */
export function abortable<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  onLate?: (late: T) => void,
): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(abortReason(signal));
      if (onLate) work.then(onLate, () => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** The error an aborted call rejects with: the signal's reason when it is an Error, else an `AbortError`. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new DOMException('The operation was aborted.', 'AbortError');
}
