/**
 * Talking to the server a GGUF comes from: the first look at a URL (`inspectGgufUrl`: its first 256 KiB, is it a
 * GGUF, which architecture, how large, does the server answer ranges, its ETag), and the streamed transfers the
 * download is made of, each with a stall timer and every failure typed (`ModelDownloadError` for the network and HTTP
 * errors, `NotGgufError`, `UnsupportedArchitectureError`, or an `AbortError`). Runtime-neutral.
 */
import { throwIfAborted } from '../core/errors';
import { NotGgufError } from './cpu-engine-errors';
import { ModelDownloadError } from './errors';
import { checkArchitecture } from './gguf-checks';
import { GgufFormatError, ggufModelInfo, parseGgufHeader, type GgufHeader, type GgufModelInfo } from './gguf';

/** Bytes read from the start of a URL to check it. */
export const PROBE_BYTES = 256 * 1024;
/** Network options shared by the probe and the download. */
export interface GgufFetchOptions {
  signal?: AbortSignal;
  /** Injected for tests; default the global `fetch`. */
  fetch?: typeof fetch;
  /** No byte for this long fails the transfer as a network loss; default 30 000 ms. */
  stallTimeoutMs?: number;
}

/** What the first bytes of a GGUF URL and the server's headers say. */
export interface GgufRemoteInfo {
  url: string;
  /** Size of the file, when the server states it. */
  totalBytes?: number;
  /** A strong ETag (weak ones cannot guard a resume). */
  etag?: string;
  /** The server answered the range request with 206 Partial Content. */
  acceptsRanges: boolean;
  info: GgufModelInfo;
}

/** An open response body read with a stall timer; `chunks` ends when the body does. */
export interface Transfer {
  res: Response;
  chunks: AsyncGenerator<Uint8Array>;
}

/** The file name at the end of a URL, for messages. */
export function fileName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() || url);
}

/** Starts a GET with a stall timer covering the wait for headers and every chunk after them. */
export async function startTransfer(
  url: string,
  headers: Record<string, string>,
  opts: GgufFetchOptions,
): Promise<Transfer> {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  const stall = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stall.signal]) : stall.signal;
  let timer = setTimeout(() => stall.abort(), stallMs);
  const stalled = () =>
    new ModelDownloadError(
      `The download of ${fileName(url)} stalled (no data for ${Math.round(stallMs / 1000)} s). Check the connection and retry: retry resumes from what is stored.`,
      url,
    );
  let res: Response;
  try {
    res = await doFetch(url, { headers, signal });
  } catch (err) {
    clearTimeout(timer);
    throwIfAborted(opts.signal);
    if (stall.signal.aborted) throw stalled();
    throw new ModelDownloadError(
      `Could not download ${url}: the connection failed. Check that you are online and the URL is right; the server must also allow downloads from other sites (CORS), as Hugging Face does.`,
      url,
      { cause: err },
    );
  }
  if (!res.ok) {
    clearTimeout(timer);
    void res.body?.cancel().catch(() => undefined);
    throw new ModelDownloadError(
      res.status === 404
        ? `${url} was not found (HTTP 404). Check the model URL.`
        : `The server answered HTTP ${res.status} for ${url}. Retry later: retry resumes from what is stored.`,
      url,
    );
  }
  const body = res.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (!body) {
      clearTimeout(timer);
      yield new Uint8Array(await res.arrayBuffer());
      return;
    }
    const reader = body.getReader();
    const cancel = () => void reader.cancel().catch(() => undefined);
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for (;;) {
        clearTimeout(timer);
        timer = setTimeout(() => stall.abort(), stallMs);
        let step: ReadableStreamReadResult<Uint8Array>;
        try {
          step = await reader.read();
        } catch (err) {
          throwIfAborted(opts.signal);
          if (stall.signal.aborted) throw stalled();
          throw new ModelDownloadError(
            `The download of ${fileName(url)} broke off (network lost or the server closed the connection). Retry: it resumes from what is stored.`,
            url,
            { cause: err },
          );
        }
        throwIfAborted(opts.signal);
        if (stall.signal.aborted) throw stalled();
        if (step.done) return;
        yield step.value;
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', cancel);
      cancel();
    }
  }
  return { res, chunks: chunks() };
}

/**
 * The file size a response states: `Content-Range`'s total, else `Content-Length` of a full answer, or of an
 * open-ended range starting at `openFrom`. Cross-origin servers may hide `Content-Range` and `ETag` (they are not
 * CORS-safelisted headers unless the server exposes them; Hugging Face does).
 */
export function statedTotal(res: Response, openFrom?: number): number | undefined {
  const total = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '')?.[1];
  if (res.status === 206 && total !== undefined) return Number(total);
  const length = res.headers.get('content-length');
  if (length === null) return undefined;
  if (res.status !== 206) return Number(length);
  return openFrom === undefined ? undefined : openFrom + Number(length);
}

/** The file size from a HEAD request (its `Content-Length` is always readable), or undefined. */
async function headSize(url: string, opts: GgufFetchOptions): Promise<number | undefined> {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const res = await doFetch(url, { method: 'HEAD', ...(opts.signal && { signal: opts.signal }) }).catch(
    () => undefined,
  );
  const length = res?.ok ? res.headers.get('content-length') : null;
  return length === null || length === undefined ? undefined : Number(length);
}

/** The response's ETag when it is a strong one (only those can guard a resumed range). */
export function strongEtag(res: Response): string | undefined {
  const etag = res.headers.get('etag') ?? undefined;
  return etag && !etag.startsWith('W/') ? etag : undefined;
}

/**
 * Reads the first 256 KiB of a URL and checks it is a GGUF of a supported architecture. Throws `NotGgufError`,
 * `UnsupportedArchitectureError` or `ModelDownloadError`; never downloads the rest.
 */
export async function inspectGgufUrl(url: string, opts: GgufFetchOptions = {}): Promise<GgufRemoteInfo> {
  throwIfAborted(opts.signal);
  const { res, chunks } = await startTransfer(url, { Range: `bytes=0-${PROBE_BYTES - 1}` }, opts);
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.byteLength;
    if (length >= PROBE_BYTES) break;
  }
  const head = concat(parts, Math.min(length, PROBE_BYTES));
  let header: GgufHeader;
  try {
    header = parseGgufHeader(head);
  } catch (err) {
    if (err instanceof GgufFormatError) {
      throw new NotGgufError(
        url,
        err.kind === 'not-gguf'
          ? err.message.replace(/^The file is |\.$/g, '')
          : 'a damaged or unsupported GGUF',
      );
    }
    throw err;
  }
  const info = ggufModelInfo(header);
  checkArchitecture(info.architecture);
  // A range answer shorter than asked for is the whole file; else ask for the size when the answer hides it.
  const wholeFile = res.status === 206 && length < PROBE_BYTES ? length : undefined;
  const totalBytes = statedTotal(res) ?? wholeFile ?? (await headSize(url, opts));
  const etag = strongEtag(res);
  return {
    url,
    ...(totalBytes !== undefined && { totalBytes }),
    ...(etag !== undefined && { etag }),
    acceptsRanges: res.status === 206,
    info,
  };
}

/** The first `length` bytes of `chunks`, joined. */
export function concat(chunks: Uint8Array[], length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    const take = Math.min(c.byteLength, length - at);
    out.set(c.subarray(0, take), at);
    at += take;
    if (at >= length) break;
  }
  return out;
}
