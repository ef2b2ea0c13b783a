/**
 * Measurement code for the memory-store benchmarks, shared by the Node runner (bench/store.bench.ts) and the
 * Chromium runner. Pure TypeScript over `performance.now()`: no Node or DOM imports. Every figure is reported as
 * one flat JSON-serializable object through a callback, so each runner decides how to print it.
 *
 * Vectors are clustered by default (a mixture of gaussians around 300 centroids, normalized), because real
 * embeddings are clustered and isotropic random vectors make every approximate method look bad; `benchDense`
 * also reports recall on random vectors, for honesty.
 *
 * Stable API: `benchSearch(opts, report)`, `benchDense(opts, report)`, `benchApply(opts, report)`, `naiveTopK`,
 * `buildHybridIndex`, `timeInterleaved`, `syntheticCorpus`, `syntheticVectors`, `recallAt`, `timeIt`,
 * `Figure`, `VectorKind`.
 */
import type { MemoryStore, StoreOp } from '../src/core/types';
import { HybridIndex } from '../src/store/search/hybrid-search';
import { VectorTable } from '../src/store/search/vector-table';
import { gaussian, mulberry32 } from '../src/testing/seeded-random';

/** One measured figure, printed as one JSON line. */
export type Figure = Record<string, string | number>;

const SYLLABLES = 'ka lo mi ne ru sa te vi do ba fe gu hi jo ma ni po re si tu wa ye zo'.split(' ');

/** How synthetic vectors are drawn: a mixture of gaussians around 300 centroids, or isotropic random. */
export type VectorKind = 'clustered' | 'random';

/**
 * A generator of unit vectors: `clustered` draws a centroid, then adds gaussian noise (per-dimension standard
 * deviation 0.8× the centroid's), so a vector's cosine with its centroid is about 0.78 and with another cluster's
 * about 0; `random` draws isotropic gaussian vectors.
 */
export function syntheticVectors(dims: number, kind: VectorKind, rand: () => number): () => Float32Array {
  const gauss = gaussian(rand);
  const centroids = Array.from({ length: 300 }, () => Float32Array.from({ length: dims }, gauss));
  return () => {
    const v = new Float32Array(dims);
    const centroid = kind === 'clustered' ? centroids[Math.floor(rand() * centroids.length)]! : undefined;
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      v[d] = centroid ? centroid[d]! + 0.8 * gauss() : gauss();
      norm += v[d]! * v[d]!;
    }
    for (let d = 0; d < dims; d++) v[d]! /= Math.sqrt(norm);
    return v;
  };
}

/**
 * A synthetic corpus: `n` memory texts over a ~2,000-word vocabulary (with numbers and dates) and unit vectors
 * (clustered unless `vectors` says otherwise).
 */
export function syntheticCorpus(
  n: number,
  dims: number,
  seed = 1,
  vectors: VectorKind = 'clustered',
): {
  ids: string[];
  texts: string[];
  vectors: Float32Array[];
  vocabulary: string[];
  rand: () => number;
  nextVector: () => Float32Array;
} {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const vocabulary = Array.from({ length: 2000 }, () => pick(SYLLABLES) + pick(SYLLABLES) + pick(SYLLABLES));
  const nextVector = syntheticVectors(dims, vectors, rand);
  const ids: string[] = [];
  const texts: string[] = [];
  const vecs: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(`m${i}`);
    const words = Array.from({ length: 8 + Math.floor(rand() * 8) }, () => pick(vocabulary));
    if (rand() < 0.3) words.push(`${1 + Math.floor(rand() * 28)} May ${2015 + Math.floor(rand() * 10)}`);
    texts.push(words.join(' '));
    vecs.push(nextVector());
  }
  return { ids, texts, vectors: vecs, vocabulary, rand, nextVector };
}

/**
 * Share of `exact`'s ids that `found` also holds (recall of an approximate top-k against the exact one).
 * @example recallAt([{ id: 'a' }, { id: 'c' }], [{ id: 'a' }, { id: 'b' }]) // => 0.5
 */
export function recallAt(found: readonly { id: string }[], exact: readonly { id: string }[]): number {
  if (exact.length === 0) return 1;
  const want = new Set(exact.map((h) => h.id));
  return found.filter((h) => want.has(h.id)).length / exact.length;
}

/** Times `fn` `iterations` times after `warmup` untimed runs; returns p50/p95/mean in milliseconds. */
export async function timeIt(
  fn: (i: number) => unknown,
  iterations: number,
  warmup = 5,
): Promise<{ p50Ms: number; p95Ms: number; meanMs: number }> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50Ms: round(at(0.5)),
    p95Ms: round(at(0.95)),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  };
}

/**
 * Times several functions on the same inputs, interleaved (iteration i runs each of them once), so load drift on
 * a shared machine hits them alike.
 */
export async function timeInterleaved(
  fns: Record<string, (i: number) => unknown>,
  iterations: number,
  options: { warmup?: number } = {},
): Promise<Record<string, { p50Ms: number; p95Ms: number; meanMs: number; samples: number }>> {
  const names = Object.keys(fns);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < (options.warmup ?? 5); i++) for (const n of names) await fns[n]!(i);
  for (let i = 0; i < iterations; i++) {
    for (const n of names) {
      const start = performance.now();
      await fns[n]!(i);
      samples[n]!.push(performance.now() - start);
    }
  }
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return Object.fromEntries(
    names.map((n) => {
      const s = samples[n]!.sort((a, b) => a - b);
      const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
      const mean = s.reduce((a, b) => a + b, 0) / s.length;
      return [n, { p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), meanMs: round(mean), samples: s.length }];
    }),
  );
}

/** Builds a `HybridIndex` over a corpus with one embedder's vectors. */
export function buildHybridIndex(
  corpus: { ids: string[]; texts: string[]; vectors: Float32Array[] },
  embedderId: string,
): HybridIndex {
  const index = new HybridIndex();
  corpus.ids.forEach((id, i) => {
    index.add({ id, text: corpus.texts[i]!, updatedAt: i });
    index.setVector(id, embedderId, corpus.vectors[i]!);
  });
  return index;
}

/** The naive baseline: cosine (with norms) against every `number[]`, then a full sort. */
export function naiveTopK(
  items: readonly { id: string; vector: number[] }[],
  query: number[],
  k: number,
): { id: string; score: number }[] {
  const qNorm = Math.sqrt(query.reduce((s, x) => s + x * x, 0));
  return items
    .map(({ id, vector }) => {
      let dot = 0;
      let norm = 0;
      for (let d = 0; d < vector.length; d++) {
        dot += vector[d]! * query[d]!;
        norm += vector[d]! * vector[d]!;
      }
      return { id, score: dot / (Math.sqrt(norm) * qNorm || 1) };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/** Options of `benchSearch`. */
export interface SearchBenchOptions {
  size: number;
  dims?: number;
  queries?: number;
  limit?: number;
}

/**
 * Measures HybridIndex hybrid (lexical + dense + fusion) and dense-only top-k search against the naive baseline
 * on the same data and queries, and reports the p50 ratio. Default 384 dims, 100 queries, top 60.
 */
export async function benchSearch(opts: SearchBenchOptions, report: (figure: Figure) => void): Promise<void> {
  const dims = opts.dims ?? 384;
  const queries = opts.queries ?? 100;
  const limit = opts.limit ?? 60;
  const corpus = syntheticCorpus(opts.size, dims, opts.size);
  const buildStart = performance.now();
  const index = buildHybridIndex(corpus, 'bench');
  const buildMs = Math.round(performance.now() - buildStart);
  const qs = Array.from({ length: queries + 5 }, () => {
    const target = Math.floor(corpus.rand() * opts.size);
    const words = corpus.texts[target]!.split(' ');
    const text = [0, 1, 2].map(() => words[Math.floor(corpus.rand() * words.length)]).join(' ');
    const vector = Float32Array.from(corpus.vectors[target]!, (x) => x + (corpus.rand() - 0.5) * 0.05);
    return { text, vector };
  });
  const base = { n: opts.size, dims, limit };
  const q = (i: number) => qs[i % qs.length]!;
  const t = await timeInterleaved(
    {
      hybrid: (i) => index.search({ text: q(i).text, vector: q(i).vector, embedderId: 'bench', limit }),
      'dense-only': (i) => index.search({ text: '', vector: q(i).vector, embedderId: 'bench', limit }),
      'lexical-only': (i) => index.search({ text: q(i).text, limit }),
    },
    queries,
  );
  // The naive baseline is timed after the index, not interleaved with it: its data (a `number[]` per item) and its
  // per-query garbage make the collector pause in whatever runs next, which is not the index's cost.
  const items = corpus.ids.map((id, i) => ({ id, vector: Array.from(corpus.vectors[i]!) }));
  const plainQueries = qs.map((q) => Array.from(q.vector));
  // The naive baseline takes seconds per query at 100k; a few dozen samples are enough for its median.
  const naive = await timeIt(
    (i) => naiveTopK(items, plainQueries[i % plainQueries.length]!, limit),
    Math.max(20, Math.min(queries, Math.round(2_000_000 / opts.size))),
  );
  for (const mode of ['hybrid', 'dense-only', 'lexical-only'] as const) {
    report({
      figure: 'hybrid-index-search',
      mode,
      ...base,
      ...t[mode]!,
      ...(mode === 'hybrid' && { buildMs }),
    });
  }
  report({ figure: 'naive-search', mode: 'dense-cosine-full-sort', ...base, ...naive });
  const r = (x: number) => Math.round(x * 100) / 100;
  report({
    figure: 'search-speedup',
    ...base,
    naiveOverHybridP50: r(naive.p50Ms / t.hybrid!.p50Ms),
    naiveOverDenseP50: r(naive.p50Ms / t['dense-only']!.p50Ms),
  });

  // Recall of the index's dense top-k against exact search (the naive baseline), on 20 of the timed queries.
  const recalls = qs
    .slice(0, 20)
    .map((q) =>
      recallAt(
        index.search({ text: '', vector: q.vector, embedderId: 'bench', limit }),
        naiveTopK(items, Array.from(q.vector), limit),
      ),
    );
  report({
    figure: 'dense-recall-vs-exact',
    ...base,
    vectors: 'clustered',
    [`recallAt${limit}`]: Math.round((recalls.reduce((a, b) => a + b, 0) / recalls.length) * 10000) / 10000,
    minRecall: Math.min(...recalls),
    queries: recalls.length,
  });
}

/** Options of `benchDense`. */
export interface DenseBenchOptions {
  size: number;
  dims?: number;
  queries?: number;
  k?: number;
  vectors: VectorKind;
}

/**
 * Measures `VectorTable.topK` (what the index uses: exact when small, sign-bit prefilter + rerank when large)
 * against `exactTopK` on the same table and fresh queries drawn from the same distribution, and its recall@k
 * against exact search over every timed query.
 */
export async function benchDense(opts: DenseBenchOptions, report: (figure: Figure) => void): Promise<void> {
  const dims = opts.dims ?? 384;
  const queries = opts.queries ?? 100;
  const k = opts.k ?? 60;
  const rand = mulberry32(opts.size + 17);
  const next = syntheticVectors(dims, opts.vectors, rand);
  const table = new VectorTable(dims, 'bench', opts.size);
  for (let i = 0; i < opts.size; i++) table.set(`m${i}`, next());
  const qs = Array.from({ length: queries }, next);
  const t = await timeInterleaved(
    {
      topK: (i) => table.topK(qs[i % queries]!, k),
      exact: (i) => table.exactTopK(qs[i % queries]!, k),
    },
    queries,
  );
  const recalls = qs.map((q) => recallAt(table.topK(q, k), table.exactTopK(q, k)));
  const round = (x: number) => Math.round(x * 10000) / 10000;
  report({
    figure: 'dense-topk',
    vectors: opts.vectors,
    n: opts.size,
    dims,
    k,
    topKP50Ms: t.topK!.p50Ms,
    topKP95Ms: t.topK!.p95Ms,
    exactP50Ms: t.exact!.p50Ms,
    exactOverTopKP50: Math.round((t.exact!.p50Ms / t.topK!.p50Ms) * 100) / 100,
    [`recallAt${k}`]: round(recalls.reduce((a, b) => a + b, 0) / recalls.length),
    minRecall: round(Math.min(...recalls)),
    queries,
  });
}

/** Options of `benchApply`. */
export interface ApplyBenchOptions {
  makeStore: () => Promise<MemoryStore>;
  /** Memories in the store before timing; default 10,000. */
  size?: number;
  iterations?: number;
  dims?: number;
  /** Label for the report, e.g. `InMemoryStore`. */
  store: string;
}

/**
 * Measures `apply` of a 5-op batch (2 ADD, 2 UPDATE, 1 DELETE, with embeddings for the new texts) on a store that
 * already holds `size` memories with embeddings.
 */
export async function benchApply(opts: ApplyBenchOptions, report: (figure: Figure) => void): Promise<void> {
  const size = opts.size ?? 10_000;
  const iterations = opts.iterations ?? 200;
  const dims = opts.dims ?? 384;
  const corpus = syntheticCorpus(size + iterations * 4 + 40, dims, 7);
  const store = await opts.makeStore();
  const fillStart = performance.now();
  for (let start = 0; start < size; start += 1000) {
    const end = Math.min(size, start + 1000);
    await store.apply({
      ops: corpus.texts.slice(start, end).map((text, j) => ({ op: 'ADD', id: corpus.ids[start + j]!, text })),
      embeddings: {
        embedderId: 'bench',
        vectors: corpus.texts
          .slice(start, end)
          .map((text, j) => ({ text, vector: corpus.vectors[start + j]! })),
      },
    });
  }
  const fillMs = Math.round(performance.now() - fillStart);
  const live = corpus.ids.slice(0, size);
  let next = size;
  let turn = 0;
  const makeBatch = (i: number) => {
    const ops: StoreOp[] = [];
    const texts: { text: string; vector: Float32Array }[] = [];
    for (let a = 0; a < 2; a++, next++) {
      ops.push({ op: 'ADD', id: corpus.ids[next]!, text: corpus.texts[next]! });
      texts.push({ text: corpus.texts[next]!, vector: corpus.vectors[next]! });
      live.push(corpus.ids[next]!);
    }
    for (let u = 0; u < 2; u++, next++) {
      const id = live[(i * 7919 + u * 104729) % (live.length - 3)]!;
      ops.push({ op: 'UPDATE', id, text: corpus.texts[next]! });
      texts.push({ text: corpus.texts[next]!, vector: corpus.vectors[next]! });
    }
    const touched = new Set(ops.map((op) => op.id));
    let slot = (i * 15485863) % (live.length - 2);
    while (touched.has(live[slot]!)) slot = (slot + 1) % (live.length - 2);
    ops.push({ op: 'DELETE', id: live.splice(slot, 1)[0]! });
    return { turnId: `bench-${turn++}`, ops, embeddings: { embedderId: 'bench', vectors: texts } };
  };
  const timing = await timeIt((i) => store.apply(makeBatch(i)), iterations, 5);
  report({ figure: 'apply-5-op-batch', store: opts.store, n: size, dims, iterations, ...timing, fillMs });
}
