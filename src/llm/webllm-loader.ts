/**
 * Loading models into a WebLLM engine (in a worker or not) and managing WebLLM's model cache: download first with
 * byte progress (`downloadModel`), then `engine.reload()` with WebLLM's text progress turned into bytes, fraction
 * and ETA; abort by unloading (WebLLM's `reload()` swallows its own abort and resolves, so we check the signal);
 * a check that several models fit the storage quota together before downloading; cached models listed with sizes
 * and an "available offline" flag; deletion; Cache API or IndexedDB backend.
 * Every error that leaves this module is typed (see `errors.ts`) or an `AbortError`. Only WebLLM's types are
 * imported (its runtime is one 6 MB module): the cache is read and written through `model-cache.ts`, in WebLLM's
 * format, and the tests check WebLLM's own `hasModelInCache` / `deleteModelAllInfoInCache` agree.
 */

/** The engine calls loading needs; `EngineClient`, `WebWorkerMLCEngine` and `MLCEngine` all provide them. */
export interface LoadableEngine {
  setAppConfig(appConfig: AppConfig): void;
  setInitProgressCallback(callback: InitProgressCallback): void;
  reload(modelId: string | string[]): Promise<void>;
  unload(): Promise<void>;
}
import type { AppConfig, InitProgressCallback, InitProgressReport, ModelRecord } from '@mlc-ai/web-llm';
import { throwIfAborted } from '../core/errors';
import type { CapabilityEnv } from './capabilities';
import {
  downloadModel,
  remainingDownloadBytes,
  type DownloadOptions,
  type LoadPhase,
} from './model-download';
import { openModelCache, type ModelCacheBackend } from './model-cache';
import {
  chatConfigSchema,
  isUncachedLibrary,
  manifestUrls,
  modelFiles,
  tensorCacheSchema,
} from './model-files';
import { formatSize, InsufficientStorageError, normalizeWebLlmError, UnknownModelError } from './errors';
import type { Progress } from '../core/progress';
import { runtimeNavigator } from '../core/runtime';

const MB = 1024 * 1024;

/**
 * Turns WebLLM's progress reports into `Progress`, reading bytes from texts such as
 * `"Loading model from cache[3/10]: 120MB loaded. 30% completed, 2 secs elapsed."` and computing an ETA from the
 * rate between reports. One tracker per load.
 * @example createProgressTracker()({ progress: 0.3, timeElapsed: 2, text: 'Fetching param cache[3/10]: 120MB fetched. 30% completed, 2 secs elapsed.' })
 * // => { phase: 'download', fraction: 0.3, loadedBytes: 125829120, totalBytes: 419430400, etaSeconds: …, text: … }
 */
export function createProgressTracker(now: () => number = () => performance.now()) {
  let first: { t: number; bytes: number } | undefined;
  return (report: InitProgressReport): Progress<LoadPhase> => {
    const fraction = Math.max(0, Math.min(1, report.progress));
    const bytesMatch = /(\d+(?:\.\d+)?)\s*MB (?:fetched|loaded)/.exec(report.text);
    const phase: LoadPhase = /^Fetching param cache/.test(report.text) ? 'download' : 'load';
    const progress: Progress<LoadPhase> = { phase, fraction, text: report.text };
    if (bytesMatch?.[1] !== undefined) {
      const loadedBytes = Number(bytesMatch[1]) * MB;
      progress.loadedBytes = loadedBytes;
      if (fraction > 0) progress.totalBytes = Math.round(loadedBytes / fraction);
      const t = now();
      first ??= { t, bytes: loadedBytes };
      const seconds = (t - first.t) / 1000;
      const rate = seconds > 0 ? (loadedBytes - first.bytes) / seconds : 0;
      if (rate > 0 && progress.totalBytes !== undefined) {
        progress.etaSeconds = Math.max(0, (progress.totalBytes - loadedBytes) / rate);
      }
    }
    return progress;
  };
}

/** Options of `loadModels`. */
export interface LoadOptions {
  /** The app config the engine resolves ids in (WebLLM's prebuilt config plus custom records). */
  appConfig: AppConfig;
  backend?: ModelCacheBackend;
  signal?: AbortSignal;
  onProgress?: (progress: Progress<LoadPhase> & { modelId: string }) => void;
  /** Passed to `downloadModel` (tests inject `fetch`, the clock…). */
  download?: Omit<DownloadOptions, 'backend' | 'signal' | 'onProgress'>;
}

/** Finds a record by id in an app config, or throws `UnknownModelError`. */
export function findRecord(modelId: string, appConfig: AppConfig): ModelRecord {
  const record = appConfig.model_list.find((r) => r.model_id === modelId);
  if (!record) throw new UnknownModelError(modelId);
  return record;
}

/** The app config with the chosen cache backend, as handed to the engine. */
export function withBackend(appConfig: AppConfig, backend: ModelCacheBackend): AppConfig {
  return { ...appConfig, cacheBackend: backend };
}

/**
 * Downloads (or resumes) and loads models into an engine; two ids load both (one per role). Aborting unloads the
 * engine and rejects with an `AbortError`; files already cached stay cached, so loading again resumes.
 */
export async function loadModels(
  engine: LoadableEngine,
  modelIds: string[],
  opts: LoadOptions,
): Promise<void> {
  const backend = opts.backend ?? 'cache';
  const appConfig = withBackend(opts.appConfig, backend);
  const records = modelIds.map((id) => findRecord(id, appConfig));
  throwIfAborted(opts.signal);
  for (const [i, record] of records.entries()) {
    await downloadModel(record, {
      ...opts.download,
      backend,
      signal: opts.signal,
      onProgress: (p) =>
        opts.onProgress?.({ ...p, fraction: (i + p.fraction) / records.length, modelId: record.model_id }),
    });
  }
  const track = createProgressTracker(opts.download?.now);
  const onAbort = () => void engine.unload().catch(() => undefined);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    engine.setAppConfig(appConfig);
    engine.setInitProgressCallback((report) => {
      const p = track(report);
      opts.onProgress?.({ ...p, phase: 'load', modelId: modelIds.join(' + ') });
    });
    await engine.reload(modelIds.length === 1 ? (modelIds[0] as string) : modelIds);
  } catch (err) {
    throwIfAborted(opts.signal);
    throw normalizeWebLlmError(err);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  throwIfAborted(opts.signal);
}

/** Options of `checkModelsFitOnDisk`. */
export interface DiskFitOptions {
  /** The app config the ids are resolved in. */
  appConfig: AppConfig;
  backend?: ModelCacheBackend;
  signal?: AbortSignal;
  /** The storage quota to check against; default `navigator.storage`. */
  storage?: CapabilityEnv['storage'];
  /** Passed to `remainingDownloadBytes` (tests inject `fetch`). */
  fetch?: typeof fetch;
}

/**
 * Checks, before any weights are downloaded, that models fit the storage quota together: the weight shards not yet
 * cached of every model (from its `tensor-cache.json`, a few kilobytes fetched and cached if needed) against what
 * `navigator.storage.estimate()` says the site may still store. Throws `InsufficientStorageError` naming the models
 * when they do not fit; returns the figures (`freeBytes` undefined when the quota cannot be read).
 */
export async function checkModelsFitOnDisk(
  modelIds: string[],
  opts: DiskFitOptions,
): Promise<{ neededBytes: number; freeBytes?: number }> {
  const sizes = await Promise.all(
    modelIds.map((id) =>
      remainingDownloadBytes(findRecord(id, opts.appConfig), {
        backend: opts.backend,
        signal: opts.signal,
        fetch: opts.fetch,
      }).catch((err: unknown) => {
        throw normalizeWebLlmError(err);
      }),
    ),
  );
  const neededBytes = sizes.reduce((a, b) => a + b, 0);
  const storage = opts.storage ?? runtimeNavigator()?.storage;
  if (neededBytes === 0 || !storage) return { neededBytes };
  const estimate = await storage.estimate().catch(() => undefined);
  if (estimate?.quota === undefined) return { neededBytes };
  const freeBytes = Math.max(0, estimate.quota - (estimate.usage ?? 0));
  if (neededBytes > freeBytes) {
    throw new InsufficientStorageError(
      `${modelIds.join(' and ')} need about ${formatSize(neededBytes / MB)} more storage together, but this site may store only ${formatSize(freeBytes / MB)} more. Free disk space or delete unused models in the Models page, use one model for both roles, or pick smaller models.`,
    );
  }
  return { neededBytes, freeBytes };
}

/** What the cache holds of one model. */
export interface CachedModelStatus {
  modelId: string;
  /** Bytes of this model's files in the cache (complete files only). */
  cachedBytes: number;
  /** Bytes of the whole model, when its manifests are cached. */
  totalBytes?: number;
  /** Every file WebLLM needs is cached: the model loads without network. */
  availableOffline: boolean;
  /** The weight manifest and every shard are cached (what WebLLM's `hasModelInCache` checks). */
  weightsCached: boolean;
}

/** The cache status of one model, without any network access. */
export async function cachedModelStatus(
  record: ModelRecord,
  backend: ModelCacheBackend = 'cache',
): Promise<CachedModelStatus> {
  const stores = openModelCache(backend);
  const urls = manifestUrls(record);
  const [configJson, tensorJson] = await Promise.all([
    stores['webllm/config'].readJson(urls.chatConfig),
    stores['webllm/model'].readJson(urls.tensorCache),
  ]);
  const config = chatConfigSchema.safeParse(configJson);
  const tensors = tensorCacheSchema.safeParse(tensorJson);
  if (!config.success || !tensors.success) {
    const keys = await stores['webllm/model'].keys(urls.base);
    const sizes = await Promise.all(keys.map((k) => stores['webllm/model'].size(k)));
    const configSize = (await stores['webllm/config'].size(urls.chatConfig)) ?? 0;
    return {
      modelId: record.model_id,
      cachedBytes: configSize + sizes.reduce<number>((a, b) => a + (b ?? 0), 0),
      availableOffline: false,
      weightsCached: false,
    };
  }
  let cachedBytes = 0;
  let totalBytes = 0;
  let complete = true;
  let weightsCached = true;
  for (const f of modelFiles(record, config.data, tensors.data)) {
    const has = await stores[f.scope].has(f.url);
    // Shard sizes come from the manifest: reading a shard back just to measure it would load it into memory.
    const stored = !has ? undefined : (f.nbytes ?? (await stores[f.scope].size(f.url)));
    if (stored === undefined) complete = false;
    if (stored === undefined && f.kind === 'weights') weightsCached = false;
    cachedBytes += stored ?? 0;
    totalBytes += f.nbytes ?? stored ?? 0;
  }
  return { modelId: record.model_id, cachedBytes, totalBytes, availableOffline: complete, weightsCached };
}

/** Cache status of every model in an app config that has anything cached. */
export async function listCachedModels(
  appConfig: AppConfig,
  backend: ModelCacheBackend = 'cache',
): Promise<CachedModelStatus[]> {
  const all = await Promise.all(appConfig.model_list.map((r) => cachedModelStatus(r, backend)));
  return all.filter((s) => s.cachedBytes > 0);
}

/**
 * Deletes every cached file of a model — what WebLLM's `deleteModelAllInfoInCache` removes, plus partial downloads —
 * without network. The model library is kept when another cached model of `appConfig` uses the same one.
 */
export async function deleteCachedModel(
  modelId: string,
  appConfig: AppConfig,
  backend: ModelCacheBackend = 'cache',
): Promise<void> {
  const record = findRecord(modelId, appConfig);
  const stores = openModelCache(backend);
  const urls = manifestUrls(record);
  for (const scope of ['webllm/model', 'webllm/config'] as const) {
    for (const key of await stores[scope].keys(urls.base)) await stores[scope].delete(key);
  }
  if (urls.packageManifest) await stores['webllm/config'].delete(urls.packageManifest);
  if (isUncachedLibrary(record.model_lib)) return;
  const sharedWith = await Promise.all(
    appConfig.model_list
      .filter((r) => r.model_id !== modelId && r.model_lib === record.model_lib)
      .map((r) => stores['webllm/config'].has(manifestUrls(r).chatConfig)),
  );
  if (!sharedWith.some(Boolean)) await stores['webllm/wasm'].delete(record.model_lib);
}
