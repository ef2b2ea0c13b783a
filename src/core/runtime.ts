/**
 * Runtime detection in one place: which host this code runs in (Node, or a browser page or worker) and the parts
 * of `navigator` the layers use when present (network state, storage, Web Locks, WebGPU). Callers never test
 * `typeof navigator` or `typeof process` themselves, so a new host is taught here once.
 */

/** The parts of `navigator` (page or worker) this project reads; each may be missing. */
export interface RuntimeNavigator {
  onLine?: boolean;
  storage?: StorageManager & { persist?: () => Promise<boolean> };
  locks?: LockManager;
  gpu?: GPU;
}

/** The host's `navigator`, or undefined where there is none (Node before 21, other hosts). */
export function runtimeNavigator(): RuntimeNavigator | undefined {
  return (globalThis as { navigator?: RuntimeNavigator }).navigator;
}

/** True when running in Node (the command lines, the tests' node project). */
export function isNodeRuntime(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === 'string';
}
