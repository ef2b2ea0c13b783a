// fetchUseLiteFiles with an injected fetch (Node has no Cache Storage; the browser test covers caching).
import { describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import { EmbeddingModelUnavailableError } from './errors';
import { fetchUseLiteFiles } from './use-lite-files';
import { rejection } from '../testing/rejection';

describe('fetchUseLiteFiles', () => {
  it('fetches a file from the app origin by name', async () => {
    const asked: string[] = [];
    const files = fetchUseLiteFiles({
      baseUrl: 'http://app.test/use-lite',
      fetch: async (input) => {
        asked.push(String(input));
        return new Response(new Uint8Array([1, 2, 3]), {
          headers: { 'Content-Type': 'application/octet-stream' },
        });
      },
    });
    expect([...(await files('group1-shard1of7'))]).toEqual([1, 2, 3]);
    expect(asked).toEqual(['http://app.test/use-lite/group1-shard1of7']);
  });

  it('treats a 404 or an HTML fallback page as a model the app does not serve', async () => {
    for (const response of [
      new Response('Not found', { status: 404 }),
      new Response('<!doctype html>', { headers: { 'Content-Type': 'text/html; charset=utf-8' } }),
    ]) {
      const files = fetchUseLiteFiles({ baseUrl: 'http://app.test/use-lite/', fetch: async () => response });
      const err = await rejection(files('model.json'));
      expect(err).toBeInstanceOf(EmbeddingModelUnavailableError);
      expect((err as Error).message).toMatch(/does not serve http:\/\/app\.test\/use-lite\/model\.json/);
    }
  });

  it('says to connect once when the network is down and nothing is cached', async () => {
    const files = fetchUseLiteFiles({
      baseUrl: 'http://app.test/use-lite/',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    const err = await rejection(files('vocab.json'));
    expect(err).toBeInstanceOf(EmbeddingModelUnavailableError);
    expect((err as Error).message).toMatch(/Connect to the network once/);
  });

  it('passes an abort through as an AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    const files = fetchUseLiteFiles({
      baseUrl: 'http://app.test/use-lite/',
      fetch: async (_input, init) => {
        init?.signal?.throwIfAborted();
        return new Response('{}');
      },
    });
    expect(isAbortError(await rejection(files('model.json', controller.signal)))).toBe(true);
  });
});
