/**
 * The Chromium side of `npm run bench:embed`, in a module worker like the app's memory worker: loads Universal
 * Sentence Encoder lite from the dev server's /use-lite/ (TF.js WebAssembly backend), runs the backfill benchmark
 * and posts each figure, then `{done: true}` (or `{error}`).
 */
import { UseLiteEmbedder } from '../src/embed/use-lite-embedder';
import { fetchUseLiteFiles, USE_LITE_URL_PATH } from '../src/embed/use-lite-files';
import { benchBackfill } from './embed-bench-lib';

self.onmessage = async (event: MessageEvent<{ memories: number }>) => {
  try {
    const loadStart = performance.now();
    const embedder = await UseLiteEmbedder.create({
      files: fetchUseLiteFiles({ cacheName: null }),
      wasmPaths: USE_LITE_URL_PATH,
    });
    self.postMessage({
      figure: { bench: 'load', embedder: embedder.id, ms: Math.round(performance.now() - loadStart) },
    });
    await benchBackfill(embedder, event.data.memories, (figure) => self.postMessage({ figure }));
    embedder.dispose();
    self.postMessage({ done: true });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
};
