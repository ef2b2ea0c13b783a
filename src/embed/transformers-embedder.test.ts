import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import { EMBEDDING_MODELS, type EmbeddingModelSpec } from '../core/embedding-models';
import { EmbeddingModelLoadError, EmbeddingModelUnavailableError } from './errors';
import type { Progress } from '../core/progress';
import { TransformersEmbedder } from './transformers-embedder';
import { rejection } from '../testing/rejection';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const tiny: EmbeddingModelSpec = {
  id: 'tiny-embedder',
  label: 'Tiny test embedder',
  dtype: 'q8',
  pooling: 'mean',
  queryPrefix: '',
  passagePrefix: '',
  languages: 'english',
};

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

describe('TransformersEmbedder (Node, tiny fixture model)', () => {
  let embedder: TransformersEmbedder;
  const progress: Progress[] = [];

  beforeAll(async () => {
    embedder = await TransformersEmbedder.create({
      model: tiny,
      localModelPath: fixtures,
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });
  });
  afterAll(() => embedder.dispose());

  it('loads the model from local files on the CPU backend and reports its dims', () => {
    expect(embedder.device).toBe('cpu');
    expect(embedder.dims).toBe(64);
    expect(embedder.id).toBe('tiny-embedder#q8');
  });

  it('reports load progress that ends with every byte loaded', () => {
    const last = progress.at(-1);
    expect(last).toBeDefined();
    expect(last?.totalBytes).toBeGreaterThan(0);
    expect(last?.loadedBytes).toBe(last?.totalBytes);
    expect(last?.fraction).toBe(1);
  });

  it('returns one unit-length vector per text, in input order across batches', async () => {
    const texts = ['the cat sat on the mat', 'dogs', 'stock market prices rose sharply today', 'a', 'tea'];
    const together = await embedder.embed(texts, 'passage');
    expect(together).toHaveLength(texts.length);
    for (const [i, text] of texts.entries()) {
      const vector = together[i];
      if (!vector) throw new Error('missing vector');
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector.length).toBe(64);
      expect(norm(vector)).toBeCloseTo(1, 5);
      const [alone] = await embedder.embed([text], 'passage');
      if (!alone) throw new Error('missing vector');
      expect(cosine(vector, alone)).toBeCloseTo(1, 5);
    }
  });

  it('returns no vectors for no texts', async () => {
    expect(await embedder.embed([], 'query')).toEqual([]);
  });

  it('places texts that share words closer than unrelated texts', async () => {
    const [cat, catAgain, market] = await embedder.embed(
      ['The cat sat on the mat.', 'A cat on a mat', 'Stock market prices rose'],
      'passage',
    );
    if (!cat || !catAgain || !market) throw new Error('missing vector');
    expect(cosine(cat, catAgain)).toBeGreaterThan(cosine(cat, market) + 0.2);
    expect(cosine(catAgain, cat)).toBeGreaterThan(cosine(catAgain, market) + 0.2);
  });

  it('prefixes queries and passages as the model requires', async () => {
    const e5Like = await TransformersEmbedder.create({
      model: { ...tiny, queryPrefix: 'query: ', passagePrefix: 'passage: ' },
      localModelPath: fixtures,
    });
    try {
      const [asQuery] = await e5Like.embed(['the cat sat'], 'query');
      const [asPassage] = await e5Like.embed(['the cat sat'], 'passage');
      const [prefixedByHand, passageByHand, bare] = await embedder.embed(
        ['query: the cat sat', 'passage: the cat sat', 'the cat sat'],
        'passage',
      );
      if (!asQuery || !asPassage || !prefixedByHand || !passageByHand || !bare)
        throw new Error('missing vector');
      expect(cosine(asQuery, prefixedByHand)).toBeCloseTo(1, 5);
      expect(cosine(asPassage, passageByHand)).toBeCloseTo(1, 5);
      expect(cosine(asQuery, bare)).toBeLessThan(0.99);
    } finally {
      await e5Like.dispose();
    }
  });

  it('keeps the catalog prefixes each model was trained with', () => {
    const byId = new Map(EMBEDDING_MODELS.map((m) => [m.id, m]));
    expect(byId.get('Xenova/multilingual-e5-small')).toMatchObject({ queryPrefix: 'query: ', dims: 384 });
    expect(byId.get('Xenova/multilingual-e5-small')?.passagePrefix).toBe('passage: ');
    expect(byId.get('Xenova/bge-small-en-v1.5')?.queryPrefix).toBe(
      'Represent this sentence for searching relevant passages: ',
    );
    expect(byId.get('Xenova/all-MiniLM-L6-v2')).toMatchObject({ queryPrefix: '', passagePrefix: '' });
    expect(EMBEDDING_MODELS[0]?.dims).toBe(384);
  });

  it('loads the full-precision weights under their own id', async () => {
    const fp32 = await TransformersEmbedder.create({ model: tiny, localModelPath: fixtures, dtype: 'fp32' });
    try {
      expect(fp32.id).toBe('tiny-embedder#fp32');
      const [a] = await fp32.embed(['cats walking quickly'], 'passage');
      const [b] = await embedder.embed(['cats walking quickly'], 'passage');
      if (!a || !b) throw new Error('missing vector');
      expect(cosine(a, b)).toBeCloseTo(1, 5);
    } finally {
      await fp32.dispose();
    }
  });

  it('rejects with an AbortError when the signal is already aborted', async () => {
    const err = await rejection(embedder.embed(['the cat'], 'query', { signal: AbortSignal.abort() }));
    expect(isAbortError(err)).toBe(true);
  });

  it('stops between batches when aborted while embedding', async () => {
    const controller = new AbortController();
    const texts = Array.from({ length: 40 }, (_, i) => `the cat number ${i} sat on the mat`);
    const pending = embedder.embed(texts, 'passage', { signal: controller.signal });
    controller.abort();
    expect(isAbortError(await rejection(pending))).toBe(true);
    // The embedder stays usable after an abort.
    expect(await embedder.embed(['the cat'], 'query')).toHaveLength(1);
  });

  it('rejects a load aborted by its signal', async () => {
    const controller = new AbortController();
    const pending = TransformersEmbedder.create({
      model: tiny,
      localModelPath: fixtures,
      signal: controller.signal,
    });
    controller.abort();
    expect(isAbortError(await rejection(pending))).toBe(true);
  });

  it('says what to do when the model files are missing and downloads are off', async () => {
    const err = await rejection(
      TransformersEmbedder.create({ model: 'no-such-model', localModelPath: fixtures }),
    );
    expect(err).toBeInstanceOf(EmbeddingModelUnavailableError);
    const unavailable = err as EmbeddingModelUnavailableError;
    expect(unavailable.code).toBe('embedding-model-unavailable');
    expect(unavailable.modelId).toBe('no-such-model');
    expect(unavailable.message).toMatch(/no-such-model/);
    expect(unavailable.message).toMatch(/Allow model downloads/);
  });

  it('refuses a model whose vectors do not have the size its spec promises', async () => {
    const err = await rejection(
      TransformersEmbedder.create({ model: { ...tiny, dims: 384 }, localModelPath: fixtures }),
    );
    expect(err).toBeInstanceOf(EmbeddingModelLoadError);
    expect((err as Error).message).toMatch(/64-dimensional vectors, expected 384/);
  });
});
