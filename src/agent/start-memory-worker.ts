/**
 * Starts the memory worker of an agent, from source (the app's build and the tests bundle it from here). The
 * package build (vite.lib.config.ts) replaces this module with src/package/start-memory-worker.ts, which starts the
 * prebuilt worker shipped next to the package's entry file.
 */

/** Starts a memory worker with `name` (its start options, see protocol/agent-protocol.ts). */
export function startMemoryWorker(name: string): Worker {
  return new Worker(new URL('../workers/memory.worker.ts', import.meta.url), { type: 'module', name });
}

/** Where ONNX Runtime's files are served: `undefined` keeps the worker's default (the app's `/ort/`). */
export function ortBase(): string | undefined {
  return undefined;
}
