/**
 * Dense vectors of one embedder in ONE contiguous Float32Array (row per memory), plus a bounded top-k heap. Rows
 * are L2-normalized on insert so cosine similarity is a dot product; the buffer grows by doubling and a removal
 * moves the last row into the hole (swap-remove), so scanning stays a tight loop over packed memory.
 *
 * Large tables are searched in two steps: each row also keeps its sign bits (one bit per dimension, packed in a
 * Uint32Array: 48 bytes for 384 dims instead of 1,536), the query's sign bits are compared with every row by
 * Hamming distance (XOR + popcount, a scan over 32× less memory), and only the closest few thousand rows are
 * scored exactly in float32. Below `approximateFrom` rows (default 20,000) every row is scored exactly.
 *
 * Stable API: `new VectorTable(dims, embedderId?, initialRows?, options?)`, `set(id, vector)`, `remove(id)`,
 * `has(id)`, `size`, `dims`, `topK(query, k, accept?)`, `exactTopK(query, k, accept?)`; `TopK` (bounded
 * min-heap); `normalize(vector)`; `VectorSearchOptions`.
 */
import { VectorDimensionError } from './errors';

/**
 * A unit-length copy of a vector (a zero vector stays zero).
 * @example normalize(new Float32Array([3, 4])) // => Float32Array [0.6, 0.8]
 */
export function normalize(vector: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  const out = new Float32Array(vector.length);
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}

/** Keeps the k best (highest score) items seen, in O(log k) per offer; never sorts the whole input. */
export class TopK {
  private readonly scores: Float64Array;
  private readonly items: Int32Array;
  private count = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(k, 1));
    this.items = new Int32Array(Math.max(k, 1));
  }

  /** Number of items kept so far (at most k). */
  get size(): number {
    return this.count;
  }

  /** The score an item must beat to enter (−Infinity while the heap is not full). */
  get threshold(): number {
    return this.count < this.k ? -Infinity : this.scores[0]!;
  }

  /** Offers an item; keeps it when it is among the k best so far. */
  offer(item: number, score: number): void {
    if (this.k <= 0) return;
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (this.scores[parent]! <= score) break;
        this.scores[i] = this.scores[parent]!;
        this.items[i] = this.items[parent]!;
        i = parent;
      }
      this.scores[i] = score;
      this.items[i] = item;
      return;
    }
    if (score <= this.scores[0]!) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.count) break;
      const right = left + 1;
      const child = right < this.count && this.scores[right]! < this.scores[left]! ? right : left;
      if (this.scores[child]! >= score) break;
      this.scores[i] = this.scores[child]!;
      this.items[i] = this.items[child]!;
      i = child;
    }
    this.scores[i] = score;
    this.items[i] = item;
  }

  /** The kept items, best first. */
  sorted(): { item: number; score: number }[] {
    const out: { item: number; score: number }[] = [];
    for (let i = 0; i < this.count; i++) out.push({ item: this.items[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score);
  }
}

/** When `VectorTable.topK` switches from scoring every row to the sign-bit prefilter, and how wide that is. */
export interface VectorSearchOptions {
  /** Tables with fewer rows than this are searched exactly; default 20,000. `Infinity` disables the prefilter. */
  approximateFrom?: number;
  /**
   * Rows the sign-bit prefilter passes on to exact scoring: `max(rerankMin, rerankShare × rows, 8 × k)`, capped
   * at the table size. Defaults 2,000 and 0.02; they keep recall@60 against exact search at or above 0.99 on
   * clustered 384-dim embeddings (see bench/store.bench.ts).
   */
  rerankMin?: number;
  rerankShare?: number;
}

/** Number of set bits in each byte of a 32-bit word, summed into the bytes (the first steps of a popcount). */
function byteCounts(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (x + (x >>> 4)) & 0x0f0f0f0f;
}

/** Normalized vectors of one embedder, packed row by row, addressable by memory id. */
export class VectorTable {
  private data: Float32Array;
  /** Sign bits of each row, `words` 32-bit words per row (bit j of the row = dimension j is positive). */
  private codes: Uint32Array;
  private readonly words: number;
  private ids: string[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly approximateFrom: number;
  private readonly rerankMin: number;
  private readonly rerankShare: number;
  /** Hamming distance of each row to the current query; reused between searches. */
  private distances = new Uint16Array(0);

  constructor(
    readonly dims: number,
    private readonly embedderId = 'embedder',
    initialRows = 64,
    options: VectorSearchOptions = {},
  ) {
    this.words = Math.ceil(dims / 32);
    this.data = new Float32Array(dims * initialRows);
    this.codes = new Uint32Array(this.words * initialRows);
    this.approximateFrom = options.approximateFrom ?? 20_000;
    this.rerankMin = options.rerankMin ?? 2000;
    this.rerankShare = options.rerankShare ?? 0.02;
  }

  /** Number of vectors stored. */
  get size(): number {
    return this.ids.length;
  }

  /** Whether a memory has a vector here. */
  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /** Stores (or replaces) a memory's vector, normalized; throws `VectorDimensionError` on a length mismatch. */
  set(id: string, vector: ArrayLike<number>): void {
    if (vector.length !== this.dims)
      throw new VectorDimensionError(this.embedderId, this.dims, vector.length);
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      slot = this.ids.length;
      if ((slot + 1) * this.dims > this.data.length) {
        const rows = Math.max((this.data.length / this.dims) * 2, 64);
        const grown = new Float32Array(rows * this.dims);
        grown.set(this.data);
        this.data = grown;
        const grownCodes = new Uint32Array(rows * this.words);
        grownCodes.set(this.codes);
        this.codes = grownCodes;
      }
      this.ids.push(id);
      this.slotOf.set(id, slot);
    }
    const row = normalize(vector);
    this.data.set(row, slot * this.dims);
    this.signBits(row, this.codes, slot * this.words);
  }

  /** Writes the sign bits of a vector into `out` at word `at`. */
  private signBits(vector: Float32Array, out: Uint32Array, at: number): void {
    out.fill(0, at, at + this.words);
    for (let j = 0; j < this.dims; j++) if (vector[j]! > 0) out[at + (j >>> 5)]! |= 1 << (j & 31);
  }

  /** Removes a memory's vector by moving the last row into its slot. */
  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const lastId = this.ids[last]!;
      this.data.copyWithin(slot * this.dims, last * this.dims, (last + 1) * this.dims);
      this.codes.copyWithin(slot * this.words, last * this.words, (last + 1) * this.words);
      this.ids[slot] = lastId;
      this.slotOf.set(lastId, slot);
    }
    this.ids.pop();
    this.slotOf.delete(id);
  }

  /**
   * The k stored ids most similar to `query` (cosine), best first: exact below `approximateFrom` rows, else the
   * sign-bit prefilter followed by exact scoring of its candidates. `accept` filters candidates; it is called
   * only for rows that would enter the top k. When the filter leaves fewer than k of the prefilter's candidates,
   * the search falls back to an exact scan, so a narrow filter never loses results.
   */
  topK(
    query: ArrayLike<number>,
    k: number,
    accept?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    const n = this.ids.length;
    if (query.length !== this.dims) throw new VectorDimensionError(this.embedderId, this.dims, query.length);
    const candidates = Math.max(this.rerankMin, Math.ceil(this.rerankShare * n), 8 * k);
    if (n < this.approximateFrom || candidates >= n) return this.exactTopK(query, k, accept);
    const q = normalize(query);
    const heap = new TopK(k);
    this.scoreRows(q, heap, this.prefilter(q, candidates), accept);
    if (heap.size < Math.min(k, n)) return this.exactTopK(query, k, accept);
    return heap.sorted().map(({ item, score }) => ({ id: this.ids[item]!, score }));
  }

  /** The k stored ids most similar to `query` (cosine), best first, scoring every row; `accept` as in `topK`. */
  exactTopK(
    query: ArrayLike<number>,
    k: number,
    accept?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    if (query.length !== this.dims) throw new VectorDimensionError(this.embedderId, this.dims, query.length);
    const heap = new TopK(k);
    this.scoreRows(normalize(query), heap, undefined, accept);
    return heap.sorted().map(({ item, score }) => ({ id: this.ids[item]!, score }));
  }

  /**
   * The `count` rows whose sign bits are closest (Hamming) to the query's, in row order. Distances go to a
   * reused buffer and a histogram finds the cut-off distance, so nothing is sorted.
   */
  private prefilter(q: Float32Array, count: number): Int32Array {
    const n = this.ids.length;
    const words = this.words;
    const codes = this.codes;
    const qCode = new Uint32Array(words);
    this.signBits(q, qCode, 0);
    if (this.distances.length < n) this.distances = new Uint16Array(this.codes.length / words);
    const distances = this.distances;
    const histogram = new Uint32Array(this.dims + 1);
    for (let row = 0, base = 0; row < n; row++, base += words) {
      // Byte-wise counts of up to 31 words fit in a byte lane (31 × 8 < 256); one multiply sums the lanes.
      let lanes = 0;
      let total = 0;
      for (let w = 0; w < words; w++) {
        lanes += byteCounts(codes[base + w]! ^ qCode[w]!);
        if ((w & 31) === 30) {
          total += Math.imul(lanes, 0x01010101) >>> 24;
          lanes = 0;
        }
      }
      const distance = total + (Math.imul(lanes, 0x01010101) >>> 24);
      distances[row] = distance;
      histogram[distance]!++;
    }
    let cut = 0;
    let below = 0;
    while (below + histogram[cut]! < count) below += histogram[cut++]!;
    // Rows closer than `cut` all pass; rows exactly at `cut` pass until `count` rows are taken.
    let atCut = count - below;
    const out = new Int32Array(count);
    let taken = 0;
    for (let row = 0; row < n && taken < count; row++) {
      const d = distances[row]!;
      if (d < cut || (d === cut && atCut-- > 0)) out[taken++] = row;
    }
    return out;
  }

  /** Scores rows (all of them, or the listed ones) against a normalized query into `heap`. */
  private scoreRows(
    q: Float32Array,
    heap: TopK,
    rows: Int32Array | undefined,
    accept: ((id: string) => boolean) | undefined,
  ): void {
    const dims = this.dims;
    const data = this.data;
    const n = rows ? rows.length : this.ids.length;
    const tail = dims - (dims % 4);
    for (let i = 0; i < n; i++) {
      const row = rows ? rows[i]! : i;
      const base = row * dims;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < tail; j += 4) {
        s0 += data[base + j]! * q[j]!;
        s1 += data[base + j + 1]! * q[j + 1]!;
        s2 += data[base + j + 2]! * q[j + 2]!;
        s3 += data[base + j + 3]! * q[j + 3]!;
      }
      for (; j < dims; j++) s0 += data[base + j]! * q[j]!;
      const score = s0 + s1 + s2 + s3;
      if (score > heap.threshold && (!accept || accept(this.ids[row]!))) heap.offer(row, score);
    }
  }
}
