/**
 * Dense vectors of one embedder in ONE contiguous Float32Array (row per memory), plus a bounded top-k heap. Rows
 * are L2-normalized on insert so cosine similarity is a dot product; the buffer grows by doubling and a removal
 * moves the last row into the hole (swap-remove), so scanning stays a tight loop over packed memory.
 *
 * Tables larger than a few hundred rows are searched in two steps: an int8 copy of every row (a quarter of the float32
 * size) is scanned with WebAssembly SIMD (`VectorKernel`, which also holds the float32 rows), and only the best
 * `max(256, 4 × k)` rows are scored exactly in float32. Runtimes without WebAssembly SIMD score every row exactly.
 *
 * Stable API: `new VectorTable(dims, embedderId?, initialRows?, options?)`, `set(id, vector)`, `remove(id)`,
 * `has(id)`, `size`, `dims`, `topK(query, k, accept?)`, `exactTopK(query, k, accept?)`, `similarities(query, ids)`;
 * `TopK` (bounded min-heap); `normalize(vector)`; `VectorSearchOptions`.
 */
import { VectorDimensionError } from '../errors';
import { VectorKernel } from './vector-kernel';

/**
 * A unit-length copy of a vector (a zero vector stays zero), written into `out` from index `at` (a new array when
 * `out` is not given).
 * @example normalize(new Float32Array([3, 4])) // => Float32Array [0.6, 0.8]
 */
export function normalize(
  vector: ArrayLike<number>,
  out: Float32Array = new Float32Array(vector.length),
  at = 0,
): Float32Array {
  const n = vector.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += vector[i]! * vector[i]!;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < n; i++) out[at + i] = vector[i]! * scale;
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

  /** The kept items in ascending order (for scanning rows in memory order). */
  itemsInRowOrder(): Int32Array {
    return this.items.slice(0, this.count).sort();
  }

  /** The kept items, best first. */
  sorted(): { item: number; score: number }[] {
    const out: { item: number; score: number }[] = [];
    for (let i = 0; i < this.count; i++) out.push({ item: this.items[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score);
  }
}

/** When `VectorTable.topK` scans int8 codes before scoring exactly, and how many rows it scores exactly. */
export interface VectorSearchOptions {
  /**
   * Rows the int8 scan passes on to exact scoring: `max(rerankMin, rerankFactor × k)`; defaults 256 and 4. A table
   * with no more rows than that is scored exactly. With the defaults recall@60 against exact search is 1.0 on
   * clustered and on random 384-dim vectors at 100k rows (bench/store.bench.ts).
   */
  rerankMin?: number;
  rerankFactor?: number;
  /** Set to false to always score every row exactly in float32 (what runtimes without WebAssembly SIMD do). */
  int8?: boolean;
}

/** Every how many rows `bestRows` samples scores to find its cut-off. */
const SAMPLE_STEP = 16;

/** Normalized vectors of one embedder, packed row by row, addressable by memory id. */
export class VectorTable {
  /** The float32 rows, `stride` floats apart (in the kernel's memory when there is a kernel). */
  private data: Float32Array;
  private readonly stride: number;
  private ids: string[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly rerankMin: number;
  private readonly rerankFactor: number;
  /** WebAssembly SIMD scans over the rows; undefined without WebAssembly SIMD (then every row is scored in JS). */
  private readonly kernel: VectorKernel | undefined;

  constructor(
    readonly dims: number,
    private readonly embedderId = 'embedder',
    initialRows = 64,
    options: VectorSearchOptions = {},
  ) {
    this.rerankMin = options.rerankMin ?? 256;
    this.rerankFactor = options.rerankFactor ?? 4;
    this.kernel = options.int8 === false ? undefined : VectorKernel.create(dims, initialRows);
    this.stride = this.kernel?.rowFloats ?? dims;
    this.data = this.kernel?.floats ?? new Float32Array(dims * initialRows);
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
      if ((slot + 1) * this.stride > this.data.length)
        this.grow(Math.max((this.data.length / this.stride) * 2, 64));
      this.ids.push(id);
      this.slotOf.set(id, slot);
    }
    normalize(vector, this.data, slot * this.stride);
    this.kernel?.encodeRow(slot);
  }

  /** Removes a memory's vector by moving the last row into its slot. */
  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const lastId = this.ids[last]!;
      if (this.kernel) this.kernel.move(last, slot);
      else this.data.copyWithin(slot * this.stride, last * this.stride, (last + 1) * this.stride);
      this.ids[slot] = lastId;
      this.slotOf.set(lastId, slot);
    }
    this.ids.pop();
    this.slotOf.delete(id);
  }

  /**
   * The k stored ids most similar to `query` (cosine), best first. Two steps when the table is larger than the
   * rerank width: an int8 SIMD scan of every row picks the `max(rerankMin, rerankFactor × k)` best rows that `accept`
   * takes, and those are scored exactly (float32). `accept` filters candidates; it is called only for rows that
   * would enter the current best, so a narrow filter costs little and never loses results.
   */
  topK(
    query: ArrayLike<number>,
    k: number,
    accept?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    const n = this.ids.length;
    if (query.length !== this.dims) throw new VectorDimensionError(this.embedderId, this.dims, query.length);
    const width = Math.max(this.rerankMin, this.rerankFactor * k);
    if (!this.kernel || width >= n) return this.exactTopK(query, k, accept);
    const q = normalize(query);
    const rows = this.bestRows(this.kernel.approximate(q, n), width, accept);
    const exact = this.kernel.exact(q, rows);
    const heap = new TopK(k);
    for (let i = 0; i < rows.length; i++) if (exact[i]! > heap.threshold) heap.offer(rows[i]!, exact[i]!);
    return heap.sorted().map(({ item, score }) => ({ id: this.ids[item]!, score }));
  }

  /**
   * The k stored ids most similar to `query` (cosine), best first, scoring every row in JavaScript (float32 values,
   * float64 sums): the reference the fast path is tested against. `accept` as in `topK`.
   */
  exactTopK(
    query: ArrayLike<number>,
    k: number,
    accept?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    if (query.length !== this.dims) throw new VectorDimensionError(this.embedderId, this.dims, query.length);
    const heap = new TopK(k);
    this.scoreRows(normalize(query), heap, accept);
    return heap.sorted().map(({ item, score }) => ({ id: this.ids[item]!, score }));
  }

  /**
   * Cosine of `query` with each listed memory's vector (`undefined` for a memory without one), scored exactly in
   * JavaScript: for the few memories one retriever found and the other did not.
   */
  similarities(query: ArrayLike<number>, ids: readonly string[]): (number | undefined)[] {
    if (query.length !== this.dims) throw new VectorDimensionError(this.embedderId, this.dims, query.length);
    const q = normalize(query);
    return ids.map((id) => {
      const slot = this.slotOf.get(id);
      if (slot === undefined) return undefined;
      const base = slot * this.stride;
      let dot = 0;
      for (let j = 0; j < this.dims; j++) dot += this.data[base + j]! * q[j]!;
      return dot;
    });
  }

  /**
   * The `width` rows with the highest `scores` that `accept` takes, in row order. A sample of every 16th row gives a
   * cut-off that about 1.5 × width rows pass, so only those reach the heap (and the filter); when fewer than `width`
   * of them are accepted, every row is offered, so the result is always the exact best `width`.
   */
  private bestRows(
    scores: Float32Array,
    width: number,
    accept: ((id: string) => boolean) | undefined,
  ): Int32Array {
    const n = scores.length;
    const sample = new TopK(Math.ceil((1.5 * width) / SAMPLE_STEP));
    for (let row = 0; row < n; row += SAMPLE_STEP) sample.offer(row, scores[row]!);
    const cut = sample.size === sample.k ? sample.threshold : -Infinity;
    const offer = (from: number): TopK => {
      const best = new TopK(width);
      for (let row = 0; row < n; row++) {
        const score = scores[row]!;
        if (score >= from && score > best.threshold && (!accept || accept(this.ids[row]!)))
          best.offer(row, score);
      }
      return best;
    };
    let best = offer(cut);
    if (best.size < width && cut > -Infinity) best = offer(-Infinity);
    return best.itemsInRowOrder();
  }

  /** Makes room for `rows` rows. */
  private grow(rows: number): void {
    if (this.kernel) {
      this.kernel.reserve(rows);
      this.data = this.kernel.floats;
      return;
    }
    const grown = new Float32Array(rows * this.stride);
    grown.set(this.data);
    this.data = grown;
  }

  /** Scores every row exactly against a normalized query into `heap`. */
  private scoreRows(q: Float32Array, heap: TopK, accept: ((id: string) => boolean) | undefined): void {
    const dims = this.dims;
    const data = this.data;
    const n = this.ids.length;
    const tail = dims - (dims % 4);
    for (let row = 0; row < n; row++) {
      const base = row * this.stride;
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
