/**
 * Errors of the core layer. Every error has a stable `code` and a message that says what to do next. Errors cross
 * worker boundaries as `{name, code, message}` (see `toErrorData`) and are rebuilt with `fromErrorData`.
 */

/** Base class: a `code` for programs, a message for people. */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A model's output could not be parsed or validated, even after one repair attempt. */
export class ModelOutputError extends AppError {
  readonly rawOutput: string;
  constructor(message: string, rawOutput: string, options?: { cause?: unknown }) {
    super('model-output-invalid', message, options);
    this.rawOutput = rawOutput;
  }
}

/** A batch named a memory that does not exist, lacked text, or was otherwise invalid; nothing was applied. */
export class InvalidBatchError extends AppError {
  constructor(message: string) {
    super('invalid-batch', message);
  }
}

/** `undo` would overwrite a later change to the same memory. */
export class UndoConflictError extends AppError {
  constructor(message: string) {
    super('undo-conflict', message);
  }
}

/** A memory an UPDATE or DELETE was decided against, and what it holds now. */
export interface StaleMemory {
  memoryId: string;
  /** The text the operation was shown. */
  expected: string;
  /** Its text now; `null` when it was deleted or no longer exists. */
  current: string | null;
}

/**
 * A batch's UPDATE or DELETE was decided against a memory that changed since (another tab, the user's own edit, or
 * another pass); nothing in the batch was applied. `stale` names every such memory.
 */
export class StaleMemoryError extends AppError {
  readonly stale: StaleMemory[];
  constructor(stale: StaleMemory[], message?: string) {
    super(
      'memory-changed',
      message ??
        `${stale.length === 1 ? 'A memory' : `${stale.length} memories`} this batch would change ` +
          `changed after the operations were decided (${stale.map((s) => `"${s.memoryId}"`).join(', ')}); ` +
          'nothing in this batch was applied. Decide again with their current text.',
    );
    this.stale = stale;
  }
}

/** No batch with that id exists (or it was already undone). */
export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not-found', message);
  }
}

/** An import document was malformed, too large or hostile; nothing was imported. */
export class ImportError extends AppError {
  constructor(message: string) {
    super('import-invalid', message);
  }
}

/** A prompt's fixed parts (instructions, schema) do not fit the model's context window minus reserved output. */
export class PromptTooLargeError extends AppError {
  constructor(message: string) {
    super('prompt-too-large', message);
  }
}

/** Storage is full; nothing partial was written. */
export class QuotaError extends AppError {
  constructor(
    message = 'Storage is full, so nothing was saved. Free space (delete unused models or old conversations) and try again.',
  ) {
    super('quota-exceeded', message);
  }
}

/** The plain-data form of an error, safe to post between workers. */
export interface ErrorData {
  name: string;
  code: string;
  message: string;
}

/** True for the DOMException (or Error) an aborted operation rejects with. */
export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}

/** Throws the signal's abort reason (an `AbortError`) when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason instanceof Error
      ? signal.reason
      : new DOMException('The operation was aborted.', 'AbortError');
  }
}

/** Turns anything thrown (including plain strings, as WebLLM's worker client rejects with) into `ErrorData`. */
export function toErrorData(err: unknown): ErrorData {
  if (err instanceof AppError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) {
    return { name: err.name, code: isAbortError(err) ? 'aborted' : 'unexpected', message: err.message };
  }
  if (typeof err === 'string') return { name: 'Error', code: 'unexpected', message: err };
  return { name: 'Error', code: 'unexpected', message: 'An unexpected error occurred.' };
}

/** Rebuilds an error from `ErrorData`: an `AbortError` DOMException for aborts, otherwise an `AppError`. */
export function fromErrorData(data: ErrorData): Error {
  if (data.code === 'aborted' || data.name === 'AbortError')
    return new DOMException(data.message, 'AbortError');
  const err = new AppError(data.code, data.message);
  err.name = data.name;
  return err;
}
