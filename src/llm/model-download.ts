/**
 * Downloads every file of a WebLLM model into WebLLM's own cache before the engine loads it, with byte-exact
 * progress, ETA, abort and resume. WebLLM only fetches weights after it has compiled the model library and opened
 * a GPU device, and reports progress as text; downloading first lets us report real bytes, stop cleanly, check
 * sizes, and resume after a network loss (finished files are cached, a file is written only when complete). Then
 * `engine.reload()` finds everything cached and only loads it onto the GPU. Runs in a page or a worker.
 */
import type { ModelRecord } from '@mlc-ai/web-llm';
import { throwIfAborted, isAbortError } from '../core/errors';
import {
  chatConfigSchema,
  manifestUrls,
  modelFiles,
  tensorCacheSchema,
  type ChatConfigFile,
  type ModelFile,
  type TensorCacheFile,
} from './model-files';
import { openModelCache, type ModelCacheBackend, type ModelCacheStores } from './model-cache';
import { ModelDownloadError, ModelIntegrityError, normalizeWebLlmError } from './errors';
import type { Progress } from '../core/progress';
import { runtimeNavigator } from '../core/runtime';

/** The steps of a model's `Progress` (with bytes when known and an ETA once a rate is measurable). */
export type LoadPhase = 'download' | 'load';

/** Options of `downloadModel`; every field is optional. */
export interface DownloadOptions {
  /** WebLLM cache backend to fill; default `'cache'` (the Cache API). */
  backend?: ModelCacheBackend;
  signal?: AbortSignal;
  onProgress?: (progress: Progress<LoadPhase>) => void;
  /** Parallel file downloads; default 4, as WebLLM. */
  concurrency?: number;
  /** A transfer that delivers no byte for this long fails as a network loss; default 30 000 ms. */
  stallTimeoutMs?: number;
  /** Minimum interval between progress reports inside a file; default 250 ms. */
  progressIntervalMs?: number;
  /** Injected for tests: the fetch to use, the clock (ms), whether the browser is online. */
  fetch?: typeof fetch;
  now?: () => number;
  online?: () => boolean;
  /** Resolves relative model URLs; defaults to `location.href`. */
  pageUrl?: string;
}

/** What a finished download did. */
export interface DownloadResult {
  files: number;
  /** Files that were already cached and skipped. */
  cachedFiles: number;
  totalBytes: number;
  downloadedBytes: number;
}

const MB = 1024 * 1024;

function formatMB(bytes: number): string {
  return `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;
}

/**
 * Reads a response body completely, reporting each chunk's size. No byte for `stallMs` aborts `stall`; the reader is
 * cancelled on any abort, since a cancelled fetch does not always end a body that is already streaming.
 */
async function readBody(
  res: Response,
  stallMs: number,
  stall: AbortController,
  signal: AbortSignal,
  onChunk: (n: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!res.body) {
    const whole = new Uint8Array(await res.arrayBuffer());
    onChunk(whole.byteLength);
    return whole;
  }
  const reader = res.body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  const chunks: Uint8Array[] = [];
  let length = 0;
  const arm = () => setTimeout(() => stall.abort(), stallMs);
  let timer = arm();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      clearTimeout(timer);
      if (signal.aborted) throw new DOMException('The download was stopped.', 'AbortError');
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
      onChunk(value.byteLength);
      timer = arm();
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', cancel);
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Fetches one file into memory with abort and stall detection, mapping failures to typed errors. */
async function fetchFile(
  url: string,
  opts: { fetch: typeof fetch; signal: AbortSignal; stallMs: number; onChunk: (n: number) => void },
): Promise<Uint8Array<ArrayBuffer>> {
  const stall = new AbortController();
  const signal = AbortSignal.any([opts.signal, stall.signal]);
  const stallTimer = setTimeout(() => stall.abort(), opts.stallMs);
  try {
    const res = await opts.fetch(url, { signal });
    clearTimeout(stallTimer);
    if (!res.ok) {
      throw new ModelDownloadError(
        res.status === 404
          ? `The model file ${url} was not found (HTTP 404). Check the model URL; if it is right, the server is missing files.`
          : `The server answered HTTP ${res.status} for ${url}. Retry later: retry resumes from the shards already cached.`,
        url,
      );
    }
    return await readBody(res, opts.stallMs, stall, signal, opts.onChunk);
  } catch (err) {
    throwIfAborted(opts.signal);
    if (stall.signal.aborted) {
      throw new ModelDownloadError(
        `The download of ${url} stalled (no data for ${Math.round(opts.stallMs / 1000)} s). Check the connection and retry: retry resumes from the shards already cached.`,
        url,
      );
    }
    if (err instanceof ModelDownloadError) throw err;
    const typed = normalizeWebLlmError(err);
    if (typed instanceof ModelDownloadError || typed.name === 'WebLlmRuntimeError') {
      throw new ModelDownloadError(undefined, url, { cause: err });
    }
    throw typed;
  } finally {
    clearTimeout(stallTimer);
  }
}

/** Reads a manifest from the cache, or fetches, validates and caches it. */
async function manifest<T>(
  file: ModelFile,
  stores: ModelCacheStores,
  parse: (json: unknown) => T,
  get: (url: string) => Promise<Uint8Array<ArrayBuffer>>,
): Promise<{ value: T; fetchedBytes: number }> {
  const store = stores[file.scope];
  const cached = await store.readJson(file.url);
  if (cached !== undefined) return { value: parse(cached), fetchedBytes: 0 };
  const bytes = await get(file.url);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new ModelIntegrityError(
      `${file.url} is not valid JSON. Check the model URL points at an MLC model.`,
    );
  }
  const value = parse(json);
  await store.put(file.url, bytes, file.storeType);
  return { value, fetchedBytes: bytes.byteLength };
}

function parseWith<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
  },
  url: string,
) {
  return (json: unknown): T => {
    const r = schema.safeParse(json);
    if (!r.success)
      throw new ModelIntegrityError(`${url} does not look like an MLC model file: ${r.error.message}`);
    return r.data;
  };
}

/** The parsed manifests of a model, from the cache when present (no network), else fetched and cached. */
export async function readModelManifests(
  record: ModelRecord,
  stores: ModelCacheStores,
  get: (url: string) => Promise<Uint8Array<ArrayBuffer>>,
  pageUrl?: string,
): Promise<{ config: ChatConfigFile; tensorCache: TensorCacheFile; fetched: Map<string, number> }> {
  const urls = manifestUrls(record, pageUrl);
  const config = await manifest(
    { url: urls.chatConfig, scope: 'webllm/config', storeType: 'arraybuffer', kind: 'config' },
    stores,
    parseWith<ChatConfigFile>(chatConfigSchema, urls.chatConfig),
    get,
  );
  const tensorCache = await manifest(
    { url: urls.tensorCache, scope: 'webllm/model', storeType: 'json', kind: 'manifest' },
    stores,
    parseWith<TensorCacheFile>(tensorCacheSchema, urls.tensorCache),
    get,
  );
  const fetched = new Map<string, number>();
  if (config.fetchedBytes > 0) fetched.set(urls.chatConfig, config.fetchedBytes);
  if (tensorCache.fetchedBytes > 0) fetched.set(urls.tensorCache, tensorCache.fetchedBytes);
  return { config: config.value, tensorCache: tensorCache.value, fetched };
}

/**
 * Downloads a model's missing files into WebLLM's cache. Already-cached files are skipped, so calling it again after
 * a failure resumes. Rejects with `ModelDownloadError` (network lost, HTTP error, stall), `ModelIntegrityError`
 * (a shard of the wrong size, a malformed manifest), `InsufficientStorageError`, or an `AbortError`.
 */
export async function downloadModel(
  record: ModelRecord,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const now = opts.now ?? (() => performance.now());
  const online = opts.online ?? (() => runtimeNavigator()?.onLine ?? true);
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  const interval = opts.progressIntervalMs ?? 250;
  const stores = openModelCache(opts.backend ?? 'cache');
  throwIfAborted(opts.signal);

  // One failure stops the other transfers; we wait for them before returning so nothing is written afterwards.
  const inner = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, inner.signal]) : inner.signal;
  const start = now();
  let sessionBytes = 0;
  let loadedBytes = 0;
  let totalBytes = 0;
  let lastReport = -Infinity;
  let filesDone = 0;
  let filesTotal = 0;

  const report = (force: boolean) => {
    const t = now();
    if (!opts.onProgress || (!force && t - lastReport < interval)) return;
    lastReport = t;
    const elapsed = (t - start) / 1000;
    const rate = elapsed > 0 ? sessionBytes / elapsed : 0;
    const etaSeconds = rate > 0 && elapsed >= 1 ? Math.max(0, (totalBytes - loadedBytes) / rate) : undefined;
    const fraction = totalBytes > 0 ? Math.min(1, loadedBytes / totalBytes) : 0;
    const eta = etaSeconds === undefined ? '' : `, about ${Math.ceil(etaSeconds)} s left`;
    opts.onProgress({
      phase: 'download',
      fraction,
      loadedBytes,
      totalBytes,
      etaSeconds,
      text: `Downloading ${record.model_id}: ${formatMB(loadedBytes)} of ${formatMB(totalBytes)} (${Math.floor(fraction * 100)}%, file ${filesDone}/${filesTotal})${eta}`,
    });
  };
  const get = (url: string) =>
    fetchFile(url, {
      fetch: doFetch,
      signal,
      stallMs: stallMs,
      onChunk: (n) => {
        sessionBytes += n;
        loadedBytes += n;
        report(false);
      },
    });

  const failOffline = () => {
    if (!online()) {
      throw new ModelDownloadError(
        `You are offline and ${record.model_id} is not fully downloaded. Connect to the internet and retry: retry resumes from the shards already cached.`,
      );
    }
  };

  const urls = manifestUrls(record, opts.pageUrl);
  const [hasConfig, hasTensors] = await Promise.all([
    stores['webllm/config'].has(urls.chatConfig),
    stores['webllm/model'].has(urls.tensorCache),
  ]);
  const manifestsCached = { config: hasConfig, tensors: hasTensors };
  const manifests = await (async () => {
    if (!hasConfig || !hasTensors) failOffline();
    try {
      return await readModelManifests(record, stores, get, opts.pageUrl);
    } catch (err) {
      throwIfAborted(opts.signal);
      throw normalizeWebLlmError(err);
    }
  })();
  const files = modelFiles(record, manifests.config, manifests.tensorCache, opts.pageUrl);
  const present = await Promise.all(files.map((f) => stores[f.scope].has(f.url)));
  const missing = files.filter((_, i) => !present[i]);
  filesTotal = files.length;
  filesDone = files.length - missing.length;
  const sizes = await Promise.all(
    files.map(
      async (f, i) =>
        f.nbytes ??
        manifests.fetched.get(f.url) ??
        (present[i] ? ((await stores[f.scope].size(f.url)) ?? 0) : 0),
    ),
  );
  totalBytes = sizes.reduce((a, b) => a + b, 0);
  loadedBytes = sizes.reduce((sum, s, i) => sum + (present[i] ? s : 0), 0);
  // Manifests fetched by this call count as downloaded, not as found in the cache.
  const cachedFiles =
    files.length - missing.length - Number(!manifestsCached.config) - Number(!manifestsCached.tensors);
  if (missing.length === 0) {
    report(true);
    return { files: files.length, cachedFiles, totalBytes, downloadedBytes: sessionBytes };
  }
  failOffline();
  report(true);

  const downloadOne = async (file: ModelFile) => {
    const bytes = await get(file.url);
    if (file.nbytes !== undefined && bytes.byteLength !== file.nbytes) {
      throw new ModelIntegrityError(
        `${file.url} has ${bytes.byteLength} bytes but tensor-cache.json promises ${file.nbytes}. The server's copy is damaged or still uploading; retry later.`,
      );
    }
    if (file.nbytes === undefined) totalBytes += bytes.byteLength;
    throwIfAborted(signal);
    await stores[file.scope].put(file.url, bytes, file.storeType);
    filesDone++;
    report(true);
  };

  // Small files first, so the total is exact by the time the weights stream in.
  const queue = [
    ...missing.filter((f) => f.kind !== 'weights'),
    ...missing.filter((f) => f.kind === 'weights'),
  ];
  let failure: unknown;
  const worker = async () => {
    for (let file = queue.shift(); file && failure === undefined; file = queue.shift()) {
      try {
        await downloadOne(file);
      } catch (err) {
        failure ??= err;
        inner.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  if (failure !== undefined) {
    throwIfAborted(opts.signal);
    if (isAbortError(failure)) throw new ModelDownloadError(undefined, undefined, { cause: failure });
    throw normalizeWebLlmError(failure);
  }
  return {
    files: files.length,
    cachedFiles,
    totalBytes,
    downloadedBytes: sessionBytes,
  };
}

/**
 * Bytes still to download for a model: the weight shards not yet cached, from its `tensor-cache.json` (fetched and
 * cached if needed, a few kilobytes). Gives `checkCapabilities` an exact size to compare with the storage quota.
 */
export async function remainingDownloadBytes(
  record: ModelRecord,
  opts: Pick<DownloadOptions, 'backend' | 'signal' | 'fetch' | 'pageUrl'> = {},
): Promise<number> {
  const stores = openModelCache(opts.backend ?? 'cache');
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const signal = opts.signal ?? new AbortController().signal;
  const get = (url: string) =>
    fetchFile(url, { fetch: doFetch, signal, stallMs: 30_000, onChunk: () => undefined });
  const { config, tensorCache } = await readModelManifests(record, stores, get, opts.pageUrl);
  const weights = modelFiles(record, config, tensorCache, opts.pageUrl).filter((f) => f.kind === 'weights');
  const cached = await Promise.all(weights.map((f) => stores[f.scope].has(f.url)));
  return weights.reduce((sum, f, i) => sum + (cached[i] ? 0 : (f.nbytes ?? 0)), 0);
}
