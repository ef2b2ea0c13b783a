/**
 * Read and write access to WebLLM's model caches, in WebLLM's own formats, so files we download are the files
 * WebLLM loads. Two backends, as WebLLM's `appConfig.cacheBackend`: the Cache API (`caches.open(scope)`, keyed by
 * URL, the default and best-tested) and IndexedDB (one database per scope, store `urls`, records `{url, data}` with
 * `data` an ArrayBuffer or, for `tensor-cache.json`, the parsed JSON). A file is written only once its body is
 * complete, so an interrupted download never leaves a half-written entry.
 */
import { openDB, type IDBPDatabase } from 'idb';
import type { CacheScope, StoreType } from './model-files';

/** The cache backends our downloader can write (WebLLM's `"cache"` and `"indexeddb"`). */
export type ModelCacheBackend = 'cache' | 'indexeddb';

/** One scope (cache name / database) of WebLLM's model cache. */
export interface ArtifactStore {
  has(url: string): Promise<boolean>;
  /** Stores a complete file; `storeType` says how WebLLM expects to read it back. */
  put(url: string, bytes: Uint8Array<ArrayBuffer>, storeType: StoreType): Promise<void>;
  /** Stored size in bytes, or undefined when absent. */
  size(url: string): Promise<number | undefined>;
  /** Parsed JSON of a stored file, or undefined when absent. */
  readJson(url: string): Promise<unknown>;
  /** Every stored URL starting with `prefix`. */
  keys(prefix?: string): Promise<string[]>;
  delete(url: string): Promise<void>;
}

/** Cache API store, as WebLLM's `ArtifactCache` (entries keyed by `new Request(url)`). */
class CacheApiStore implements ArtifactStore {
  private cache?: Promise<Cache>;
  constructor(private readonly scope: CacheScope) {}

  private open(): Promise<Cache> {
    this.cache ??= caches.open(this.scope);
    return this.cache;
  }
  async has(url: string): Promise<boolean> {
    return (await (await this.open()).match(new Request(url))) !== undefined;
  }
  async put(url: string, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    const headers = {
      'content-length': String(bytes.byteLength),
      'content-type': 'application/octet-stream',
    };
    await (await this.open()).put(new Request(url), new Response(bytes, { headers }));
  }
  async size(url: string): Promise<number | undefined> {
    const res = await (await this.open()).match(new Request(url));
    if (!res) return undefined;
    const header = Number(res.headers.get('content-length'));
    if (Number.isFinite(header) && header > 0) return header;
    return (await res.blob()).size;
  }
  async readJson(url: string): Promise<unknown> {
    const res = await (await this.open()).match(new Request(url));
    return res ? JSON.parse(await res.text()) : undefined;
  }
  async keys(prefix = ''): Promise<string[]> {
    const requests = await (await this.open()).keys();
    return requests.map((r) => r.url).filter((u) => u.startsWith(prefix));
  }
  async delete(url: string): Promise<void> {
    await (await this.open()).delete(new Request(url));
  }
}

interface UrlRecord {
  url: string;
  data: unknown;
}

/** IndexedDB store, as WebLLM's `ArtifactIndexedDBCache` (database = scope, version 1, store `urls`). */
class IndexedDbStore implements ArtifactStore {
  private db?: Promise<IDBPDatabase>;
  constructor(private readonly scope: CacheScope) {}

  private open(): Promise<IDBPDatabase> {
    this.db ??= openDB(this.scope, 1, {
      upgrade(db) {
        if (!db.objectStoreNames.contains('urls')) db.createObjectStore('urls', { keyPath: 'url' });
      },
    });
    return this.db;
  }
  private async get(url: string): Promise<UrlRecord | undefined> {
    return (await (await this.open()).get('urls', url)) as UrlRecord | undefined;
  }
  async has(url: string): Promise<boolean> {
    return (await (await this.open()).getKey('urls', url)) !== undefined;
  }
  async put(url: string, bytes: Uint8Array<ArrayBuffer>, storeType: StoreType): Promise<void> {
    const data: unknown =
      storeType === 'json'
        ? JSON.parse(new TextDecoder().decode(bytes))
        : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    await (await this.open()).put('urls', { url, data } satisfies UrlRecord);
  }
  async size(url: string): Promise<number | undefined> {
    const record = await this.get(url);
    if (!record) return undefined;
    if (record.data instanceof ArrayBuffer) return record.data.byteLength;
    return new TextEncoder().encode(JSON.stringify(record.data)).byteLength;
  }
  async readJson(url: string): Promise<unknown> {
    const record = await this.get(url);
    if (!record) return undefined;
    return record.data instanceof ArrayBuffer
      ? JSON.parse(new TextDecoder().decode(record.data))
      : record.data;
  }
  async keys(prefix = ''): Promise<string[]> {
    const db = await this.open();
    const range = prefix ? IDBKeyRange.bound(prefix, `${prefix}\uffff`) : undefined;
    return (await db.getAllKeys('urls', range)).map(String);
  }
  async delete(url: string): Promise<void> {
    await (await this.open()).delete('urls', url);
  }
}

/** The three scopes of WebLLM's cache for one backend. */
export type ModelCacheStores = Record<CacheScope, ArtifactStore>;

/** Opens WebLLM's cache scopes for a backend (lazily: nothing is created until first used). */
export function openModelCache(backend: ModelCacheBackend): ModelCacheStores {
  const make = (scope: CacheScope): ArtifactStore =>
    backend === 'indexeddb' ? new IndexedDbStore(scope) : new CacheApiStore(scope);
  return {
    'webllm/config': make('webllm/config'),
    'webllm/model': make('webllm/model'),
    'webllm/wasm': make('webllm/wasm'),
  };
}
