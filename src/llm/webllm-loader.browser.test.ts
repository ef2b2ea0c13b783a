import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadModel } from './model-download';
import { checkModelsFitOnDisk, deleteCachedModel } from './webllm-loader';
import { InsufficientStorageError } from './errors';
import type { FetchLog } from './fixtures/tiny-model';
import { PAIR_WEIGHT_BYTES, pairA, pairAppConfig, pairB, pairFetch } from './fixtures/tiny-pair';

/** A storage quota with `freeBytes` left, counting how often it is read. */
function quota(freeBytes: number) {
  return {
    reads: 0,
    async estimate() {
      this.reads++;
      return { quota: 1e9 + freeBytes, usage: 1e9 };
    },
  };
}

describe('checkModelsFitOnDisk for two role models', () => {
  const ids = [pairA.model_id, pairB.model_id];
  const clean = async () => {
    for (const id of ids) await deleteCachedModel(id, pairAppConfig);
  };
  beforeEach(clean);
  afterEach(clean);

  it('refuses uncached models that do not fit together, naming both, before any weights are fetched', async () => {
    const log: FetchLog = { urls: [] };
    const err = await checkModelsFitOnDisk(ids, {
      appConfig: pairAppConfig,
      storage: quota(2 * PAIR_WEIGHT_BYTES - 1),
      fetch: pairFetch(log),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStorageError);
    expect((err as Error).message).toMatch(
      /^pair-a-q4f16_1-MLC and pair-b-q4f16_1-MLC need about .* more storage together, .*Free disk space or delete unused models in the Models page, use one model for both roles, or pick smaller models\.$/,
    );
    expect(log.urls.length).toBeGreaterThan(0);
    expect(log.urls.filter((u) => u.includes('params_shard'))).toEqual([]);
  });

  it('accepts uncached models that fit together, counting both downloads', async () => {
    const storage = quota(2 * PAIR_WEIGHT_BYTES);
    expect(
      await checkModelsFitOnDisk(ids, { appConfig: pairAppConfig, storage, fetch: pairFetch() }),
    ).toEqual({
      neededBytes: 2 * PAIR_WEIGHT_BYTES,
      freeBytes: 2 * PAIR_WEIGHT_BYTES,
    });
  });

  it('counts only what is not cached yet', async () => {
    await downloadModel(pairA, { fetch: pairFetch() });
    const result = await checkModelsFitOnDisk(ids, {
      appConfig: pairAppConfig,
      storage: quota(PAIR_WEIGHT_BYTES),
      fetch: pairFetch(),
    });
    expect(result.neededBytes).toBe(PAIR_WEIGHT_BYTES);
  });

  it('reads no quota and fetches nothing when both models are cached', async () => {
    await downloadModel(pairA, { fetch: pairFetch() });
    await downloadModel(pairB, { fetch: pairFetch() });
    const storage = quota(0);
    const log: FetchLog = { urls: [] };
    expect(
      await checkModelsFitOnDisk(ids, { appConfig: pairAppConfig, storage, fetch: pairFetch(log) }),
    ).toEqual({
      neededBytes: 0,
    });
    expect(storage.reads).toBe(0);
    expect(log.urls).toEqual([]);
  });

  it('does not block when the quota cannot be read', async () => {
    const unreadable = { estimate: () => Promise.reject(new Error('no quota')) };
    const silent = { estimate: () => Promise.resolve({}) };
    for (const storage of [unreadable, silent]) {
      expect(
        await checkModelsFitOnDisk(ids, { appConfig: pairAppConfig, storage, fetch: pairFetch() }),
      ).toEqual({
        neededBytes: 2 * PAIR_WEIGHT_BYTES,
      });
    }
  });
});
