import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteModelAllInfoInCache, hasModelInCache } from '@mlc-ai/web-llm';
import { isAbortError } from '../core/errors';
import type { Progress } from '../core/progress';
import { downloadModel, remainingDownloadBytes } from './model-download';
import { openModelCache, type ModelCacheBackend } from './model-cache';
import { cachedModelStatus, deleteCachedModel, listCachedModels, withBackend } from './webllm-loader';
import { ModelDownloadError, ModelIntegrityError } from './errors';
import {
  TINY_HOST,
  TINY_SHARD_BYTES,
  cutBodyFetch,
  mirrorFetch,
  stalledFetch,
  tinyAppConfig,
  tinyRecord,
  type FetchLog,
} from './fixtures/tiny-model';

const base = `${TINY_HOST}tiny-model/resolve/main/`;
const shardUrl = (i: number) => `${base}params_shard_${i}.bin`;
const weightTotal = TINY_SHARD_BYTES.reduce((a, b) => a + b, 0);

describe.each<ModelCacheBackend>(['cache', 'indexeddb'])(
  'downloading a model into the %s backend',
  (backend) => {
    const stores = openModelCache(backend);
    const clean = () => deleteCachedModel(tinyRecord.model_id, tinyAppConfig, backend);
    beforeEach(clean);
    afterEach(clean);

    it('downloads every file with byte progress up to 100% and WebLLM sees the model cached', async () => {
      const progress: Progress[] = [];
      const result = await downloadModel(tinyRecord, {
        backend,
        fetch: mirrorFetch(),
        onProgress: (p) => progress.push(p),
        progressIntervalMs: 0,
      });
      expect(result.files).toBe(7);
      expect(result.cachedFiles).toBe(0);
      expect(result.totalBytes).toBeGreaterThan(weightTotal);
      expect(result.downloadedBytes).toBe(result.totalBytes);
      const last = progress.at(-1);
      expect(last).toMatchObject({
        phase: 'download',
        fraction: 1,
        loadedBytes: result.totalBytes,
        totalBytes: result.totalBytes,
      });
      expect(last?.text).toMatch(/Downloading tiny-model-q4f16_1-MLC: .* \(100%, file 7\/7\)/);
      for (let i = 1; i < progress.length; i++) {
        expect(progress[i]?.loadedBytes ?? 0).toBeGreaterThanOrEqual(progress[i - 1]?.loadedBytes ?? 0);
      }
      expect(await hasModelInCache(tinyRecord.model_id, withBackend(tinyAppConfig, backend))).toBe(true);
      const status = await cachedModelStatus(tinyRecord, backend);
      expect(status).toMatchObject({
        modelId: tinyRecord.model_id,
        availableOffline: true,
        weightsCached: true,
      });
      expect(status.cachedBytes).toBe(status.totalBytes);
      // IndexedDB keeps tensor-cache.json as parsed JSON, so its stored size is that of the re-serialized JSON.
      expect(Math.abs((status.totalBytes ?? 0) - result.totalBytes)).toBeLessThan(1024);
    });

    it('fails with a typed error when the network drops, keeps finished shards only, and a retry resumes', async () => {
      const log: FetchLog = { urls: [] };
      const failing = mirrorFetch(log, (url) => url === shardUrl(1));
      const err = await downloadModel(tinyRecord, { backend, fetch: failing, concurrency: 1 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelDownloadError);
      expect((err as Error).message).toMatch(/retry resumes from the shards already cached/);
      expect(await stores['webllm/model'].has(shardUrl(0))).toBe(true);
      expect(await stores['webllm/model'].has(shardUrl(1))).toBe(false);
      expect(await stores['webllm/model'].has(shardUrl(2))).toBe(false);
      expect((await cachedModelStatus(tinyRecord, backend)).availableOffline).toBe(false);

      const retryLog: FetchLog = { urls: [] };
      const retry = await downloadModel(tinyRecord, { backend, fetch: mirrorFetch(retryLog) });
      expect(retryLog.urls.sort()).toEqual([shardUrl(1), shardUrl(2)]);
      expect(retry.downloadedBytes).toBe(TINY_SHARD_BYTES[1]! + TINY_SHARD_BYTES[2]!);
      expect((await cachedModelStatus(tinyRecord, backend)).availableOffline).toBe(true);
    });

    it('tells how many weight bytes remain to download, for the storage check', async () => {
      expect(await remainingDownloadBytes(tinyRecord, { backend, fetch: mirrorFetch() })).toBe(weightTotal);
      await downloadModel(tinyRecord, {
        backend,
        fetch: mirrorFetch({ urls: [] }, (u) => u === shardUrl(2)),
        concurrency: 1,
      }).catch(() => undefined);
      expect(await remainingDownloadBytes(tinyRecord, { backend, fetch: mirrorFetch() })).toBe(
        TINY_SHARD_BYTES[2],
      );
    });

    it('writes no half file when the connection drops inside a shard', async () => {
      const err = await downloadModel(tinyRecord, {
        backend,
        fetch: cutBodyFetch('params_shard_2.bin', 1000),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelDownloadError);
      expect(await stores['webllm/model'].has(shardUrl(2))).toBe(false);
      expect(await stores['webllm/model'].keys(base)).not.toContain(shardUrl(2));
    });

    it('reports a stalled transfer as a download error instead of hanging', async () => {
      const err = await downloadModel(tinyRecord, {
        backend,
        fetch: stalledFetch('params_shard_0.bin'),
        stallTimeoutMs: 50,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelDownloadError);
      expect((err as Error).message).toMatch(/stalled/);
      expect(await stores['webllm/model'].has(shardUrl(0))).toBe(false);
    });

    it('fails before any request while the browser is offline', async () => {
      const log: FetchLog = { urls: [] };
      const err = await downloadModel(tinyRecord, {
        backend,
        fetch: mirrorFetch(log),
        online: () => false,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelDownloadError);
      expect((err as Error).message).toMatch(/You are offline/);
      expect(log.urls).toEqual([]);
    });

    it('needs no network once everything is cached', async () => {
      await downloadModel(tinyRecord, { backend, fetch: mirrorFetch() });
      const log: FetchLog = { urls: [] };
      const again = await downloadModel(tinyRecord, {
        backend,
        fetch: mirrorFetch(log),
        online: () => false,
      });
      expect(log.urls).toEqual([]);
      expect(again).toMatchObject({ cachedFiles: 7, downloadedBytes: 0 });
    });

    it('stops on abort with an AbortError, leaving only complete files', async () => {
      const controller = new AbortController();
      const aborting = mirrorFetch({ urls: [] }, (url) => {
        if (url === shardUrl(1)) controller.abort();
        return false;
      });
      const err = await downloadModel(tinyRecord, {
        backend,
        fetch: aborting,
        signal: controller.signal,
        concurrency: 1,
      }).catch((e: unknown) => e);
      expect(isAbortError(err)).toBe(true);
      expect(await stores['webllm/model'].has(shardUrl(1))).toBe(false);
      expect(
        (await downloadModel(tinyRecord, { backend, fetch: mirrorFetch() })).cachedFiles,
      ).toBeGreaterThan(0);
    });

    it('refuses a shard whose size differs from tensor-cache.json', async () => {
      const err = await downloadModel(tinyRecord, {
        backend,
        fetch: cutBodyFetch('params_shard_0.bin', 10).bind(null),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelDownloadError);
      const short: typeof fetch = async (input, init) => {
        const res = await mirrorFetch()(input, init);
        const url = input instanceof Request ? input.url : String(input);
        return url === shardUrl(0) ? new Response((await res.arrayBuffer()).slice(0, 10)) : res;
      };
      const mismatch = await downloadModel(tinyRecord, { backend, fetch: short }).catch((e: unknown) => e);
      expect(mismatch).toBeInstanceOf(ModelIntegrityError);
      expect(await stores['webllm/model'].has(shardUrl(0))).toBe(false);
    });

    it('lists the cached model with its size and deletes every file of it', async () => {
      await downloadModel(tinyRecord, { backend, fetch: mirrorFetch() });
      const listed = await listCachedModels(tinyAppConfig, backend);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ modelId: tinyRecord.model_id, availableOffline: true });
      expect(listed[0]?.cachedBytes).toBeGreaterThan(weightTotal);

      await deleteCachedModel(tinyRecord.model_id, tinyAppConfig, backend);
      expect(await listCachedModels(tinyAppConfig, backend)).toEqual([]);
      expect(await stores['webllm/model'].keys(base)).toEqual([]);
      expect(await stores['webllm/config'].keys(base)).toEqual([]);
      expect(await stores['webllm/wasm'].has(tinyRecord.model_lib)).toBe(false);
      expect(await hasModelInCache(tinyRecord.model_id, withBackend(tinyAppConfig, backend))).toBe(false);
    });

    it("writes the keys WebLLM's own deleteModelAllInfoInCache removes (it leaves only tensor-cache.json)", async () => {
      await downloadModel(tinyRecord, { backend, fetch: mirrorFetch() });
      await deleteModelAllInfoInCache(tinyRecord.model_id, withBackend(tinyAppConfig, backend));
      expect(await stores['webllm/model'].keys(base)).toEqual([`${base}tensor-cache.json`]);
      expect(await stores['webllm/config'].keys(base)).toEqual([]);
      expect(await stores['webllm/wasm'].has(tinyRecord.model_lib)).toBe(false);
      expect(await cachedModelStatus(tinyRecord, backend)).toMatchObject({
        availableOffline: false,
        weightsCached: false,
      });
    });

    it('deletes a partial download too', async () => {
      await downloadModel(tinyRecord, {
        backend,
        fetch: mirrorFetch({ urls: [] }, (u) => u === shardUrl(2)),
        concurrency: 1,
      }).catch(() => undefined);
      expect((await cachedModelStatus(tinyRecord, backend)).cachedBytes).toBeGreaterThan(0);
      await deleteCachedModel(tinyRecord.model_id, tinyAppConfig, backend);
      expect(await stores['webllm/model'].keys(base)).toEqual([]);
    });
  },
);

describe('downloading over the real network stack', () => {
  it('fails fast with a typed error when the model host refuses connections', async () => {
    const record = { ...tinyRecord, model_id: 'unreachable-MLC', model: 'http://127.0.0.1:9/unreachable' };
    const err = await downloadModel(record).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
  });

  it('serves the fixtures from the test server (sanity check of the mirror)', async () => {
    const res = await mirrorFetch()(`${base}tensor-cache.json`);
    expect(res.ok).toBe(true);
    expect(((await res.json()) as { records: unknown[] }).records).toHaveLength(3);
  });
});
