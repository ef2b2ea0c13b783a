/**
 * The CPU engine service's options and the two facts both its halves use (`cpu-engine-service.ts` loads and chats,
 * `cpu-model-admin.ts` serves the model manager): the default context window and the id a model is shown under.
 */
import type { CpuModelRef } from '../core/cpu-engine-protocol';
import type { CapabilityEnv } from './capabilities';
import type { GgufStore } from './gguf-cache';
import type { MemoryLimits } from './gguf-checks';

/** Context window when the caller names none (what the Memory Manager and Answer Agent assume). */
export const DEFAULT_CPU_CONTEXT = 4096;

/** Options of `createCpuEngineService`; defaults are the browser's own. */
export interface CpuEngineServiceOptions {
  store?: GgufStore;
  fetch?: typeof fetch;
  storage?: CapabilityEnv['storage'];
  online?: () => boolean;
  memoryLimits?: MemoryLimits;
  /** Part size of new downloads (tests use small parts to exercise resuming). */
  partBytes?: number;
}

/** The id a model is shown under: the given one, else its file name without `.gguf`. */
export function cpuModelId(ref: CpuModelRef): string {
  if (ref.id) return ref.id;
  const file = decodeURIComponent(new URL(ref.url).pathname.split('/').pop() ?? ref.url);
  return file.replace(/\.gguf$/i, '') || ref.url;
}
