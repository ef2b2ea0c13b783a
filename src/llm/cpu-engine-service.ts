/**
 * What the CPU engine worker does, as RPC handlers (`CpuEngineRpc`): `load` checks every model URL first (GGUF,
 * architecture, memory for all of them together, disk for all downloads together), then downloads or resumes
 * each into the cache, checks memory again from the complete headers (this covers models loaded offline), and
 * loads each distinct model into its own llama.cpp instance; `chat` streams a completion; `unload` frees all;
 * `cached`, `download` and `remove` serve the model manager (`cpu-model-admin.ts`).
 * Options are injectable so tests can run the same service in a page with a fetch that fails on demand.
 */
import type { Progress } from '../core/progress';
import type { RpcHandlers } from '../core/rpc';
import type {
  CpuEngineRpc,
  CpuLoadedModel,
  CpuLoadPhase,
  CpuModelRef,
  TokenizerMetadata,
} from '../core/cpu-engine-protocol';
import { cpuModelAdminHandlers } from './cpu-model-admin';
import { cpuModelId, DEFAULT_CPU_CONTEXT, type CpuEngineServiceOptions } from './cpu-engine-options';
import { ModelNotLoadedError } from './errors';
import { CacheApiGgufStore } from './gguf-cache';
import { checkCpuMemory, currentMemoryLimits, estimateCpuMemoryBytes } from './gguf-checks';
import { ensureGguf, type CachedGguf } from './gguf-download';
import { inspectGgufUrl, type GgufRemoteInfo } from './gguf-remote';
import { ggufModelInfo, type GgufHeader } from './gguf';
import { cpuThreading } from '../core/cpu-threads';
import { loadWllama, streamChat, type LoadedWllama } from './wllama-engine';

function tokenizerMetadata(header: GgufHeader): TokenizerMetadata {
  const out: TokenizerMetadata = {};
  for (const [key, value] of header.metadata) {
    if (!key.startsWith('tokenizer.ggml.')) continue;
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'string' || typeof v === 'number'))
        out[key] = value as (string | number)[];
    } else out[key] = value;
  }
  return out;
}

/** The service (see the module header). One per worker: it remembers whether the single-thread notice was said. */
export function createCpuEngineService(opts: CpuEngineServiceOptions = {}): {
  handlers: RpcHandlers<CpuEngineRpc>;
} {
  const store = opts.store ?? new CacheApiGgufStore();
  const loaded = new Map<string, LoadedWllama>();
  let noticeSaid = false;

  const unloadAll = async () => {
    const all = [...loaded.values()];
    loaded.clear();
    await Promise.all(all.map((m) => m.wllama.exit().catch(() => undefined)));
  };

  const handlers: RpcHandlers<CpuEngineRpc> = {
    async load(params, { signal, progress }) {
      await unloadAll();
      const threading = cpuThreading(params.threads);
      const notice = threading.notice !== undefined && !noticeSaid ? threading.notice : undefined;
      noticeSaid ||= notice !== undefined;
      let noticePending = notice;
      const report = (p: Omit<Progress<CpuLoadPhase>, 'notice'>) => {
        progress({ ...p, ...(noticePending !== undefined && { notice: noticePending }) });
        noticePending = undefined;
      };
      const refs = [...new Map(params.models.map((m) => [m.url, m])).values()];
      const names = refs.map(cpuModelId);
      const wanted = params.contextWindow ?? DEFAULT_CPU_CONTEXT;
      const net = { fetch: opts.fetch, signal };

      report({ phase: 'check', fraction: 0, text: `Checking ${names.join(' and ')}` });
      const remotes = await Promise.all(
        refs.map(async (ref): Promise<GgufRemoteInfo | undefined> => {
          const record = await store.readRecord(ref.url);
          return record?.complete ? undefined : inspectGgufUrl(ref.url, net);
        }),
      );
      const limits = opts.memoryLimits ?? currentMemoryLimits();
      const toFetch = remotes.filter((r): r is GgufRemoteInfo => r !== undefined);
      if (toFetch.length === refs.length) {
        checkCpuMemory(
          toFetch.map((r, i) => ({
            name: names[i] as string,
            neededBytes: estimateCpuMemoryBytes(
              r.info,
              r.totalBytes ?? 0,
              Math.min(wanted, r.info.contextLength ?? wanted),
            ),
          })),
          limits,
        );
      }

      const downloadBytes = toFetch.reduce((sum, r) => sum + (r.totalBytes ?? 0), 0);
      let doneBytes = 0;
      const cached: CachedGguf[] = [];
      for (const [i, ref] of refs.entries()) {
        const remote = remotes[i];
        const result = await ensureGguf(ref.url, {
          ...net,
          store,
          ...(remote && { remote }),
          ...(opts.storage && { storage: opts.storage }),
          ...(opts.online && { online: opts.online }),
          ...(opts.partBytes !== undefined && { partBytes: opts.partBytes }),
          onProgress: (p) =>
            report({
              ...p,
              fraction: downloadBytes > 0 ? (0.9 * (doneBytes + (p.loadedBytes ?? 0))) / downloadBytes : 0,
            }),
        });
        doneBytes += remote?.totalBytes ?? 0;
        cached.push(result);
      }

      const infos = cached.map((c) => ggufModelInfo(c.header));
      const contexts = infos.map((info) => Math.min(wanted, info.contextLength ?? wanted));
      checkCpuMemory(
        cached.map((c, i) => ({
          name: names[i] as string,
          neededBytes: estimateCpuMemoryBytes(infos[i] ?? {}, c.file.size, contexts[i] ?? wanted),
        })),
        limits,
      );

      const models: CpuLoadedModel[] = [];
      try {
        for (const [i, c] of cached.entries()) {
          const ref = refs[i] as CpuModelRef;
          const threads = threading.multiThread ? `${threading.threads} threads` : 'one thread';
          report({
            phase: 'load',
            fraction: 0.9 + (0.1 * i) / cached.length,
            text: `Loading ${names[i]} on the CPU (${threads})`,
          });
          const contextWindow = contexts[i] ?? wanted;
          loaded.set(ref.url, await loadWllama(c.file, { contextWindow, threading, signal }));
          const info = infos[i] ?? {};
          models.push({
            url: ref.url,
            id: names[i] as string,
            contextWindow,
            ...(info.name !== undefined && { name: info.name }),
            ...(info.architecture !== undefined && { architecture: info.architecture }),
            fileBytes: c.file.size,
            tokenizer: tokenizerMetadata(c.header),
          });
        }
      } catch (err) {
        await unloadAll();
        throw err;
      }
      report({ phase: 'load', fraction: 1, text: `Ready: ${names.join(' and ')}` });
      return { models, threads: threading.threads, multiThread: threading.multiThread };
    },

    async chat({ url, request }, { signal, progress }) {
      const model = loaded.get(url);
      if (!model)
        throw new ModelNotLoadedError(
          `The CPU model ${url} is not loaded. Load it from the Models page first.`,
        );
      return streamChat(model, request, progress, signal);
    },

    async unload() {
      await unloadAll();
      return null;
    },

    ...cpuModelAdminHandlers({ ...opts, store }),
  };
  return { handlers };
}
