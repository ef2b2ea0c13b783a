import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { GgufWriter } from '../../scripts/gguf-writer';
import { TINY_FIXTURE_PATH } from '../../scripts/make-gguf';
import { NotGgufError, UnsupportedArchitectureError } from './cpu-engine-errors';
import { InsufficientStorageError, ModelDownloadError } from './errors';
import { fakeModelHost } from './fixtures/gguf-server';
import { MemoryGgufStore, listCachedGgufModels } from './gguf-cache';
import { ensureGguf, type GgufDownloadOptions } from './gguf-download';
import { inspectGgufUrl } from './gguf-remote';
import type { Progress } from '../core/progress';

const MODEL_URL = 'https://models.test/org/repo/resolve/main/tiny-qwen2.gguf';
const HTML_URL = 'https://huggingface.co/org/repo/blob/main/model.gguf';
const BERT_URL = 'https://models.test/bert.gguf';
const FOO_URL = 'https://models.test/foo.gguf';
const BIG_URL = 'https://models.test/big.gguf';
const fixture = new Uint8Array(readFileSync(TINY_FIXTURE_PATH));
const PART = 16 * 1024;

/** True when a stored file is byte for byte the fixture (cheaper than a deep equality on 120k elements). */
async function isFixture(file: Blob): Promise<boolean> {
  return Buffer.from(await file.arrayBuffer()).equals(Buffer.from(fixture));
}

/** A GGUF with only a header naming `architecture` (no tensors). */
function headerOnly(architecture: string): Uint8Array {
  const w = new GgufWriter();
  w.string('general.architecture', architecture);
  w.string('general.name', `a ${architecture} model`);
  return w.toBytes();
}

let host: ReturnType<typeof fakeModelHost>;
let store: MemoryGgufStore;
const options = (extra: Partial<GgufDownloadOptions> = {}): GgufDownloadOptions => ({
  fetch: host.fetch,
  store,
  partBytes: PART,
  progressIntervalMs: 0,
  online: () => true,
  storage: { estimate: async () => ({ quota: 1e9, usage: 0 }) },
  ...extra,
});

beforeEach(() => {
  host = fakeModelHost({
    [MODEL_URL]: fixture,
    [HTML_URL]: new TextEncoder().encode(
      '<!DOCTYPE html><html><head><title>model.gguf</title></head></html>',
    ),
    [BERT_URL]: headerOnly('bert'),
    [FOO_URL]: headerOnly('foo'),
    [BIG_URL]: (() => {
      const big = new Uint8Array(300 * 1024);
      big.set(fixture);
      return big;
    })(),
  });
  store = new MemoryGgufStore();
});

describe('inspectGgufUrl', () => {
  it('reads the first bytes only and reports the model facts, size and range support', async () => {
    const remote = await inspectGgufUrl(MODEL_URL, { fetch: host.fetch });
    expect(remote).toMatchObject({
      totalBytes: fixture.byteLength,
      acceptsRanges: true,
      etag: '"v1"',
      info: { architecture: 'qwen2', contextLength: 4096, blockCount: 2 },
    });
    expect(host.requests).toEqual([{ url: MODEL_URL, range: 'bytes=0-262143' }]);
  });

  it('refuses a URL that is not a GGUF, saying what it is (and how to link a Hugging Face file)', async () => {
    const err = await inspectGgufUrl(HTML_URL, { fetch: host.fetch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotGgufError);
    expect((err as Error).message).toMatch(/web page \(HTML\)/);
    expect((err as Error).message).toMatch(/resolve\/main/);
  });

  it('refuses an architecture llama.cpp cannot chat with, and one it does not know', async () => {
    const bert = await inspectGgufUrl(BERT_URL, { fetch: host.fetch }).catch((e: unknown) => e);
    expect(bert).toBeInstanceOf(UnsupportedArchitectureError);
    expect((bert as Error).message).toMatch(/"bert" model .* not a chat model/);
    const foo = await inspectGgufUrl(FOO_URL, { fetch: host.fetch }).catch((e: unknown) => e);
    expect(foo).toBeInstanceOf(UnsupportedArchitectureError);
    expect((foo as Error).message).toMatch(/"foo" is not supported/);
  });

  it('reports a missing file and an unreachable host as download errors', async () => {
    await expect(inspectGgufUrl('https://models.test/none.gguf', { fetch: host.fetch })).rejects.toThrow(
      /HTTP 404/,
    );
    host.behaviour.offline = true;
    const err = await inspectGgufUrl(MODEL_URL, { fetch: host.fetch }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as Error).message).toMatch(/CORS/);
  });
});

describe('ensureGguf', () => {
  it('downloads in parts with progress, checks the header, and then needs no network', async () => {
    const progress: Progress[] = [];
    const first = await ensureGguf(MODEL_URL, options({ onProgress: (p) => progress.push(p) }));
    expect(first.record).toMatchObject({
      complete: true,
      architecture: 'qwen2',
      totalBytes: fixture.byteLength,
    });
    expect(first.record.parts).toBe(Math.ceil(fixture.byteLength / PART));
    expect(await isFixture(first.file)).toBe(true);
    expect(first.header.metadata.get('general.name')).toBe('Tiny Random Qwen2 (test fixture)');
    expect(progress.at(-1)).toMatchObject({
      phase: 'download',
      fraction: 1,
      loadedBytes: fixture.byteLength,
    });
    expect(progress.every((p, i) => i === 0 || p.fraction >= (progress[i - 1]?.fraction ?? 0))).toBe(true);

    host.behaviour.offline = true;
    const again = await ensureGguf(MODEL_URL, options({ online: () => false }));
    expect(again.downloadedBytes).toBe(0);
    expect(await isFixture(again.file)).toBe(true);
    expect(await listCachedGgufModels(store)).toEqual([
      {
        url: MODEL_URL,
        name: 'Tiny Random Qwen2 (test fixture)',
        architecture: 'qwen2',
        cachedBytes: fixture.byteLength,
        totalBytes: fixture.byteLength,
        availableOffline: true,
      },
    ]);
  });

  it('resumes an interrupted download from the last stored part, guarded by the ETag', async () => {
    host.behaviour.cutAfter = 40_000;
    const err = await ensureGguf(MODEL_URL, options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as Error).message).toMatch(/broke off.*resumes/);
    const partial = await listCachedGgufModels(store);
    expect(partial[0]).toMatchObject({ cachedBytes: 2 * PART, availableOffline: false });

    const requestsBefore = host.requests.length;
    const done = await ensureGguf(MODEL_URL, options());
    const resumed = host.requests.slice(requestsBefore).filter((r) => r.range !== 'bytes=0-262143');
    expect(resumed).toEqual([{ url: MODEL_URL, range: `bytes=${2 * PART}-`, ifRange: '"v1"' }]);
    expect(done.downloadedBytes).toBe(fixture.byteLength - 2 * PART);
    expect(await isFixture(done.file)).toBe(true);
  });

  it('resumes from a cross-origin server that hides Content-Range and ETag, taking the size from Content-Length', async () => {
    host.behaviour.corsHidden = true;
    expect((await inspectGgufUrl(MODEL_URL, { fetch: host.fetch })).totalBytes).toBe(fixture.byteLength);
    expect((await inspectGgufUrl(BIG_URL, { fetch: host.fetch })).totalBytes).toBe(300 * 1024);
    host.behaviour.cutAfter = 40_000;
    await ensureGguf(MODEL_URL, options()).catch(() => undefined);
    const done = await ensureGguf(MODEL_URL, options());
    expect(host.requests.at(-1)).toEqual({ url: MODEL_URL, range: `bytes=${2 * PART}-` });
    expect(await isFixture(done.file)).toBe(true);
  });

  it('resumes from a server that ignores ranges by skipping the stored bytes', async () => {
    host.behaviour.cutAfter = 40_000;
    await ensureGguf(MODEL_URL, options()).catch(() => undefined);
    host.behaviour.ranges = false;
    const done = await ensureGguf(MODEL_URL, options());
    expect(await isFixture(done.file)).toBe(true);
  });

  it('starts over when the file changed on the server', async () => {
    host.behaviour.cutAfter = 40_000;
    await ensureGguf(MODEL_URL, options()).catch(() => undefined);
    host.behaviour.etag = '"v2"';
    const writesBefore = store.writes.length;
    const done = await ensureGguf(MODEL_URL, options());
    expect(store.writes.slice(writesBefore)[0]).toMatchObject({ index: 0 });
    expect(done.record.etag).toBe('"v2"');
    expect(await isFixture(done.file)).toBe(true);
  });

  it('fails a stalled transfer with a retry hint, keeping the parts already stored', async () => {
    host.behaviour.stallAfter = 20_000;
    const err = await ensureGguf(MODEL_URL, options({ stallTimeoutMs: 200 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as Error).message).toMatch(/stalled/);
    expect((await listCachedGgufModels(store))[0]?.cachedBytes).toBe(PART);
  });

  it('stops on abort with an AbortError, keeping the parts already stored', async () => {
    const controller = new AbortController();
    const err = await ensureGguf(
      MODEL_URL,
      options({
        signal: controller.signal,
        onProgress: (p) => {
          if ((p.loadedBytes ?? 0) >= 3 * PART) controller.abort();
        },
      }),
    ).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect((await listCachedGgufModels(store))[0]?.cachedBytes).toBeGreaterThanOrEqual(3 * PART);
  });

  it('says so when offline with a model not fully downloaded', async () => {
    const err = await ensureGguf(MODEL_URL, options({ online: () => false })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelDownloadError);
    expect((err as Error).message).toMatch(/offline/);
    expect(host.requests).toEqual([]);
  });

  it('checks the remaining size against the storage quota before downloading', async () => {
    const err = await ensureGguf(
      MODEL_URL,
      options({ storage: { estimate: async () => ({ quota: 100_000, usage: 50_000 }) } }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStorageError);
    expect(store.writes).toEqual([]);
  });
});
