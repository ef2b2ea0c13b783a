/**
 * `LexicalIndex`: the BM25 inverted index behind `HybridIndex`'s lexical retrieval. It scores exactly as
 * MiniSearch 7 does (BM25+ with k = 1.2, b = 0.7, d = 0.5; field length = distinct raw tokens; the summed score
 * multiplied by the number of distinct query terms matched), so rankings are the ones MiniSearch gave, but it
 * keeps only the best `depth` matches: scores accumulate in reused typed arrays and no object is built per match.
 * MiniSearch materializes, filters and sorts a result object for every matching memory, which made a long query
 * whose words are common cost hundreds of milliseconds at 10k memories.
 *
 * Terms come from the caller (tokenized and stemmed), so this module knows nothing about language.
 */
import { TopK } from './vector-table';

/** BM25+ parameters, MiniSearch's defaults. */
const K1 = 1.2;
const B = 0.7;
const DELTA = 0.5;

/** BM25's inverse document frequency of a term held by `df` of `n` memories. */
function idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/** One lexical match: the memory id and its BM25 score (higher is better). */
export interface LexicalHit {
  id: string;
  score: number;
}

/**
 * The memories holding one term, in the order they were indexed: slots and occurrence counts in parallel typed
 * arrays (a `Map` per term cost about a microsecond per insert and made building a 100k index take seconds).
 */
class Posting {
  slots = new Int32Array(4);
  counts = new Uint16Array(4);
  size = 0;

  /** Counts one occurrence of the term in a memory: the last one added, or a new one appended. */
  count(slot: number): void {
    const last = this.size - 1;
    if (last >= 0 && this.slots[last] === slot) {
      this.counts[last]!++;
      return;
    }
    if (this.size === this.slots.length) {
      const slots = new Int32Array(this.size * 2);
      slots.set(this.slots);
      this.slots = slots;
      const counts = new Uint16Array(this.size * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.slots[this.size] = slot;
    this.counts[this.size++] = 1;
  }

  /** Removes a memory (if present), keeping the others in order. */
  remove(slot: number): void {
    const i = this.slots.subarray(0, this.size).indexOf(slot);
    if (i < 0) return;
    this.slots.copyWithin(i, i + 1, this.size);
    this.counts.copyWithin(i, i + 1, this.size);
    this.size--;
  }
}

/** An inverted index over short texts with exact top-k BM25 retrieval. */
export class LexicalIndex {
  /** term → the memories holding it. */
  private readonly postings = new Map<string, Posting>();
  private readonly slotOf = new Map<string, number>();
  private readonly idOf: (string | undefined)[] = [];
  private readonly termsOf: (string[] | undefined)[] = [];
  /** Distinct raw tokens per slot (MiniSearch's field length). */
  private lengths = new Float64Array(64);
  private readonly freeSlots: number[] = [];
  private totalLength = 0;
  /** Scratch state for one search, sized to the slot count and reset after use (only the touched slots). */
  private scores = new Float64Array(64);
  private matched = new Uint16Array(64);
  /** 0 = not yet asked, 1 = accepted, 2 = rejected by the search's filter. */
  private verdict = new Uint8Array(64);

  /** Number of indexed memories. */
  get size(): number {
    return this.slotOf.size;
  }

  /** Whether a memory is indexed. */
  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Memories holding a term. */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.size ?? 0;
  }

  /**
   * Indexes a memory (replacing it when present). `terms` are its processed terms in order (repeats count);
   * `length` is its number of distinct raw tokens.
   */
  set(id: string, terms: readonly string[], length: number): void {
    this.remove(id);
    const slot = this.freeSlots.pop() ?? this.idOf.length;
    if (slot >= this.lengths.length) this.grow(Math.max(this.lengths.length * 2, slot + 1));
    this.idOf[slot] = id;
    this.termsOf[slot] = [...terms];
    this.lengths[slot] = length;
    this.totalLength += length;
    this.slotOf.set(id, slot);
    for (const term of terms) {
      let posting = this.postings.get(term);
      if (!posting) {
        posting = new Posting();
        this.postings.set(term, posting);
      }
      posting.count(slot);
    }
  }

  /** Drops a memory from the index. */
  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    for (const term of this.termsOf[slot]!) {
      const posting = this.postings.get(term);
      if (!posting) continue;
      posting.remove(slot);
      if (posting.size === 0) this.postings.delete(term);
    }
    this.totalLength -= this.lengths[slot]!;
    this.lengths[slot] = 0;
    this.idOf[slot] = undefined;
    this.termsOf[slot] = undefined;
    this.slotOf.delete(id);
    this.freeSlots.push(slot);
  }

  /** Forgets everything. */
  clear(): void {
    for (const id of [...this.slotOf.keys()]) this.remove(id);
  }

  /**
   * The score a memory of average length holding each of the query's known terms once would get: the scale of a
   * full keyword match for this query, against which a match's score says how complete it is (0 when no term is
   * known). Repeated terms weigh more, as in `search`.
   * @example index.referenceScore(['tea']) // => idf('tea') × (1 + 0.5)
   */
  referenceScore(terms: readonly string[]): number {
    const n = this.slotOf.size;
    const weights = this.termWeights(terms);
    let sum = 0;
    for (const [term, weight] of weights) sum += weight * idf(n, this.postings.get(term)!.size) * (DELTA + 1);
    return sum * weights.size;
  }

  /**
   * The `depth` best matches for the query terms (repeats weigh more, as in MiniSearch), best first, plus every
   * match tied with the last one's score, so callers can break ties (e.g. by recency) without losing any.
   * `accept` filters matches; it is asked only about matches that would enter the top `depth`, once each.
   */
  search(terms: readonly string[], depth: number, accept?: (id: string) => boolean): LexicalHit[] {
    const n = this.slotOf.size;
    if (n === 0 || depth <= 0) return [];
    const weights = this.termWeights(terms);
    const avgLength = this.totalLength / n;
    const touched: number[] = [];
    const { scores, matched, verdict, lengths, idOf } = this;
    for (const [term, weight] of weights) {
      const posting = this.postings.get(term)!;
      const df = posting.size;
      const termIdf = idf(n, df);
      for (let i = 0; i < df; i++) {
        const slot = posting.slots[i]!;
        const tf = posting.counts[i]!;
        if (matched[slot] === 0) touched.push(slot);
        const norm = K1 * (1 - B + (B * lengths[slot]!) / avgLength);
        scores[slot]! += weight * termIdf * (DELTA + (tf * (K1 + 1)) / (tf + norm));
        matched[slot]!++;
      }
    }
    // The filter does not change scores (BM25 statistics count every memory), so it is asked only about
    // memories good enough to enter the top `depth`, and at most once each.
    const accepted = (slot: number): boolean => {
      if (verdict[slot] === 0) verdict[slot] = !accept || accept(idOf[slot]!) ? 1 : 2;
      return verdict[slot] === 1;
    };
    const heap = new TopK(depth);
    for (const slot of touched) {
      const score = scores[slot]! * matched[slot]!;
      if (score > heap.threshold && accepted(slot)) heap.offer(slot, score);
    }
    const cut = heap.threshold;
    const hits: LexicalHit[] = [];
    for (const slot of touched) {
      const score = scores[slot]! * matched[slot]!;
      if (score >= cut && accepted(slot)) hits.push({ id: idOf[slot]!, score });
      scores[slot] = 0;
      matched[slot] = 0;
      verdict[slot] = 0;
    }
    return hits.sort((a, b) => b.score - a.score);
  }

  /** How often each query term the index knows occurs in the query. */
  private termWeights(terms: readonly string[]): Map<string, number> {
    const weights = new Map<string, number>();
    for (const term of terms) if (this.postings.has(term)) weights.set(term, (weights.get(term) ?? 0) + 1);
    return weights;
  }

  private grow(slots: number): void {
    const lengths = new Float64Array(slots);
    lengths.set(this.lengths);
    this.lengths = lengths;
    this.scores = new Float64Array(slots);
    this.matched = new Uint16Array(slots);
    this.verdict = new Uint8Array(slots);
  }
}
