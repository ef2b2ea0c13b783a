/**
 * IndexedDB transactions of `IndexedDbStore`: the typed views of a transaction the row helpers take, and
 * `writeTransaction`, the one way the store writes: a single readwrite transaction that commits whole or not at all,
 * with aborts and a full disk mapped to the errors callers see (the abort reason, `QuotaError`).
 */
import { type IDBPTransaction, type StoreNames, unwrap } from 'idb';
import { QuotaError, isAbortError, throwIfAborted } from '../../core/errors';
import { runtimeNavigator } from '../../core/runtime';
import type { MemoryDb, MemoryDbSchema } from './idb-schema';

/** The names of the memory database's object stores. */
export type Names = StoreNames<MemoryDbSchema>;
/** A readwrite transaction over some of the stores (typed loosely: the names are checked when it is opened). */
export type WriteTx = IDBPTransaction<MemoryDbSchema, Names[], 'readwrite'>;

/** Typed fire-and-forget writes on one store of a write transaction; failures surface through the transaction. */
export interface StoreWriter<N extends Names> {
  put(value: MemoryDbSchema[N]['value']): void;
  add(value: MemoryDbSchema[N]['value']): void;
  delete(key: MemoryDbSchema[N]['key']): void;
  clear(): void;
}
/** Any transaction, for helpers that only read. */
export type ReadTx = IDBPTransaction<MemoryDbSchema, Names[], 'readonly'>;

/** Views any transaction as a read-only one, for helpers that only read. */
export function reading(tx: WriteTx | ReadTx): ReadTx {
  return tx as unknown as ReadTx;
}

/**
 * One readwrite transaction: `body` reads (awaiting only IndexedDB requests), plans synchronously and queues its
 * writes on the native stores `out(name)` gives. Writes are plain requests, not promises: a failing one aborts
 * the transaction, and `done` reports its error. Any error or an abort of `signal` aborts the transaction, so
 * nothing is written.
 */
export async function writeTransaction<T>(
  db: MemoryDb,
  names: Names[],
  signal: AbortSignal | undefined,
  body: (tx: WriteTx, out: <N extends Names>(name: N) => StoreWriter<N>) => Promise<T>,
): Promise<T> {
  const tx = db.transaction(names, 'readwrite');
  // A failing request rejects `done` before the reads of `body` fail; handle it now so it is never unobserved.
  const done = tx.done;
  done.catch(() => undefined);
  // Native requests skip idb's promise per request, which halves the cost of bulk writes (imports, backfills).
  const out = <N extends Names>(name: N): StoreWriter<N> => {
    const store = unwrap(tx.objectStore(name));
    return {
      put: (value) => void store.put(value),
      add: (value) => void store.add(value),
      delete: (key) => void store.delete(key),
      clear: () => void store.clear(),
    };
  };
  const abort = (): void => {
    try {
      tx.abort();
    } catch {
      // The transaction already committed or aborted; there is nothing left to stop.
    }
  };
  signal?.addEventListener('abort', abort);
  try {
    const result = await body(tx, out);
    await done;
    return result;
  } catch (err) {
    const txError = tx.error;
    abort();
    await done.catch(() => undefined);
    throw writeError(err, tx.error ?? txError, signal);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/** Maps a failed write to the error callers see: the abort reason, `QuotaError`, or the error itself. */
function writeError(err: unknown, txError: DOMException | null, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) {
    return signal.reason instanceof Error
      ? signal.reason
      : new DOMException('The operation was aborted.', 'AbortError');
  }
  const names = [txError?.name, (err as { name?: unknown } | null)?.name];
  if (names.includes('QuotaExceededError')) return new QuotaError();
  // A failed write request aborts the transaction; a read still pending then fails with a bare AbortError.
  return txError && isAbortError(err) ? txError : err;
}

/** Serializes one store instance's writes and cache refreshes, and its writes with other tabs' through a Web Lock. */
export class WriteQueue {
  private queue: Promise<unknown> = Promise.resolve();

  /** Uses the Web Lock `lockName` for exclusive runs. */
  constructor(private readonly lockName: string) {}

  /** Runs `fn` after every earlier run of this queue has finished. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs a write holding this queue and the cross-tab write lock (when the browser has Web Locks). */
  exclusive<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return this.serial(() => {
      throwIfAborted(signal);
      // Without Web Locks, IndexedDB's own ordering of overlapping readwrite transactions still serializes writers,
      // because every write reads what it plans against inside its transaction.
      const locks = runtimeNavigator()?.locks;
      if (!locks) return fn();
      return locks.request(this.lockName, signal ? { signal } : {}, fn) as Promise<T>;
    });
  }
}
