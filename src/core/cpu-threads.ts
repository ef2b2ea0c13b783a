/**
 * How many threads the CPU engine (llama.cpp in WebAssembly) runs on here. Threads need SharedArrayBuffer, which
 * browsers give only to cross-origin isolated pages (COOP `same-origin` + COEP `require-corp` or `credentialless`);
 * elsewhere the engine runs on one thread and says so once. Shared by the engine worker, which decides, and the
 * settings page, which tells the user.
 */

/** How the engine will run here. */
export interface CpuThreading {
  threads: number;
  multiThread: boolean;
  /** Why it runs on one thread, when that is a fallback. */
  notice?: string;
}

/** What the user is told once when the page cannot run threads. */
export const SINGLE_THREAD_NOTICE =
  'This page is not cross-origin isolated, so the CPU model runs on one thread instead of using every core. ' +
  'Serve the app with the headers Cross-Origin-Opener-Policy: same-origin and ' +
  'Cross-Origin-Embedder-Policy: require-corp to use every core.';

/** Threads llama.cpp uses by default: every core up to 4, then half of them (logical cores), at most 8. */
export function defaultThreads(cores: number): number {
  return Math.max(1, Math.min(8, cores <= 4 ? cores : Math.ceil(cores / 2)));
}

/** The threads the engine can use in this context, `requested` (when given) capped at the core count. */
export function cpuThreading(requested?: number): CpuThreading {
  const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
  if (!isolated) return { threads: 1, multiThread: false, notice: SINGLE_THREAD_NOTICE };
  const cores = globalThis.navigator?.hardwareConcurrency || 1;
  const threads = Math.max(1, Math.min(cores, requested ?? defaultThreads(cores)));
  return { threads, multiThread: threads > 1 };
}
