/**
 * How `HybridIndex` merges its two rankings into one: a convex combination of the retrievers' scores, each put on
 * a fixed scale of its own rather than stretched to its candidates' range:
 *
 *   fused = w · BM25 / reference BM25  +  (1 − w) · (cosine + 1) / 2
 *
 * The reference BM25 is what a memory of average length holding each query word once would score
 * (`LexicalIndex.referenceScore`), so a memory matching the query's words fully scores about 1 and one sharing a
 * single common word (a name, say) scores little; cosine's range [−1, 1] maps to [0, 1]. This is the convex
 * combination that Bruch, Gai & Ingber ("An Analysis of Fusion Functions for Hybrid Retrieval", ACM TOIS 2023)
 * found better than reciprocal rank fusion (which it replaces), with each score normalized by fixed bounds instead
 * of its candidates' maximum: a retriever with nothing to say about a query (cosines all alike, as from random
 * vectors; query words that match only in passing) then moves the other's order little, instead of having its
 * best candidate scored 1 whatever it is. With `w = 1` it ranks as the lexical retriever alone and with `w = 0` as
 * the dense one (up to the order of equal scores), so a weight chosen by sweeping [0, 1] on data is at least as good
 * there as the better input.
 *
 * Memories one retriever found and the other did not: a missing BM25 is 0 (no query word, or too weak to be among
 * the lexical candidates); a missing cosine is computed exactly (`cosineOf`). A memory with no vector (for example
 * while a backfill runs) gets cosine's minimum, −1, like a memory unrelated to the query, so a memory both
 * retrievers find ranks above one only a single retriever vouches for.
 */

/** One candidate of one retriever: memory id and raw score (BM25, or cosine), higher is better. */
export interface RetrieverHit {
  id: string;
  score: number;
}

/** One fused result: fused score (higher is better) and where each retriever ranked it (1 = best). */
export interface IndexHit {
  id: string;
  score: number;
  lexicalRank?: number;
  denseRank?: number;
}

/**
 * Weight of the lexical retriever in the fusion; the dense one gets the rest. Chosen on LoCoMo's training
 * conversation (conv-26) with Universal Sentence Encoder lite as the embedder, by `npm run eval -- retrieval-sweep
 * --dataset FILE --split train --embedder use-lite` (src/eval/retrieval-sweep.ts): over the turn and observation
 * banks, weights 0.25 to 0.45 tie for the best mean evidence recall over k ∈ {1, 5, 10, 20, 60} (65.2 %, lexical
 * alone 61.3 %, dense alone 48.8 %) while staying at or above both inputs at every k, and the tie goes to the
 * weight leaning on keywords. Checked unchanged on the validation conversation (conv-30): at or above lexical and
 * dense search at every k on both banks there too. Tables in docs/performance.md ("Retrieval quality").
 */
export const LEXICAL_WEIGHT = 0.45;

/** Inputs of `fuseRankings`. */
export interface FusionInput {
  /** Lexical candidates, best first (BM25). */
  lexical: readonly RetrieverHit[];
  /** The query's reference BM25 (`LexicalIndex.referenceScore`); 0 when no query word is indexed. */
  lexicalReference: number;
  /** Dense candidates, best first (cosine). */
  dense: readonly RetrieverHit[];
  /** Cosines of lexical candidates the dense list lacks; `undefined` for a memory without a vector. */
  cosineOf: (ids: string[]) => (number | undefined)[];
  /** Weight of the lexical retriever in [0, 1]. */
  lexicalWeight: number;
}

/**
 * Fuses a lexical and a dense candidate list (see the module header). Returns every candidate of either list with
 * its fused score and ranks, in no particular order: the caller sorts (and breaks ties).
 * @example
 * fuseRankings({ lexical: [{ id: 'a', score: 4 }], lexicalReference: 8, dense: [{ id: 'b', score: 0.6 }],
 *   cosineOf: () => [0.2], lexicalWeight: 0.5 }) // => a: 0.5 · 0.5 + 0.5 · 0.6 = 0.55; b: 0.5 · 0.8 = 0.4
 */
export function fuseRankings(input: FusionInput): IndexHit[] {
  const w = input.lexicalWeight;
  const lexicalNorm = input.lexicalReference > 0 ? 1 / input.lexicalReference : 0;
  const dense = (cosine: number) => ((1 - w) * (cosine + 1)) / 2;
  const fused = new Map<string, IndexHit>();
  input.dense.forEach(({ id, score }, i) => {
    fused.set(id, { id, score: dense(score), denseRank: i + 1 });
  });
  const unscored = input.lexical.filter(({ id }) => !fused.has(id)).map(({ id }) => id);
  const cosines = unscored.length > 0 ? input.cosineOf(unscored) : [];
  unscored.forEach((id, i) => {
    fused.set(id, { id, score: dense(cosines[i] ?? -1) });
  });
  input.lexical.forEach(({ id, score }, i) => {
    const hit = fused.get(id)!;
    hit.score += w * score * lexicalNorm;
    hit.lexicalRank = i + 1;
  });
  return [...fused.values()];
}
