/**
 * The package's way to start the memory worker (vite.lib.config.ts puts it in place of
 * src/agent/start-memory-worker.ts): the worker is prebuilt once, to `workers/memory.worker.js` next to the entry
 * files. The build writes the literal `new Worker(new URL('./workers/memory.worker.js', import.meta.url), …)` into
 * the output for `__MEMORY_R1_WORKER__`, after Vite's own worker handling, so that a plain page finds the file next
 * to the script and a host's bundler sees the usual pattern and bundles the worker itself.
 */

declare function __MEMORY_R1_WORKER__(name: string): Worker;
declare const __MEMORY_R1_ORT_BASE__: string;

/** Starts the packaged memory worker with `name` (its start options). */
export function startMemoryWorker(name: string): Worker {
  return __MEMORY_R1_WORKER__(name);
}

/** ONNX Runtime's files ship in `ort/` next to the entry files. */
export function ortBase(): string | undefined {
  return __MEMORY_R1_ORT_BASE__;
}
