/**
 * The model manager's side of the CPU engine worker (`cached`, `download`, `remove` of `CpuEngineRpc`): list the
 * GGUFs in the cache with their sizes, download one ahead of use (checked first: a GGUF, an architecture llama.cpp
 * can chat with, small enough for memory and disk; an interrupted download resumes), and delete one (a partial
 * download too). It runs in the worker so that the page neither imports this code nor opens the cache itself.
 */
import type { RpcHandlers } from '../core/rpc';
import type { CpuEngineRpc } from '../core/cpu-engine-protocol';
import { cpuModelId, DEFAULT_CPU_CONTEXT, type CpuEngineServiceOptions } from './cpu-engine-options';
import { cachedGgufStatus, CacheApiGgufStore, listCachedGgufModels } from './gguf-cache';
import type { CachedGgufStatus } from '../core/cpu-engine-protocol';
import { checkCpuMemory, currentMemoryLimits, estimateCpuMemoryBytes } from './gguf-checks';
import { ensureGguf } from './gguf-download';
import { inspectGgufUrl } from './gguf-remote';

/** The handlers of `cached`, `download` and `remove`. */
export function cpuModelAdminHandlers(
  opts: CpuEngineServiceOptions = {},
): Pick<RpcHandlers<CpuEngineRpc>, 'cached' | 'download' | 'remove'> {
  const store = opts.store ?? new CacheApiGgufStore();
  return {
    cached: () => listCachedGgufModels(store),

    async download({ url }, { signal, progress }) {
      const stored = await store.readRecord(url);
      const net = { fetch: opts.fetch, signal };
      const remote = stored?.complete ? undefined : await inspectGgufUrl(url, net);
      if (remote) {
        const context = Math.min(DEFAULT_CPU_CONTEXT, remote.info.contextLength ?? DEFAULT_CPU_CONTEXT);
        checkCpuMemory(
          [
            {
              name: cpuModelId({ url }),
              neededBytes: estimateCpuMemoryBytes(remote.info, remote.totalBytes ?? 0, context),
            },
          ],
          opts.memoryLimits ?? currentMemoryLimits(),
        );
      }
      await ensureGguf(url, {
        ...net,
        store,
        ...(remote && { remote }),
        ...(opts.storage && { storage: opts.storage }),
        ...(opts.online && { online: opts.online }),
        ...(opts.partBytes !== undefined && { partBytes: opts.partBytes }),
        onProgress: progress,
      });
      return (await cachedGgufStatus(url, store)) as CachedGgufStatus;
    },

    async remove({ url }) {
      await store.delete(url);
      return null;
    },
  };
}
