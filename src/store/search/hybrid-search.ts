/**
 * `HybridIndex`: the in-memory search index every store keeps over its memories. Lexical retrieval is BM25
 * (`LexicalIndex`: MiniSearch's scoring, but keeping only the top matches) over Porter-stemmed (`stemmer`),
 * lowercased terms; numbers and date parts stay searchable as their own terms. Dense retrieval is cosine over one
 * packed `VectorTable` per embedder id (exact when small, int8 prefilter + exact rerank when large). The two
 * rankings are fused by a weighted combination of their normalized scores (`fuseRankings` in fusion.ts, weight
 * `LEXICAL_WEIGHT`), ties broken by recency (`updatedAt`, newest first). A query without a vector is lexical only
 * (its score is BM25 over the query's reference BM25); a query whose words match nothing still returns dense hits.
 *
 * Stable API: `new HybridIndex(options?)`, `add(record)`, `update(record)`, `upsert(record)`, `remove(id)`,
 * `has(id)`, `size`, `setVector(memoryId, embedderId, vector)`, `removeVector(memoryId, embedderId?)`,
 * `hasVector(memoryId, embedderId)`, `vectorDims(embedderId)`, `search(query): IndexHit[]`, `clear()`;
 * `tokenize(text)`, `processTerm(term)`.
 */
import { stemmer } from 'stemmer';
import type { MemoryRecord } from '../../core/types';
import { fuseRankings, type IndexHit, LEXICAL_WEIGHT } from './fusion';
import { type LexicalHit, LexicalIndex } from './lexical-index';
import { type VectorSearchOptions, VectorTable } from './vector-table';

/** The fields of a memory the index needs (a `MemoryRecord` fits). */
export type IndexedMemory = Pick<
  MemoryRecord,
  'id' | 'text' | 'speaker' | 'conversationId' | 'updatedAt' | 'deletedAt'
>;

/** A search over the index; filters match `SearchQuery`. */
export interface IndexQuery {
  text: string;
  vector?: ArrayLike<number>;
  /** Which embedder's vectors `vector` is compared with; without it the query is lexical only. */
  embedderId?: string;
  speaker?: string;
  conversationId?: string;
  includeDeleted?: boolean;
  /** Results to return; default 10. */
  limit?: number;
}

/** Tuning knobs, with their defaults. */
export interface HybridIndexOptions {
  /** Weight of lexical scores against dense ones in [0, 1]; default `LEXICAL_WEIGHT` (see fusion.ts). */
  lexicalWeight?: number;
  /** How many candidates each retriever contributes before fusion (at least `limit`); default 100. */
  candidateDepth?: number;
  /** How wide the int8 scan's candidate list is before exact rescoring; see `VectorSearchOptions`. */
  dense?: VectorSearchOptions;
}

/**
 * Words too common to carry meaning in a memory query. Month names and "may" are deliberately absent: dates matter.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by did do does for from had has have he her him his how i if in into is it its ' +
    'me my of on or our s she so t than that the their them then there these they this to us was we were what ' +
    'when where which who whom why will with you your'
  ).split(' '),
);

const SPLIT = /[^\p{L}\p{N}]+/u;

/** Stemming dominates indexing time and words repeat (Zipf), so each word's term is memoized; the cache is bounded. */
const TERM_CACHE_SIZE = 50_000;
const termCache = new Map<string, string | null>();

/**
 * Splits a text into words: anything that is not a letter or a digit separates, so "2023-05-07" gives three
 * searchable terms and "Caroline's" gives "Caroline" and "s".
 * @example tokenize('Met Mel on 7 May 2023.') // => ['Met', 'Mel', 'on', '7', 'May', '2023']
 */
export function tokenize(text: string): string[] {
  return text.split(SPLIT).filter((t) => t !== '');
}

/**
 * Normalizes one word for the lexical index: lowercase, Porter stem, stop words dropped (numbers kept as they are).
 * @example processTerm('Running') // => 'run'
 */
export function processTerm(term: string): string | null {
  let processed = termCache.get(term);
  if (processed === undefined) {
    const lower = term.toLowerCase();
    if (STOP_WORDS.has(lower)) processed = null;
    else processed = /^\p{N}+$/u.test(lower) ? lower : stemmer(lower);
    if (termCache.size >= TERM_CACHE_SIZE) termCache.clear();
    termCache.set(term, processed);
  }
  return processed;
}

/** The index terms of a text's words, in order (repeats kept: they weigh in BM25). */
function indexTerms(words: readonly string[]): string[] {
  const terms: string[] = [];
  for (const word of words) {
    const term = processTerm(word);
    if (term !== null) terms.push(term);
  }
  return terms;
}

interface DocMeta {
  text: string;
  speaker?: string;
  conversationId?: string;
  updatedAt: number;
  deleted: boolean;
}

/** Lexical + dense search over memories, fused by normalized scores; everything in memory, nothing async. */
export class HybridIndex {
  private readonly lexicalWeight: number;
  private readonly depth: number;
  private readonly lexical = new LexicalIndex();
  private readonly docs = new Map<string, DocMeta>();
  private readonly tables = new Map<string, VectorTable>();
  private readonly dense: VectorSearchOptions;

  constructor(options: HybridIndexOptions = {}) {
    const weight = options.lexicalWeight ?? LEXICAL_WEIGHT;
    if (!(weight >= 0 && weight <= 1))
      throw new RangeError(`lexicalWeight must be in [0, 1], got ${weight}.`);
    this.lexicalWeight = weight;
    this.depth = options.candidateDepth ?? 100;
    this.dense = options.dense ?? {};
  }

  /** Number of memories indexed (tombstones included). */
  get size(): number {
    return this.docs.size;
  }

  /** Whether a memory is indexed. */
  has(id: string): boolean {
    return this.docs.has(id);
  }

  /** Indexes a memory (or re-indexes it when already present). */
  add(record: IndexedMemory): void {
    this.upsert(record);
  }

  /** Re-indexes a changed memory: its text, scope, recency or deleted state. Its vectors are kept. */
  update(record: IndexedMemory): void {
    this.upsert(record);
  }

  /** Adds or replaces a memory in the index. */
  upsert(record: IndexedMemory): void {
    const previous = this.docs.get(record.id);
    if (previous?.text !== record.text) {
      const words = tokenize(record.text);
      // MiniSearch's field length, kept so BM25 length normalization (and so ranking) stays what it was.
      this.lexical.set(record.id, indexTerms(words), new Set(words).size);
    }
    this.docs.set(record.id, {
      text: record.text,
      ...(record.speaker !== undefined && { speaker: record.speaker }),
      ...(record.conversationId !== undefined && { conversationId: record.conversationId }),
      updatedAt: record.updatedAt,
      deleted: record.deletedAt !== undefined,
    });
  }

  /** Drops a memory and all its vectors from the index. */
  remove(id: string): void {
    const previous = this.docs.get(id);
    if (!previous) return;
    this.lexical.remove(id);
    this.docs.delete(id);
    this.removeVector(id);
  }

  /** Sets a memory's vector for one embedder (normalized copy); throws `VectorDimensionError` on a length mismatch. */
  setVector(memoryId: string, embedderId: string, vector: ArrayLike<number>): void {
    let table = this.tables.get(embedderId);
    if (!table) {
      table = new VectorTable(vector.length, embedderId, 64, this.dense);
      this.tables.set(embedderId, table);
    }
    table.set(memoryId, vector);
  }

  /** Removes a memory's vector for one embedder, or for every embedder when none is named. */
  removeVector(memoryId: string, embedderId?: string): void {
    if (embedderId !== undefined) this.tables.get(embedderId)?.remove(memoryId);
    else for (const table of this.tables.values()) table.remove(memoryId);
  }

  /** Whether a memory has a vector for an embedder. */
  hasVector(memoryId: string, embedderId: string): boolean {
    return this.tables.get(embedderId)?.has(memoryId) ?? false;
  }

  /** Vector length stored for an embedder, if any vector was stored. */
  vectorDims(embedderId: string): number | undefined {
    return this.tables.get(embedderId)?.dims;
  }

  /** Forgets everything. */
  clear(): void {
    this.lexical.clear();
    this.docs.clear();
    this.tables.clear();
  }

  /**
   * Searches lexical (and dense, when the query has a vector for a known embedder), fuses the two (fusion.ts) and
   * returns at most `limit` hits, best first.
   * @example index.search({ text: 'tea', limit: 5 }) // => [{ id: 'm1', score: 1, lexicalRank: 1 }]
   */
  search(query: IndexQuery): IndexHit[] {
    const limit = Math.max(0, Math.floor(query.limit ?? 10));
    if (limit === 0) return [];
    const depth = Math.max(limit, this.depth);
    const accept = (id: string): boolean => {
      const doc = this.docs.get(id);
      if (!doc) return false;
      if (doc.deleted && !query.includeDeleted) return false;
      if (query.speaker !== undefined && doc.speaker !== query.speaker) return false;
      return query.conversationId === undefined || doc.conversationId === query.conversationId;
    };

    const recency = (id: string): number => this.docs.get(id)?.updatedAt ?? 0;
    const terms = indexTerms(tokenize(query.text));
    const reference = this.lexical.referenceScore(terms);
    // The lexical index returns its best `depth` matches plus any tied with the last, so ties can be broken by
    // recency here before cutting to depth.
    const lexical: LexicalHit[] =
      terms.length > 0
        ? this.lexical
            .search(terms, depth, accept)
            .sort((a, b) => b.score - a.score || recency(b.id) - recency(a.id))
            .slice(0, depth)
        : [];
    const table = query.embedderId !== undefined ? this.tables.get(query.embedderId) : undefined;
    const vector = query.vector;
    if (!vector || !table) {
      // Already in order (equal scores and times keep the index's order, as they always have).
      return lexical
        .slice(0, limit)
        .map(({ id, score }, i) => ({ id, score: score / reference, lexicalRank: i + 1 }));
    }
    return fuseRankings({
      lexical,
      lexicalReference: reference,
      dense: table.topK(vector, depth, accept),
      cosineOf: (ids) => table.similarities(vector, ids),
      lexicalWeight: this.lexicalWeight,
    })
      .sort((a, b) => b.score - a.score || recency(b.id) - recency(a.id) || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }
}
