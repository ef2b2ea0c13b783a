// UseLiteEmbedder in Chromium: model files from the dev server's /use-lite/ (as the app serves them), TF.js' wasm
// backend, and the Cache Storage copy that lets it load offline.
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddingModelUnavailableError } from './errors';
import { USE_LITE_DIMS, UseLiteEmbedder } from './use-lite-embedder';
import { fetchUseLiteFiles, USE_LITE_URL_PATH } from './use-lite-files';

const CACHE = 'use-lite-browser-test';

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

afterAll(() => caches.delete(CACHE));

describe('UseLiteEmbedder (Chromium)', () => {
  it('loads from the app origin, embeds, and keeps the files for offline use', async () => {
    await caches.delete(CACHE);
    const embedder = await UseLiteEmbedder.create({
      files: fetchUseLiteFiles({ cacheName: CACHE }),
      wasmPaths: USE_LITE_URL_PATH,
    });
    const [dog, puppy, market] = await embedder.embed(
      ['I love my dog.', 'My puppy is adorable.', 'The stock market crashed today.'],
      'passage',
    );
    expect(dog).toHaveLength(USE_LITE_DIMS);
    expect(dot(dog!, dog!)).toBeCloseTo(1, 4);
    expect(dot(dog!, puppy!)).toBeGreaterThan(dot(dog!, market!));
    embedder.dispose();

    const cached = await (await caches.open(CACHE)).keys();
    expect(cached.map((r) => new URL(r.url).pathname)).toEqual(
      expect.arrayContaining(['/use-lite/model.json', '/use-lite/vocab.json', '/use-lite/group1-shard7of7']),
    );

    // Offline: every fetch fails, the cache answers.
    const offline = await UseLiteEmbedder.create({
      files: fetchUseLiteFiles({
        cacheName: CACHE,
        fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      }),
    });
    const [again] = await offline.embed(['I love my dog.'], 'query');
    expect(dot(again!, dog!)).toBeCloseTo(1, 4);
    offline.dispose();
  });

  it('says the app does not serve the model when the files are missing', async () => {
    const err = await UseLiteEmbedder.create({
      files: fetchUseLiteFiles({ baseUrl: '/no-such-model/', cacheName: null }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddingModelUnavailableError);
  });
});
