/**
 * Getting a GGUF into the CPU engine's cache: a look at the file's first 256 KiB before anything else
 * (`inspectGgufUrl` in `gguf-remote.ts`), then one ranged request from the first byte not
 * yet stored, cut into parts as it streams (see `gguf-cache.ts`). A lost connection, a stall or a closed tab loses
 * at most one part: the next call resumes with `Range: bytes=<stored>-`, guarded by the ETag so a file replaced on
 * the server starts over. A server that ignores ranges is read from the start, skipping what is stored. Once every
 * byte is in, the whole header is read back from the cache and checked. A complete model loads with no network.
 * Every failure is typed: `NotGgufError`, `UnsupportedArchitectureError`, `ModelTooLargeError`,
 * `InsufficientStorageError`, `ModelDownloadError` (retry resumes), `ModelIntegrityError`, or an `AbortError`.
 */
import { throwIfAborted } from '../core/errors';
import type { CapabilityEnv } from './capabilities';
import { formatSize, InsufficientStorageError, ModelDownloadError, ModelIntegrityError } from './errors';
import { checkArchitecture } from './gguf-checks';
import { CacheApiGgufStore, DEFAULT_PART_BYTES, type GgufRecord, type GgufStore } from './gguf-cache';
import {
  concat,
  fileName,
  inspectGgufUrl,
  startTransfer,
  statedTotal,
  strongEtag,
  type GgufFetchOptions,
  type GgufRemoteInfo,
} from './gguf-remote';
import { GgufFormatError, ggufModelInfo, readGgufHeader, type GgufHeader } from './gguf';
import type { Progress } from '../core/progress';
import type { LoadPhase } from './model-download';

const MB = 1024 * 1024;

/** Bytes as the progress text shows them: KB below a megabyte, else `formatSize`. */
function formatBytes(bytes: number): string {
  return bytes < MB ? `${Math.round(bytes / 1024)} KB` : formatSize(bytes / MB);
}

/** Options of `ensureGguf`; every field is optional. */
export interface GgufDownloadOptions extends GgufFetchOptions {
  store?: GgufStore;
  onProgress?: (progress: Progress<LoadPhase>) => void;
  /** Part size of a new download; default 32 MiB. */
  partBytes?: number;
  /** Minimum interval between progress reports; default 250 ms. */
  progressIntervalMs?: number;
  /** The result of `inspectGgufUrl` when the caller already has it (saves a request). */
  remote?: GgufRemoteInfo;
  /** The storage quota the remaining bytes are checked against; default `navigator.storage`. */
  storage?: CapabilityEnv['storage'];
  /** Injected for tests: the clock (ms) and whether the browser is online. */
  now?: () => number;
  online?: () => boolean;
}

/** A model in the cache, ready to load. */
export interface CachedGguf {
  record: GgufRecord;
  file: Blob;
  header: GgufHeader;
  /** Bytes fetched by this call (0 when the model was already complete). */
  downloadedBytes: number;
}

/** Parts stored without a gap from the first one (a record never claims more than these). */
async function storedParts(store: GgufStore, record: GgufRecord): Promise<number> {
  for (let i = 0; i < record.parts; i++) {
    const expected = Math.min(record.partBytes, record.totalBytes - i * record.partBytes);
    const size = await store.partSize(record.url, i);
    if (size === undefined || (record.totalBytes > 0 && size !== expected)) return i;
  }
  return record.parts;
}

/** Reads the complete file back from the cache and checks its whole header. */
async function openStored(store: GgufStore, record: GgufRecord): Promise<{ file: Blob; header: GgufHeader }> {
  const file = await store.readFile(record.url, record.parts);
  const read = async (start: number, end: number) =>
    new Uint8Array(await file.slice(start, end).arrayBuffer());
  try {
    const header = await readGgufHeader(read, file.size);
    checkArchitecture(ggufModelInfo(header).architecture);
    return { file, header };
  } catch (err) {
    if (err instanceof GgufFormatError) {
      throw new ModelIntegrityError(
        `The downloaded ${fileName(record.url)} is damaged (${err.message}). Delete it in the Models page and download it again.`,
      );
    }
    throw err;
  }
}

async function checkQuota(
  storage: CapabilityEnv['storage'] | undefined,
  neededBytes: number,
  url: string,
): Promise<void> {
  if (!storage || neededBytes <= 0) return;
  const estimate = await storage.estimate().catch(() => undefined);
  if (estimate?.quota === undefined) return;
  const free = Math.max(0, estimate.quota - (estimate.usage ?? 0));
  if (neededBytes > free) {
    throw new InsufficientStorageError(
      `${fileName(url)} needs about ${formatSize(neededBytes / MB)} more storage, but this site may store only ${formatSize(free / MB)} more. Free disk space or delete unused models in the Models page, or pick a smaller model.`,
    );
  }
}

/**
 * Makes sure a GGUF is completely in the cache (downloading or resuming as needed) and returns it with its parsed
 * header. A complete model is returned without any network access.
 */
export async function ensureGguf(url: string, opts: GgufDownloadOptions = {}): Promise<CachedGguf> {
  const store = opts.store ?? new CacheApiGgufStore();
  const now = opts.now ?? (() => performance.now());
  const online = opts.online ?? (() => (typeof navigator === 'undefined' ? true : navigator.onLine));
  throwIfAborted(opts.signal);

  let record = await store.readRecord(url);
  if (record) record = { ...record, parts: await storedParts(store, record) };
  if (record?.complete && record.parts * record.partBytes >= record.totalBytes) {
    return { record, ...(await openStored(store, record)), downloadedBytes: 0 };
  }
  if (!online()) {
    throw new ModelDownloadError(
      `You are offline and ${fileName(url)} is not fully downloaded. Connect to the internet and retry: the download resumes from what is stored.`,
      url,
    );
  }
  const remote = opts.remote ?? (await inspectGgufUrl(url, opts));
  const changed =
    record !== undefined &&
    (record.totalBytes !== (remote.totalBytes ?? 0) ||
      (record.etag !== undefined && remote.etag !== undefined && record.etag !== remote.etag));
  if (changed) await store.delete(url);
  const base: GgufRecord =
    record && !changed
      ? record
      : {
          url,
          totalBytes: remote.totalBytes ?? 0,
          partBytes: opts.partBytes ?? DEFAULT_PART_BYTES,
          parts: 0,
          complete: false,
          ...(remote.etag !== undefined && { etag: remote.etag }),
          savedAt: Date.now(),
        };
  const offset = base.parts * base.partBytes;
  await checkQuota(opts.storage ?? globalThis.navigator?.storage, base.totalBytes - offset, url);

  const downloaded = await streamParts(store, base, offset, opts, now);
  const done: GgufRecord = {
    ...downloaded.record,
    totalBytes: downloaded.record.totalBytes || downloaded.end,
  };
  if (downloaded.end !== done.totalBytes) {
    throw new ModelDownloadError(
      `The download of ${fileName(url)} ended early, at ${formatBytes(downloaded.end)} of ${formatBytes(done.totalBytes)}. Retry: it resumes from what is stored.`,
      url,
    );
  }
  const opened = await openStored(store, done);
  const info = ggufModelInfo(opened.header);
  const complete: GgufRecord = {
    ...done,
    complete: true,
    ...(info.architecture !== undefined && { architecture: info.architecture }),
    ...(info.name !== undefined && { name: info.name }),
    ...(info.contextLength !== undefined && { contextLength: info.contextLength }),
    savedAt: Date.now(),
  };
  await store.writeRecord(complete);
  return { record: complete, ...opened, downloadedBytes: downloaded.fetched };
}

/**
 * Streams the file from `offset` (or from 0 when the server ignores the range, skipping stored bytes), storing
 * each part as soon as it is complete and recording progress after each part.
 */
async function streamParts(
  store: GgufStore,
  start: GgufRecord,
  offset: number,
  opts: GgufDownloadOptions,
  now: () => number,
): Promise<{ record: GgufRecord; end: number; fetched: number }> {
  const url = start.url;
  const headers: Record<string, string> = { Range: `bytes=${offset}-` };
  if (offset > 0 && start.etag) headers['If-Range'] = start.etag;
  const { res, chunks } = await startTransfer(url, headers, opts);
  let record = start;
  let position = offset;
  let skip = 0;
  if (res.status === 206) {
    const range = res.headers.get('content-range');
    const from = range === null ? offset : Number(/bytes\s+(\d+)-/.exec(range)?.[1] ?? NaN);
    if (from !== offset) {
      throw new ModelIntegrityError(
        `The server sent ${fileName(url)} from byte ${from} when asked for byte ${offset}. Retry later.`,
      );
    }
  } else {
    // A full answer: the server ignores ranges (skip what is stored) or the file changed (start over).
    const etag = strongEtag(res);
    if (offset > 0 && start.etag !== undefined && etag !== undefined && etag !== start.etag) {
      await store.delete(url);
      record = { ...start, parts: 0, etag, totalBytes: statedTotal(res) ?? 0 };
      position = 0;
    } else skip = offset;
  }

  if (record.totalBytes === 0) record = { ...record, totalBytes: statedTotal(res, position) ?? 0 };
  const total = record.totalBytes;
  const t0 = now();
  let fetched = 0;
  let lastReport = -Infinity;
  const report = (force: boolean) => {
    const t = now();
    if (!opts.onProgress || (!force && t - lastReport < (opts.progressIntervalMs ?? 250))) return;
    lastReport = t;
    const rate = fetched / Math.max(1e-3, (t - t0) / 1000);
    const etaSeconds = total > 0 && t - t0 >= 1000 && rate > 0 ? (total - position) / rate : undefined;
    const eta = etaSeconds === undefined ? '' : `, about ${Math.ceil(etaSeconds)} s left`;
    const fraction = total > 0 ? Math.min(1, position / total) : 0;
    opts.onProgress({
      phase: 'download',
      fraction,
      loadedBytes: position,
      ...(total > 0 && { totalBytes: total }),
      ...(etaSeconds !== undefined && { etaSeconds }),
      text: `Downloading ${fileName(url)}: ${formatBytes(position)}${total > 0 ? ` of ${formatBytes(total)} (${Math.floor(fraction * 100)}%)` : ''}${eta}`,
    });
  };
  report(true);

  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async (final: boolean) => {
    while (pendingBytes >= record.partBytes || (final && pendingBytes > 0)) {
      const size = Math.min(record.partBytes, pendingBytes);
      const all = concat(pending, pendingBytes);
      const part = all.slice(0, size);
      pending = [all.subarray(size)];
      pendingBytes -= size;
      throwIfAborted(opts.signal);
      await store.putPart(url, record.parts, part);
      record = { ...record, parts: record.parts + 1 };
      await store.writeRecord(record);
    }
  };
  for await (let chunk of chunks) {
    fetched += chunk.byteLength;
    if (skip > 0) {
      const dropped = Math.min(skip, chunk.byteLength);
      skip -= dropped;
      chunk = chunk.subarray(dropped);
      if (chunk.byteLength === 0) continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    position += chunk.byteLength;
    await flush(false);
    report(false);
  }
  await flush(true);
  report(true);
  return { record, end: position, fetched };
}
