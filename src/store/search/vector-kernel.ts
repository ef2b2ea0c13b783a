/**
 * `VectorKernel`: the rows of one `VectorTable` in WebAssembly memory, with the SIMD scans that score them
 * (src/store/search/vector-kernel.wat). Each row is kept twice: as float32 (what exact scores and the table read) and as
 * int8 codes with a per-row scale (its largest absolute component maps to ±127), a quarter of the size. Scanning
 * the codes gives every row's dot product up to a small rounding error, good for choosing the few hundred rows to
 * score exactly; `exact` then scores a list of rows in float32.
 *
 * Memory layout (byte offsets, all 16-aligned): the int16 query codes, the float32 query, `capacity` float32 scores,
 * `capacity` int32 row indexes (the list `exact` reads), the int8 rows (`codeStride` bytes of codes + 16 bytes
 * holding the scale), then the float32 rows (`floatStride` bytes each). Growing moves both row regions up.
 *
 * Stable API: `VectorKernel.create(dims, capacity)` (undefined when WebAssembly SIMD is missing or `dims` is too
 * large), `reserve(capacity)`, `floats`, `rowFloats`, `encodeRow(slot)`, `move(from, to)`, `approximate(query, count)`,
 * `exact(query, rows)`; `vectorKernelAvailable()`.
 */
import { VECTOR_KERNEL_BASE64 } from './vector-kernel.wasm';

/** Largest query code: keeps every i32 lane of the int8 kernel exact up to `MAX_DIMS` dimensions. */
const QUERY_RANGE = 8191;
/** Dimensions the int8 kernel's i32 lanes can sum without overflow (2³¹ / (2 × 127 × 8191) pairs of 8 lanes). */
const MAX_DIMS = 8256;
const PAGE = 65_536;

interface KernelExports {
  memory: WebAssembly.Memory;
  scoreCodes(rows: number, count: number, stride: number, query: number, out: number): void;
  scoreListed(rows: number, stride: number, list: number, count: number, query: number, out: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where WebAssembly or its SIMD extension is unavailable. Compiled once, synchronously. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = Uint8Array.from(atob(VECTOR_KERNEL_BASE64), (c) => c.charCodeAt(0));
    compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Whether this runtime can run the SIMD kernels. */
export function vectorKernelAvailable(): boolean {
  return kernelModule() !== null;
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Float32 and int8 rows of one vector table in WebAssembly memory, with SIMD scans over them. */
export class VectorKernel {
  private readonly kernel: KernelExports;
  private readonly codeStride: number;
  private readonly codeRowBytes: number;
  private readonly floatStride: number;
  private readonly queryFloatsAt: number;
  private readonly scoresAt: number;
  private listAt = 0;
  private codesAt = 0;
  private floatsAt = 0;
  private capacity = 0;
  private bytes!: Int8Array;
  private words!: Float32Array;
  private indexes!: Int32Array;
  private queryCodes!: Int16Array;
  /** The float32 rows, `align16(dims × 4) / 4` floats apart; replaced (not resized) when the kernel grows. */
  floats!: Float32Array;

  private constructor(
    module: WebAssembly.Module,
    private readonly dims: number,
    capacity: number,
  ) {
    this.kernel = new WebAssembly.Instance(module).exports as unknown as KernelExports;
    this.codeStride = align16(dims);
    this.codeRowBytes = this.codeStride + 16;
    this.floatStride = align16(4 * dims);
    this.queryFloatsAt = align16(2 * this.codeStride);
    this.scoresAt = this.queryFloatsAt + this.floatStride;
    this.reserve(Math.max(capacity, 1));
  }

  /** A kernel for vectors of `dims` dimensions with room for `capacity` rows; undefined when it cannot run. */
  static create(dims: number, capacity: number): VectorKernel | undefined {
    const module = kernelModule();
    return module && dims > 0 && dims <= MAX_DIMS ? new VectorKernel(module, dims, capacity) : undefined;
  }

  /** Floats from one row's start to the next's in `floats`. */
  get rowFloats(): number {
    return this.floatStride / 4;
  }

  /** Makes room for at least `capacity` rows, keeping the rows stored so far. */
  reserve(capacity: number): void {
    if (capacity <= this.capacity) return;
    const listAt = this.scoresAt + 4 * capacity;
    const codesAt = listAt + 4 * capacity;
    const floatsAt = codesAt + capacity * this.codeRowBytes;
    const needed = floatsAt + capacity * this.floatStride;
    const memory = this.kernel.memory;
    if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    const bytes = new Int8Array(memory.buffer);
    if (this.capacity > 0) {
      // Both regions move up; the float rows (last in memory) go first so the code rows never overwrite them.
      bytes.copyWithin(floatsAt, this.floatsAt, this.floatsAt + this.capacity * this.floatStride);
      bytes.copyWithin(codesAt, this.codesAt, this.codesAt + this.capacity * this.codeRowBytes);
    }
    this.listAt = listAt;
    this.codesAt = codesAt;
    this.floatsAt = floatsAt;
    this.capacity = capacity;
    this.bytes = bytes;
    this.words = new Float32Array(memory.buffer);
    this.indexes = new Int32Array(memory.buffer, listAt, capacity);
    this.queryCodes = new Int16Array(memory.buffer, 0, this.codeStride);
    this.floats = new Float32Array(memory.buffer, floatsAt, (capacity * this.floatStride) / 4);
  }

  /** Derives row `slot`'s int8 codes and scale from its float32 values (written into `floats` first). */
  encodeRow(slot: number): void {
    const floats = this.floats;
    const from = slot * this.rowFloats;
    const dims = this.dims;
    floats.fill(0, from + dims, from + this.rowFloats);
    let max = 0;
    for (let j = 0; j < dims; j++) {
      const x = Math.abs(floats[from + j]!);
      max = x > max ? x : max;
    }
    const at = this.codesAt + slot * this.codeRowBytes;
    const toCode = max > 0 ? 127 / max : 0;
    const bytes = this.bytes;
    // Rounds to nearest (halves up) through truncation of a positive number: several times faster than Math.round.
    for (let j = 0; j < dims; j++) bytes[at + j] = ((floats[from + j]! * toCode + 128.5) | 0) - 128;
    bytes.fill(0, at + dims, at + this.codeStride);
    this.words[(at + this.codeStride) >> 2] = max / 127;
  }

  /** Copies row `from` (both copies) over row `to`, for swap-removal. */
  move(from: number, to: number): void {
    const codes = this.codesAt + from * this.codeRowBytes;
    this.bytes.copyWithin(this.codesAt + to * this.codeRowBytes, codes, codes + this.codeRowBytes);
    const floats = from * this.rowFloats;
    this.floats.copyWithin(to * this.rowFloats, floats, floats + this.rowFloats);
  }

  /**
   * Approximate dot products (in units of the query's largest component) of a normalized `query` with rows
   * `0 … count − 1`, from the int8 codes. The view lives in the kernel's memory: read it before the next call.
   */
  approximate(query: Float32Array, count: number): Float32Array {
    let max = 0;
    for (let j = 0; j < this.dims; j++) max = Math.max(max, Math.abs(query[j]!));
    const toCode = max > 0 ? QUERY_RANGE / max : 0;
    for (let j = 0; j < this.dims; j++) this.queryCodes[j] = Math.round(query[j]! * toCode);
    this.kernel.scoreCodes(this.codesAt, count, this.codeStride, 0, this.scoresAt);
    return this.words.subarray(this.scoresAt >> 2, (this.scoresAt >> 2) + count);
  }

  /** Exact float32 dot products of `query` with the listed rows, in list order (a view, as in `approximate`). */
  exact(query: Float32Array, rows: ArrayLike<number>): Float32Array {
    this.words.set(query, this.queryFloatsAt >> 2);
    this.indexes.set(rows);
    const out = this.scoresAt;
    this.kernel.scoreListed(
      this.floatsAt,
      this.floatStride,
      this.listAt,
      rows.length,
      this.queryFloatsAt,
      out,
    );
    return this.words.subarray(out >> 2, (out >> 2) + rows.length);
  }
}
