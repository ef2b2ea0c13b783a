/**
 * Where WebLLM looks for a model's files, and the schemas of the two manifests every MLC model has
 * (`mlc-chat-config.json`, `tensor-cache.json`). The URL rules mirror WebLLM 0.2.86 (`cleanModelUrl`,
 * `resolveModelPackageResourceURLs`, `asyncLoadTokenizer`): our downloader must write exactly the cache keys WebLLM
 * will read, and a custom model's validation must fetch exactly what WebLLM will fetch.
 */
import { z } from 'zod';
import type { ModelRecord } from '@mlc-ai/web-llm';

/** The chat config WebLLM reads first (only the fields we rely on are checked; the rest passes through). */
export const chatConfigSchema = z.looseObject({
  tokenizer_files: z.array(z.string()),
  context_window_size: z.number().int(),
  conv_template: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});

/** One weight shard in `tensor-cache.json`. */
export const tensorShardSchema = z.looseObject({
  dataPath: z.string().min(1),
  nbytes: z.number().int().nonnegative(),
});

/** The weight manifest `tensor-cache.json` (called `ndarray-cache.json` by MLC-LLM before TVM's rename). */
export const tensorCacheSchema = z.looseObject({
  records: z.array(tensorShardSchema),
});

/** Parsed `mlc-chat-config.json`. */
export type ChatConfigFile = z.infer<typeof chatConfigSchema>;
/** Parsed `tensor-cache.json`. */
export type TensorCacheFile = z.infer<typeof tensorCacheSchema>;

/** The manifest WebLLM 0.2.86 reads; older conversions named it `ndarray-cache.json`. */
export const TENSOR_CACHE_FILE = 'tensor-cache.json';
/** The pre-rename name of the weight manifest, recognised only to explain that it must be renamed or re-converted. */
export const LEGACY_TENSOR_CACHE_FILE = 'ndarray-cache.json';
/** The chat config file name. */
export const CHAT_CONFIG_FILE = 'mlc-chat-config.json';

/**
 * The base URL of a model's files as WebLLM computes it: a trailing slash is added, then `resolve/main/` unless the
 * URL already names a `/resolve/<branch>/` folder (the Hugging Face layout) — also for non-Hugging Face hosts.
 * @example resolveModelBaseUrl('https://huggingface.co/mlc-ai/X') // => 'https://huggingface.co/mlc-ai/X/resolve/main/'
 */
export function resolveModelBaseUrl(model: string, pageUrl?: string): string {
  let url = model.endsWith('/') ? model : `${model}/`;
  if (!/.+\/resolve\/.+\//.test(url)) url += 'resolve/main/';
  if (!url.startsWith('http')) {
    const base = pageUrl ?? (typeof location !== 'undefined' ? location.href : undefined);
    if (!base) throw new TypeError(`Relative model URL "${model}" needs a page URL to resolve against.`);
    return new URL(url, base).href;
  }
  return new URL(url).href;
}

/** The WebLLM cache each file lives in (Cache API cache name, or IndexedDB database name). */
export type CacheScope = 'webllm/config' | 'webllm/model' | 'webllm/wasm';

/** How WebLLM stores a file in IndexedDB: as an ArrayBuffer, or (for `tensor-cache.json`) as parsed JSON. */
export type StoreType = 'arraybuffer' | 'json';

/** One file of a model, the cache key WebLLM uses for it, and its size when the manifest states it. */
export interface ModelFile {
  url: string;
  scope: CacheScope;
  storeType: StoreType;
  kind: 'config' | 'manifest' | 'tokenizer' | 'weights' | 'library';
  /** Exact size from `tensor-cache.json` (weights only). */
  nbytes?: number;
}

/** True when WebLLM fetches the model library without caching it (a localhost or same-origin library). */
export function isUncachedLibrary(modelLib: string): boolean {
  return modelLib.includes('localhost') || !modelLib.startsWith('http');
}

/** The URLs of a record's chat config and weight manifest, and the optional package manifest. */
export function manifestUrls(record: ModelRecord, pageUrl?: string) {
  const base = resolveModelBaseUrl(record.model, pageUrl);
  return {
    base,
    chatConfig: new URL(CHAT_CONFIG_FILE, base).href,
    tensorCache: new URL(TENSOR_CACHE_FILE, base).href,
    packageManifest: record.model_manifest ? new URL(record.model_manifest, base).href : undefined,
  };
}

/**
 * Every file WebLLM needs to run a model offline, given its parsed chat config and weight manifest, in the order
 * WebLLM reads them. The library is left out when WebLLM never caches it (localhost or same-origin).
 */
export function modelFiles(
  record: ModelRecord,
  config: ChatConfigFile,
  tensorCache: TensorCacheFile,
  pageUrl?: string,
): ModelFile[] {
  const urls = manifestUrls(record, pageUrl);
  const files: ModelFile[] = [];
  if (urls.packageManifest) {
    files.push({
      url: urls.packageManifest,
      scope: 'webllm/config',
      storeType: 'arraybuffer',
      kind: 'config',
    });
  }
  files.push({ url: urls.chatConfig, scope: 'webllm/config', storeType: 'arraybuffer', kind: 'config' });
  if (!isUncachedLibrary(record.model_lib)) {
    files.push({ url: record.model_lib, scope: 'webllm/wasm', storeType: 'arraybuffer', kind: 'library' });
  }
  const tokenizer = config.tokenizer_files.includes('tokenizer.json')
    ? 'tokenizer.json'
    : config.tokenizer_files.includes('tokenizer.model')
      ? 'tokenizer.model'
      : undefined;
  if (tokenizer) {
    files.push({
      url: new URL(tokenizer, urls.base).href,
      scope: 'webllm/model',
      storeType: 'arraybuffer',
      kind: 'tokenizer',
    });
  }
  files.push({ url: urls.tensorCache, scope: 'webllm/model', storeType: 'json', kind: 'manifest' });
  for (const shard of tensorCache.records) {
    files.push({
      url: new URL(shard.dataPath, urls.base).href,
      scope: 'webllm/model',
      storeType: 'arraybuffer',
      kind: 'weights',
      nbytes: shard.nbytes,
    });
  }
  return files;
}

/** Total bytes of a model's weights according to its manifest. */
export function weightBytes(tensorCache: TensorCacheFile): number {
  return tensorCache.records.reduce((sum, r) => sum + r.nbytes, 0);
}
