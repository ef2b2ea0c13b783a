/**
 * Dense vectors of one embedder in ONE contiguous Float32Array (row per memory), plus a bounded top-k heap. Rows
 * are L2-normalized on insert so cosine similarity is a dot product; the buffer grows by doubling and a removal
 * moves the last row into the hole (swap-remove), so scanning stays a tight loop over packed memory.
 *
 * Stable API: `new VectorTable(dims)`, `set(id, vector)`, `remove(id)`, `has(id)`, `size`, `dims`,
 * `topK(query, k, accept?)`; `TopK` (bounded min-heap); `normalize(vector)`.
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

/** Normalized vectors of one embedder, packed row by row, addressable by memory id. */
export class VectorTable {
  private data: Float32Array;
  private ids: string[] = [];
  private readonly slotOf = new Map<string, number>();

  constructor(
    readonly dims: number,
    private readonly embedderId = 'embedder',
    initialRows = 64,
  ) {
    this.data = new Float32Array(dims * initialRows);
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
        const grown = new Float32Array(Math.max(this.data.length * 2, this.dims * 64));
        grown.set(this.data);
        this.data = grown;
      }
      this.ids.push(id);
      this.slotOf.set(id, slot);
    }
    this.data.set(normalize(vector), slot * this.dims);
  }

  /** Removes a memory's vector by moving the last row into its slot. */
  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const last = this.ids.length - 1;
    if (slot !== last) {
      const lastId = this.ids[last]!;
      this.data.copyWithin(slot * this.dims, last * this.dims, (last + 1) * this.dims);
      this.ids[slot] = lastId;
      this.slotOf.set(lastId, slot);
    }
    this.ids.pop();
    this.slotOf.delete(id);
  }

  /**
   * The k stored ids most similar to `query` (cosine), best first. `accept` filters candidates; it is called only
   * for rows that would enter the top k, so a cheap-to-pass filter costs almost nothing on a large table.
   */
  topK(
    query: ArrayLike<number>,
    k: number,
    accept?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    if (query.length !== this.dims) throw new VectorDimensionError(this.embedderId, this.dims, query.length);
    const q = normalize(query);
    const heap = new TopK(k);
    const dims = this.dims;
    const data = this.data;
    const n = this.ids.length;
    const tail = dims - (dims % 4);
    for (let row = 0, base = 0; row < n; row++, base += dims) {
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
    return heap.sorted().map(({ item, score }) => ({ id: this.ids[item]!, score }));
  }
}
