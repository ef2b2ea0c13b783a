/**
 * The Chromium side of `npm run bench:store` (loaded by bench/store-bench.html, driven by bench/store-bench.ts).
 * On the same synthetic data (384-dim unit vectors, ~2,000-word vocabulary) it measures, per size:
 * - `HybridIndex` hybrid / dense / lexical top-60 against the naive baseline (bench/store-bench-lib.ts);
 * - the same search through `IndexedDbStore.search` after filling a real database, plus the time to reopen it
 *   (rebuilding the index from IndexedDB) and recall@60 of its dense search against exact search;
 * - `@orama/orama` hybrid and vector search (exact: similarity threshold off) as the peer library;
 * and once: importing 10k memories with their embeddings, and applying a 5-op batch on a 10k store.
 * Each figure is handed to `window.reportFigure` as one JSON line.
 */
import { create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { type Figure, benchApply, benchSearch, naiveTopK, syntheticCorpus, timeIt } from './store-bench-lib';
import { IndexedDbStore } from '../src/store/indexeddb/indexeddb-store';

/** What the Node driver asks the page to measure. */
export interface BenchOptions {
  sizes: number[];
  queries: number;
}

declare global {
  interface Window {
    reportFigure(line: string): Promise<void>;
    runStoreBench(options: BenchOptions): Promise<void>;
  }
}

const DIMS = 384;
const LIMIT = 60;
const EMBEDDER = 'bench';
const runtime = `chromium ${/Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? '?'}`;

async function report(figure: Figure): Promise<void> {
  await window.reportFigure(JSON.stringify({ runtime, ...figure }));
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

type Corpus = ReturnType<typeof syntheticCorpus>;

/** Queries near stored memories: three of a target's words and its vector plus a little noise. */
function makeQueries(corpus: Corpus, count: number): { text: string; vector: Float32Array }[] {
  return Array.from({ length: count }, () => {
    const target = Math.floor(corpus.rand() * corpus.ids.length);
    const words = corpus.texts[target]!.split(' ');
    const text = [0, 1, 2].map(() => words[Math.floor(corpus.rand() * words.length)]).join(' ');
    const vector = Float32Array.from(corpus.vectors[target]!, (x) => x + (corpus.rand() - 0.5) * 0.05);
    return { text, vector };
  });
}

/** Writes a corpus into a fresh database through the store's own import and embedding paths. */
async function fillStore(name: string, corpus: Corpus): Promise<void> {
  const store = await IndexedDbStore.open({ name });
  await store.import(corpus.ids.map((id, i) => ({ id, text: corpus.texts[i]! })));
  const chunk = 5_000;
  for (let start = 0; start < corpus.ids.length; start += chunk) {
    await store.putEmbeddings(
      EMBEDDER,
      corpus.texts
        .slice(start, start + chunk)
        .map((text, j) => ({ text, vector: corpus.vectors[start + j]! })),
    );
  }
  store.close();
}

async function benchStoreSearch(size: number, queries: number): Promise<void> {
  const corpus = syntheticCorpus(size, DIMS, size);
  const name = `bench-search-${size}-${crypto.randomUUID()}`;
  const fillStart = performance.now();
  await fillStore(name, corpus);
  const fillMs = Math.round(performance.now() - fillStart);
  const openStart = performance.now();
  const store = await IndexedDbStore.open({ name });
  const openMs = Math.round(performance.now() - openStart);
  const qs = makeQueries(corpus, queries + 5);
  const base = { n: size, dims: DIMS, limit: LIMIT, queries };
  const hybrid = await timeIt(
    (i) =>
      store.search({
        text: qs[i % qs.length]!.text,
        vector: qs[i % qs.length]!.vector,
        embedderId: EMBEDDER,
        limit: LIMIT,
      }),
    queries,
  );
  await report({ figure: 'indexeddb-store-search', mode: 'hybrid', ...base, ...hybrid, fillMs, openMs });

  const items = corpus.ids.map((id, i) => ({ id, vector: Array.from(corpus.vectors[i]!) }));
  const naive = await timeIt(
    (i) => naiveTopK(items, Array.from(qs[i % qs.length]!.vector), LIMIT),
    Math.min(queries, 30),
  );
  let recall = 0;
  const recallQueries = qs.slice(0, 20);
  for (const q of recallQueries) {
    const exact = new Set(naiveTopK(items, Array.from(q.vector), LIMIT).map((h) => h.id));
    const got = await store.search({ text: '', vector: q.vector, embedderId: EMBEDDER, limit: LIMIT });
    recall += got.filter((h) => exact.has(h.memory.id)).length / exact.size;
  }
  await report({
    figure: 'indexeddb-store-search-vs-naive',
    ...base,
    storeHybridP50Ms: hybrid.p50Ms,
    naiveP50Ms: naive.p50Ms,
    naiveOverStoreHybridP50: round(naive.p50Ms / hybrid.p50Ms),
    denseRecallAt60: round(recall / recallQueries.length, 4),
  });
  store.close();
  await deleteDatabase(name);

  await benchOrama(corpus, qs, queries, hybrid.p50Ms);
}

async function benchOrama(
  corpus: Corpus,
  qs: { text: string; vector: Float32Array }[],
  queries: number,
  storeHybridP50Ms: number,
): Promise<void> {
  const size = corpus.ids.length;
  const buildStart = performance.now();
  const db = create({ schema: { text: 'string', embedding: `vector[${DIMS}]` } as const });
  await insertMultiple(
    db,
    corpus.ids.map((id, i) => ({ id, text: corpus.texts[i]!, embedding: Array.from(corpus.vectors[i]!) })),
    1000,
  );
  const buildMs = Math.round(performance.now() - buildStart);
  const base = { n: size, dims: DIMS, limit: LIMIT, queries };
  const hybrid = await timeIt(
    (i) =>
      oramaSearch(db, {
        mode: 'hybrid',
        term: qs[i % qs.length]!.text,
        vector: { value: qs[i % qs.length]!.vector, property: 'embedding' },
        similarity: -1,
        limit: LIMIT,
      }),
    queries,
  );
  await report({ figure: 'orama-search', mode: 'hybrid', version: '3.1.18', ...base, ...hybrid, buildMs });
  const vector = await timeIt(
    (i) =>
      oramaSearch(db, {
        mode: 'vector',
        vector: { value: qs[i % qs.length]!.vector, property: 'embedding' },
        similarity: -1,
        limit: LIMIT,
      }),
    queries,
  );
  await report({ figure: 'orama-search', mode: 'vector', version: '3.1.18', ...base, ...vector });
  await report({
    figure: 'indexeddb-store-search-vs-orama',
    ...base,
    oramaHybridOverStoreHybridP50: round(hybrid.p50Ms / storeHybridP50Ms),
  });
}

async function benchImport(): Promise<void> {
  const size = 10_000;
  const corpus = syntheticCorpus(size, DIMS, 42);
  const document = corpus.ids.map((id, i) => ({ id, text: corpus.texts[i]! }));
  const samples: { importMs: number; embeddingsMs: number; totalMs: number }[] = [];
  for (let run = 0; run < 3; run++) {
    const name = `bench-import-${crypto.randomUUID()}`;
    const store = await IndexedDbStore.open({ name });
    const start = performance.now();
    const result = await store.import(document);
    const imported = performance.now();
    await store.putEmbeddings(
      EMBEDDER,
      corpus.texts.map((text, i) => ({ text, vector: corpus.vectors[i]! })),
    );
    const end = performance.now();
    if (result.added !== size) throw new Error(`import added ${result.added} of ${size}`);
    samples.push({ importMs: imported - start, embeddingsMs: end - imported, totalMs: end - start });
    store.close();
    await deleteDatabase(name);
  }
  samples.sort((a, b) => a.totalMs - b.totalMs);
  const median = samples[1]!;
  await report({
    figure: 'indexeddb-import-with-embeddings',
    n: size,
    dims: DIMS,
    runs: samples.length,
    medianTotalMs: Math.round(median.totalMs),
    medianImportMs: Math.round(median.importMs),
    medianEmbeddingsMs: Math.round(median.embeddingsMs),
  });
}

window.runStoreBench = async (options: BenchOptions): Promise<void> => {
  // Writes first, on a quiet database: deleting the large search databases below keeps the disk busy for a while.
  console.log('10k import with embeddings…');
  await benchImport();
  console.log('5-op batch apply on a 10k store…');
  // The browser profile is temporary, so this database is left for the browser to discard on exit.
  await benchApply(
    {
      store: 'IndexedDbStore',
      size: 10_000,
      iterations: 100,
      makeStore: () => IndexedDbStore.open({ name: `bench-apply-${crypto.randomUUID()}` }),
    },
    (f) => void report(f),
  );
  for (const size of options.sizes) {
    console.log(`HybridIndex search at ${size} memories…`);
    await benchSearch({ size, queries: options.queries, dims: DIMS, limit: LIMIT }, (f) => void report(f));
    console.log(`IndexedDbStore and Orama search at ${size} memories…`);
    await benchStoreSearch(size, options.queries);
  }
};
