/**
 * Errors of the store layer that the core layer does not already define. Batch, undo, not-found, import and quota
 * failures use the core classes (`InvalidBatchError`, `UndoConflictError`, `NotFoundError`, `ImportError`,
 * `QuotaError` in src/core/errors.ts) so callers above the store handle one set of codes.
 */
import { AppError } from '../core/errors';

/** An audit log does not replay: an event names a memory in the wrong state or its `before` text does not match. */
export class HistoryReplayError extends AppError {
  constructor(message: string) {
    super('history-inconsistent', message);
  }
}

/** A vector's length differs from the length already stored for the same embedder. */
export class VectorDimensionError extends AppError {
  constructor(embedderId: string, expected: number, got: number) {
    super(
      'vector-dimension-mismatch',
      `Embedder "${embedderId}" vectors have ${expected} dimensions but this one has ${got}. ` +
        'Use the same embedding model for stored memories and queries, or re-embed the memories with the new model under a new embedder id.',
    );
  }
}

/** A record read back from IndexedDB does not match its schema (damaged storage or a foreign writer). */
export class CorruptRecordError extends AppError {
  constructor(store: string, key: string, problem: string) {
    super(
      'record-corrupt',
      `The saved "${store}" record ${key} is damaged (${problem}), so the memory bank could not be read. ` +
        'Nothing was changed or deleted; restore the memory bank from an export file, or clear it to start over.',
    );
  }
}

/** The store's database connection is closed (by `close()`, or so a newer version of the app could upgrade it). */
export class StoreClosedError extends AppError {
  constructor(reason: 'closed' | 'upgraded') {
    super(
      'store-closed',
      reason === 'upgraded'
        ? 'The memory bank was closed because a newer version of the app opened it in another tab. Reload this page to continue.'
        : 'The memory store was closed. Open it again (reload the page) to continue.',
    );
  }
}
