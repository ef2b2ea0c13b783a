/**
 * The CPU engine's model cache: each GGUF is stored in the Cache API (cache `gguf-models`) as numbered parts of a
 * few tens of megabytes plus a record (source URL, total size, ETag, parts stored, model facts). A part is written
 * only once complete, so an interrupted download loses at most the part in flight and resumes after the last
 * stored one; the file is read back as one `Blob` composed of the parts, which llama.cpp reads slice by slice
 * without copying the whole model into JavaScript memory. Works in pages and workers alike, so the model manager
 * can list, size and delete models from the page while the engine worker downloads them. We do not use wllama's
 * own cache (OPFS): it restarts interrupted downloads from zero and asks Hugging Face's API for hashes.
 *
 * Entries live under synthetic same-origin keys (`/__gguf-cache__/<sha-256 of the URL>/part-00000`), because the
 * Cache API ignores URL fragments and a model URL's query may matter. `MemoryGgufStore` is the in-memory
 * reference implementation the Node tests use.
 */
import { z } from 'zod';
import type { CachedGgufStatus } from '../core/cpu-engine-protocol';

/** Name of the Cache API cache holding GGUF models. */
export const GGUF_CACHE_NAME = 'gguf-models';
/** Default part size: 32 MiB. */
export const DEFAULT_PART_BYTES = 32 * 1024 * 1024;

/** What the cache knows about one model file. */
export const ggufRecordSchema = z.object({
  url: z.string(),
  /** Size of the whole file (from the server's Content-Range or Content-Length). */
  totalBytes: z.number().int().nonnegative(),
  partBytes: z.number().int().positive(),
  /** Parts stored so far, in order: bytes [0, parts × partBytes) are cached. */
  parts: z.number().int().nonnegative(),
  /** Every byte is stored and the header was read back and checked. */
  complete: z.boolean(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  architecture: z.string().optional(),
  name: z.string().optional(),
  contextLength: z.number().optional(),
  savedAt: z.number(),
});
/** A validated cache record. */
export type GgufRecord = z.infer<typeof ggufRecordSchema>;

/** Where GGUF parts and records are kept. */
export interface GgufStore {
  readRecord(url: string): Promise<GgufRecord | undefined>;
  writeRecord(record: GgufRecord): Promise<void>;
  putPart(url: string, index: number, bytes: Uint8Array<ArrayBuffer>): Promise<void>;
  /** Stored size of a part, or undefined when it is missing. */
  partSize(url: string, index: number): Promise<number | undefined>;
  /** The first `parts` parts as one Blob (throws when one is missing). */
  readFile(url: string, parts: number): Promise<Blob>;
  records(): Promise<GgufRecord[]>;
  /** Deletes the record and every part of a model. */
  delete(url: string): Promise<void>;
}

/** Hex SHA-256 of a URL, the folder name of its entries. */
async function urlKey(url: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function parseRecord(json: unknown): GgufRecord | undefined {
  const parsed = ggufRecordSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The Cache API store (see the module header). */
export class CacheApiGgufStore implements GgufStore {
  private cache?: Promise<Cache>;
  constructor(
    private readonly cacheName = GGUF_CACHE_NAME,
    private readonly origin = globalThis.location?.origin ?? 'http://localhost',
  ) {}

  private open(): Promise<Cache> {
    this.cache ??= caches.open(this.cacheName);
    return this.cache;
  }
  private async key(url: string, entry: string): Promise<string> {
    return new URL(`/__gguf-cache__/${await urlKey(url)}/${entry}`, this.origin).href;
  }
  private partKey(url: string, index: number): Promise<string> {
    return this.key(url, `part-${String(index).padStart(5, '0')}`);
  }

  async readRecord(url: string): Promise<GgufRecord | undefined> {
    const res = await (await this.open()).match(await this.key(url, 'record.json'));
    return res ? parseRecord(await res.json().catch(() => undefined)) : undefined;
  }
  async writeRecord(record: GgufRecord): Promise<void> {
    const body = JSON.stringify(record);
    const headers = { 'content-type': 'application/json' };
    await (await this.open()).put(await this.key(record.url, 'record.json'), new Response(body, { headers }));
  }
  async putPart(url: string, index: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    const headers = {
      'content-length': String(bytes.byteLength),
      'content-type': 'application/octet-stream',
    };
    await (await this.open()).put(await this.partKey(url, index), new Response(bytes, { headers }));
  }
  async partSize(url: string, index: number): Promise<number | undefined> {
    const res = await (await this.open()).match(await this.partKey(url, index));
    if (!res) return undefined;
    const header = Number(res.headers.get('content-length'));
    return Number.isFinite(header) && header > 0 ? header : (await res.blob()).size;
  }
  async readFile(url: string, parts: number): Promise<Blob> {
    const cache = await this.open();
    const blobs: Blob[] = [];
    for (let i = 0; i < parts; i++) {
      const res = await cache.match(await this.partKey(url, i));
      if (!res) throw new Error(`Part ${i} of ${url} is missing from the cache.`);
      blobs.push(await res.blob());
    }
    return new Blob(blobs);
  }
  async records(): Promise<GgufRecord[]> {
    const cache = await this.open();
    const keys = (await cache.keys()).filter((r) => r.url.endsWith('/record.json'));
    const records = await Promise.all(
      keys.map(async (k) => parseRecord(await (await cache.match(k))?.json().catch(() => undefined))),
    );
    return records.filter((r): r is GgufRecord => r !== undefined);
  }
  async delete(url: string): Promise<void> {
    const cache = await this.open();
    const prefix = await this.key(url, '');
    const record = await this.key(url, 'record.json');
    // Parts first, the record last: a deletion cut short leaves a record whose missing parts are noticed and
    // downloaded again, never parts nobody lists.
    for (const request of await cache.keys()) {
      if (request.url.startsWith(prefix) && request.url !== record) await cache.delete(request);
    }
    await cache.delete(record);
  }
}

/** An in-memory store with the same behaviour (tests, and runtimes without the Cache API). */
export class MemoryGgufStore implements GgufStore {
  private readonly recordsByUrl = new Map<string, GgufRecord>();
  private readonly partsByUrl = new Map<string, Map<number, Uint8Array<ArrayBuffer>>>();
  /** Every `putPart` call, in order (tests read it to see what was downloaded). */
  readonly writes: { url: string; index: number; bytes: number }[] = [];

  async readRecord(url: string): Promise<GgufRecord | undefined> {
    const r = this.recordsByUrl.get(url);
    return r && { ...r };
  }
  async writeRecord(record: GgufRecord): Promise<void> {
    this.recordsByUrl.set(record.url, { ...record });
  }
  async putPart(url: string, index: number, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
    const parts = this.partsByUrl.get(url) ?? new Map<number, Uint8Array<ArrayBuffer>>();
    parts.set(index, bytes.slice());
    this.partsByUrl.set(url, parts);
    this.writes.push({ url, index, bytes: bytes.byteLength });
  }
  async partSize(url: string, index: number): Promise<number | undefined> {
    return this.partsByUrl.get(url)?.get(index)?.byteLength;
  }
  async readFile(url: string, parts: number): Promise<Blob> {
    const stored = this.partsByUrl.get(url);
    const blobs: Uint8Array<ArrayBuffer>[] = [];
    for (let i = 0; i < parts; i++) {
      const part = stored?.get(i);
      if (!part) throw new Error(`Part ${i} of ${url} is missing.`);
      blobs.push(part);
    }
    return new Blob(blobs);
  }
  async records(): Promise<GgufRecord[]> {
    return [...this.recordsByUrl.values()].map((r) => ({ ...r }));
  }
  async delete(url: string): Promise<void> {
    this.recordsByUrl.delete(url);
    this.partsByUrl.delete(url);
  }
}

function status(record: GgufRecord): CachedGgufStatus {
  return {
    url: record.url,
    ...(record.name !== undefined && { name: record.name }),
    ...(record.architecture !== undefined && { architecture: record.architecture }),
    cachedBytes: Math.min(record.totalBytes, record.parts * record.partBytes),
    totalBytes: record.totalBytes,
    availableOffline: record.complete,
  };
}

/** The cache status of one model URL (undefined when nothing of it is stored). No network. */
export async function cachedGgufStatus(
  url: string,
  store: GgufStore = new CacheApiGgufStore(),
): Promise<CachedGgufStatus | undefined> {
  const record = await store.readRecord(url);
  return record && status(record);
}

/** Every GGUF with something stored, complete or partial. No network. */
export async function listCachedGgufModels(
  store: GgufStore = new CacheApiGgufStore(),
): Promise<CachedGgufStatus[]> {
  return (await store.records()).map(status);
}

/** Deletes a model's parts and record (a partial download too). */
export async function deleteCachedGguf(
  url: string,
  store: GgufStore = new CacheApiGgufStore(),
): Promise<void> {
  await store.delete(url);
}
