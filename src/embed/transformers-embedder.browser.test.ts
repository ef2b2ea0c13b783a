import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import type { EmbeddingModelSpec } from '../core/embedding-models';
import { EmbeddingModelUnavailableError } from './errors';
import { TransformersEmbedder } from './transformers-embedder';

// The Vitest browser server serves the project root, so the committed fixture is reachable same-origin.
const localModelPath = '/src/embed/fixtures/';
const tiny: EmbeddingModelSpec = {
  id: 'tiny-embedder',
  label: 'Tiny test embedder',
  dtype: 'q8',
  pooling: 'mean',
  queryPrefix: 'query: ',
  passagePrefix: '',
  languages: 'english',
};

const adapter = 'gpu' in navigator ? await navigator.gpu.requestAdapter().catch(() => null) : null;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

function requestedUrls(): URL[] {
  return performance
    .getEntriesByType('resource')
    .map((entry) => new URL(entry.name))
    .filter((url) => url.protocol === 'http:' || url.protocol === 'https:');
}

describe('TransformersEmbedder (Chromium, tiny fixture model)', () => {
  let wasm: TransformersEmbedder;

  beforeAll(async () => {
    wasm = await TransformersEmbedder.create({ model: tiny, localModelPath, device: 'wasm' });
  });
  afterAll(() => wasm.dispose());

  it('runs the model on WebAssembly with ONNX Runtime loaded from the app', async () => {
    expect(wasm.device).toBe('wasm');
    expect(wasm.dims).toBe(64);
    const [cat, catAgain, market] = await wasm.embed(
      ['The cat sat on the mat.', 'A cat on a mat', 'Stock market prices rose'],
      'passage',
    );
    if (!cat || !catAgain || !market) throw new Error('missing vector');
    expect(Math.sqrt(cosine(cat, cat))).toBeCloseTo(1, 5);
    expect(cosine(cat, catAgain)).toBeGreaterThan(cosine(cat, market) + 0.2);

    const urls = requestedUrls();
    expect(urls.some((u) => u.pathname === '/ort/ort-wasm-simd-threaded.asyncify.wasm')).toBe(true);
    expect(urls.some((u) => u.pathname.startsWith('/src/embed/fixtures/tiny-embedder/onnx/'))).toBe(true);
  });

  it('applies the query prefix only to queries', async () => {
    const [query] = await wasm.embed(['the cat sat'], 'query');
    const [byHand, passage] = await wasm.embed(['query: the cat sat', 'the cat sat'], 'passage');
    if (!query || !byHand || !passage) throw new Error('missing vector');
    expect(cosine(query, byHand)).toBeCloseTo(1, 5);
    expect(cosine(query, passage)).toBeLessThan(0.99);
  });

  it('rejects with an AbortError when aborted while embedding', async () => {
    const controller = new AbortController();
    const pending = wasm.embed(['the cat', 'the dog', 'the bird'], 'passage', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toSatisfy(isAbortError);
  });

  it('says what to do when the model is not on this origin and downloads are off', async () => {
    await expect(
      TransformersEmbedder.create({ model: 'no-such-model', localModelPath, device: 'wasm' }),
    ).rejects.toBeInstanceOf(EmbeddingModelUnavailableError);
  });

  it.runIf(adapter !== null)('picks WebGPU when an adapter exists and matches the WASM vectors', async () => {
    const auto = await TransformersEmbedder.create({ model: tiny, localModelPath });
    try {
      expect(auto.device).toBe('webgpu');
      const texts = ['cats walking quickly', 'the farm near the river'];
      const onGpu = await auto.embed(texts, 'passage');
      const onCpu = await wasm.embed(texts, 'passage');
      for (const [i, v] of onGpu.entries()) {
        const reference = onCpu[i];
        if (!reference) throw new Error('missing vector');
        expect(cosine(v, reference)).toBeCloseTo(1, 4);
      }
    } finally {
      await auto.dispose();
    }
  });

  it('sent no request to any other origin', () => {
    const offOrigin = requestedUrls().filter((u) => u.origin !== location.origin);
    expect(offOrigin.map((u) => u.href)).toEqual([]);
  });
});
