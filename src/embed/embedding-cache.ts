/**
 * `CachedEmbedder`: an LRU cache of vectors in front of any `Embedder`, keyed by embedder id + kind + text hash.
 * The Memory Manager embeds the same facts and queries several times per turn (retrieve, decide, apply), and the
 * Answer Agent re-embeds repeated questions; the cache turns those into lookups. It keeps the inner embedder's id,
 * so the vectors it returns are interchangeable with the inner embedder's everywhere (stored embeddings included).
 */
import { throwIfAborted } from '../core/errors';
import { textHash } from '../core/ids';
import type { CallOptions, EmbedKind, Embedder } from '../core/types';

/** Options of `CachedEmbedder`. */
export interface CachedEmbedderOptions {
  /** Most vectors kept; the least recently used is dropped first. Default 4096 (~6 MB at 384 dims). */
  maxEntries?: number;
}

/** Since creation: texts answered without inner work (hits), distinct texts sent to the inner embedder (misses). */
export interface EmbeddingCacheStats {
  hits: number;
  misses: number;
  size: number;
}

const DEFAULT_MAX_ENTRIES = 4096;

/**
 * An `Embedder` that answers repeated texts from an LRU cache and embeds only the rest (each distinct text once).
 * @example
 * const cached = new CachedEmbedder(embedder);
 * await cached.embed(['a', 'a'], 'query'); // inner embedder sees ['a'] once
 */
export class CachedEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  private readonly inner: Embedder;
  private readonly maxEntries: number;
  /** Insertion order is recency order: a hit re-inserts its key at the end. */
  private readonly entries = new Map<string, Float32Array>();
  private hits = 0;
  private misses = 0;

  constructor(inner: Embedder, options: CachedEmbedderOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}.`);
    }
    this.inner = inner;
    this.id = inner.id;
    this.dims = inner.dims;
    this.maxEntries = maxEntries;
  }

  /** Vectors for `texts` in order: cached ones copied from the cache, the rest embedded in one inner call. */
  async embed(texts: string[], kind: EmbedKind, opts: CallOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(opts.signal);
    const keys = texts.map((text) => this.key(text, kind));
    const found = keys.map((key) => this.lookup(key));
    const missing = new Map<string, string>();
    keys.forEach((key, i) => {
      if (found[i] === undefined && !missing.has(key)) missing.set(key, texts[i] ?? '');
    });
    this.misses += missing.size;
    this.hits += texts.length - missing.size;

    // Kept apart from the LRU map: a call with more new texts than `maxEntries` evicts some of its own vectors.
    const fresh = new Map<string, Float32Array>();
    if (missing.size > 0) {
      const vectors = await this.inner.embed([...missing.values()], kind, opts);
      if (vectors.length !== missing.size) {
        throw new Error(
          `Embedder "${this.inner.id}" returned ${vectors.length} vectors for ${missing.size} texts.`,
        );
      }
      [...missing.keys()].forEach((key, i) => {
        const vector = vectors[i] as Float32Array;
        fresh.set(key, vector);
        this.store(key, vector);
      });
    }
    // Copies, so a caller that mutates its vector cannot corrupt the cache.
    return keys.map((key, i) => (found[i] ?? (fresh.get(key) as Float32Array)).slice());
  }

  /** Hit and miss counts and the number of cached vectors. */
  stats(): EmbeddingCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }

  /** Forgets every cached vector (e.g. when the inner model's files changed). */
  clear(): void {
    this.entries.clear();
  }

  private key(text: string, kind: EmbedKind): string {
    return `${this.inner.id}\u0000${kind}\u0000${textHash(text)}`;
  }

  private lookup(key: string): Float32Array | undefined {
    const vector = this.entries.get(key);
    if (vector !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, vector);
    }
    return vector;
  }

  private store(key: string, vector: Float32Array): void {
    this.entries.delete(key);
    this.entries.set(key, vector.slice());
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
