/**
 * The page's handle on the On-device (CPU) models: the CPU catalog merged with what the GGUF cache holds (sizes,
 * partial downloads, custom GGUFs added by URL), downloads with progress that resume where an earlier one stopped,
 * deletion, and how many threads the engine gets here. The cache work runs in a CPU engine worker started on first
 * use and kept for the page's life (it loads no model), so the page opens no cache and imports no engine code.
 */
import type { CpuEngineRpc, CpuLoadPhase } from '../core/cpu-engine-protocol';
import type { Progress } from '../core/progress';
import type { CachedGgufStatus } from '../core/cpu-engine-protocol';
import { CPU_CATALOG, checkCpuModelChoice, cpuModelLabel, cpuModelUrl } from '../protocol/cpu-catalog';
import { cpuThreading, type CpuThreading } from '../core/cpu-threads';
import { RpcClient, type RpcEndpoint } from '../core/rpc';

/** One CPU model as the model manager lists it. */
export interface CpuModelItem {
  /** The catalog id, or the URL of a custom GGUF (what the settings store). */
  choice: string;
  /** The catalog id or the file name. */
  label: string;
  url: string;
  /** True for a catalog entry; false for a GGUF added by URL. */
  catalog: boolean;
  /** Download size in MB (the catalog's, else the server's). */
  sizeMB?: number;
  /** Memory needed while running, in MB (catalog entries). */
  ramMB?: number;
  /** What to expect of its speed (catalog entries). */
  speed?: string;
  /** Bytes stored so far; 0 when nothing is. */
  cachedBytes: number;
  /** Complete and checked: loads without network. */
  availableOffline: boolean;
  /** Architecture and model name from the GGUF header, once some of it is cached. */
  architecture?: string;
  name?: string;
}

/** What components need for CPU models; `CpuModelClient` implements it, tests may fake it. */
export interface CpuModelService {
  /** The catalog, then custom GGUFs in the cache. */
  models(): Promise<CpuModelItem[]>;
  /** Checks and downloads (or resumes) a catalog id or GGUF URL; throws the engine's typed errors. */
  download(
    choice: string,
    opts: { signal?: AbortSignal; onProgress?: (progress: Progress<CpuLoadPhase>) => void },
  ): Promise<void>;
  /** Deletes a model's cached file (a partial download too). */
  remove(choice: string): Promise<void>;
  /** How the engine runs on this page (threads, or why only one). */
  threading(): CpuThreading;
}

const MB = 1024 * 1024;

/** Merges the catalog with the cache's records: catalog entries first, then custom GGUFs. */
export function cpuModelItems(cached: readonly CachedGgufStatus[]): CpuModelItem[] {
  const byUrl = new Map(cached.map((c) => [c.url, c]));
  const state = (c: CachedGgufStatus | undefined) => ({
    cachedBytes: c?.cachedBytes ?? 0,
    availableOffline: c?.availableOffline ?? false,
    ...(c?.architecture !== undefined && { architecture: c.architecture }),
    ...(c?.name !== undefined && { name: c.name }),
  });
  const catalog = CPU_CATALOG.map((e) => ({
    choice: e.id,
    label: e.id,
    url: e.url,
    catalog: true,
    sizeMB: e.sizeMB,
    ramMB: e.ramMB,
    speed: e.speed,
    ...state(byUrl.get(e.url)),
  }));
  const custom = cached
    .filter((c) => !CPU_CATALOG.some((e) => e.url === c.url))
    .map((c) => ({
      choice: c.url,
      label: cpuModelLabel(c.url),
      url: c.url,
      catalog: false,
      sizeMB: Math.round(c.totalBytes / MB),
      ...state(c),
    }));
  return [...catalog, ...custom];
}

/** Starts the CPU engine worker the page uses for the cache. */
function startCpuEngineWorker(): RpcEndpoint {
  return new Worker(new URL('../workers/cpu-engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'cpu-models',
  });
}

/** `CpuModelService` over a CPU engine worker (see the module comment). */
export class CpuModelClient implements CpuModelService {
  private rpc?: RpcClient<CpuEngineRpc>;

  /** `connect` starts the worker on first use; default a new `cpu-engine.worker.ts`. */
  constructor(private readonly connect: () => RpcEndpoint = startCpuEngineWorker) {}

  async models(): Promise<CpuModelItem[]> {
    return cpuModelItems(await this.client().call('cached', null));
  }

  async download(
    choice: string,
    opts: { signal?: AbortSignal; onProgress?: (progress: Progress<CpuLoadPhase>) => void } = {},
  ): Promise<void> {
    await this.client().call('download', { url: cpuModelUrl(checkCpuModelChoice(choice)) }, opts);
  }

  async remove(choice: string): Promise<void> {
    await this.client().call('remove', { url: cpuModelUrl(choice) });
  }

  threading(): CpuThreading {
    return cpuThreading();
  }

  private client(): RpcClient<CpuEngineRpc> {
    this.rpc ??= new RpcClient<CpuEngineRpc>(this.connect());
    return this.rpc;
  }
}
