/**
 * This origin's storage as the browser manages it: how much is used and allowed, and the one-time request that the
 * browser keep the data (persistent rather than best-effort storage). Used by `IndexedDbStore`.
 */
import { runtimeNavigator } from '../../core/runtime';

/** Storage use of this origin, and whether the browser promised not to evict it. */
export interface StorageReport {
  usage: number;
  quota: number;
  persisted: boolean;
}

/** How much this origin stores and may store, and whether its storage is persistent. */
export async function estimateStorage(): Promise<StorageReport> {
  const estimate = await navigator.storage.estimate();
  return {
    usage: estimate.usage ?? 0,
    quota: estimate.quota ?? 0,
    persisted: (await navigator.storage.persisted?.()) ?? false,
  };
}

/** Asks the browser to keep this origin's data, unless it already does; never fails. */
export function requestPersistence(): void {
  const storage = runtimeNavigator()?.storage;
  const persist = storage?.persist?.bind(storage);
  if (!storage || !persist) return;
  // Best effort by design: a refusal only leaves storage "best-effort", which `storageEstimate()` reports.
  void (async () => {
    if (!(await storage.persisted())) await persist();
  })().catch(() => undefined);
}
