import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError, isAbortError } from '../core/errors';
import { EngineClient } from './engine-client';
import { openModelCache } from './model-cache';
import { WebLlmChatModel } from './webllm-chat-model';
import type { Progress } from '../core/progress';
import { deleteCachedModel, loadModels } from './webllm-loader';
import { ModelDownloadError, ModelNotLoadedError, UnknownModelError, normalizeWebLlmError } from './errors';
import { mirrorFetch, tinyAppConfig, tinyRecord, type FetchLog } from './fixtures/tiny-model';

// A real engine worker (src/workers/engine.worker.ts) driven through our thin client, as the app does.
let worker: Worker;
let engine: EngineClient;

beforeAll(() => {
  worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module' });
  engine = new EngineClient(worker);
  engine.setAppConfig(tinyAppConfig);
});
afterAll(() => worker.terminate());
afterEach(() => deleteCachedModel(tinyRecord.model_id, tinyAppConfig));

describe('errors crossing the engine worker', () => {
  it('arrive from WebLLM as plain strings and are normalized into typed errors', async () => {
    const raw = await engine.reload('no-such-model-MLC').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(typeof raw).toBe('string');
    expect(normalizeWebLlmError(raw)).toBeInstanceOf(UnknownModelError);
  });

  it('reports chatting before any model is loaded as ModelNotLoadedError', async () => {
    const model = new WebLlmChatModel({ engine, modelId: tinyRecord.model_id });
    await expect(model.complete({ messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      ModelNotLoadedError,
    );
  });
});

describe('loadModels with the real worker and the fake model', () => {
  it('downloads with progress, then WebLLM in the worker reads every file from the cache without network', async () => {
    const progress: Progress[] = [];
    const log: FetchLog = { urls: [] };
    const err = await loadModels(engine, [tinyRecord.model_id], {
      appConfig: tinyAppConfig,
      onProgress: (p) => progress.push(p),
      download: { fetch: mirrorFetch(log), progressIntervalMs: 0 },
    }).catch((e: unknown) => e);
    const downloads = progress.filter((p) => p.phase === 'download');
    expect(downloads.at(-1)?.fraction).toBe(1);
    expect(log.urls).toHaveLength(7);
    // The worker could only reach models.test through our cache: a network attempt would be a download error.
    // It got past config and library fetching and failed on the fake (empty) model library, which is where a
    // machine without real weights must stop.
    console.info(
      '[engine-worker] load stopped with:',
      err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).not.toBeInstanceOf(ModelDownloadError);
  });

  it('fails with a download error when a file is missing from the cache and the host is unreachable (control)', async () => {
    await loadModels(engine, [tinyRecord.model_id], {
      appConfig: tinyAppConfig,
      download: { fetch: mirrorFetch() },
    }).catch(() => undefined);
    await openModelCache('cache')['webllm/wasm'].delete(tinyRecord.model_lib);
    const err = await engine.reload(tinyRecord.model_id).then(
      () => undefined,
      (e: unknown) => normalizeWebLlmError(e),
    );
    expect(err).toBeInstanceOf(ModelDownloadError);
  });

  it('rejects with an AbortError when aborted during the download', async () => {
    const controller = new AbortController();
    const fetch = mirrorFetch({ urls: [] }, (url) => {
      if (url.endsWith('params_shard_0.bin')) controller.abort();
      return false;
    });
    const err = await loadModels(engine, [tinyRecord.model_id], {
      appConfig: tinyAppConfig,
      signal: controller.signal,
      download: { fetch },
    }).catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
  });
});
