/**
 * A small GGUF v3 writer for generated test and benchmark models: typed metadata, then the tensor table, then the
 * tensor data, each tensor aligned to 32 bytes. Tensor bytes are produced on demand and handed to a sink one
 * tensor at a time, so a model of several hundred megabytes is written without holding it in memory.
 * The layout is the one `src/llm/gguf.ts` reads (see its header).
 *
 * @example
 * const w = new GgufWriter();
 * w.string('general.architecture', 'qwen2');
 * w.tensor('output_norm.weight', [64], GGML.F32, () => f32Bytes);
 * const bytes = w.toBytes();
 */
import { GGUF_DEFAULT_ALIGNMENT, GgufType, type GgufTypeId } from '../src/llm/gguf';

/** The ggml tensor types the generator writes: id, values per block, bytes per block. */
export const GGML = {
  F32: { id: 0, blockValues: 1, blockBytes: 4 },
  F16: { id: 1, blockValues: 1, blockBytes: 2 },
  Q4_0: { id: 2, blockValues: 32, blockBytes: 18 },
  Q8_0: { id: 8, blockValues: 32, blockBytes: 34 },
} as const;
/** One of `GGML`'s entries. */
export type GgmlType = (typeof GGML)[keyof typeof GGML];

/** Bytes of a tensor of `values` values of `type`; `values` must be a whole number of blocks. */
export function tensorBytes(type: GgmlType, rowLength: number, values: number): number {
  if (rowLength % type.blockValues !== 0) {
    throw new Error(
      `A row of ${rowLength} values is not a whole number of ${type.blockValues}-value blocks.`,
    );
  }
  return (values / type.blockValues) * type.blockBytes;
}

type Scalar = { type: GgufTypeId; value: number | boolean | string };
type Entry = Scalar | { type: typeof GgufType.ARRAY; itemType: GgufTypeId; items: (number | string)[] };

interface TensorEntry {
  name: string;
  dims: number[];
  type: GgmlType;
  bytes: number;
  data: () => Uint8Array;
}

/** Grows a byte buffer for the header. */
class ByteSink {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length++, v);
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  u64(v: number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.buf.set(b, this.length);
    this.length += b.byteLength;
  }
  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.byteLength);
    this.bytes(b);
  }
  pad(alignment: number): void {
    while (this.length % alignment !== 0) this.u8(0);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Collects metadata and tensors, then writes the file (see the module header). */
export class GgufWriter {
  private readonly metadata = new Map<string, Entry>();
  private readonly tensors: TensorEntry[] = [];

  /** Sets a u32 metadata value. */
  u32(key: string, value: number): void {
    this.metadata.set(key, { type: GgufType.UINT32, value });
  }
  /** Sets an f32 metadata value. */
  f32(key: string, value: number): void {
    this.metadata.set(key, { type: GgufType.FLOAT32, value });
  }
  /** Sets a boolean metadata value. */
  bool(key: string, value: boolean): void {
    this.metadata.set(key, { type: GgufType.BOOL, value });
  }
  /** Sets a string metadata value. */
  string(key: string, value: string): void {
    this.metadata.set(key, { type: GgufType.STRING, value });
  }
  /** Sets an array-of-strings metadata value. */
  strings(key: string, items: string[]): void {
    this.metadata.set(key, { type: GgufType.ARRAY, itemType: GgufType.STRING, items });
  }
  /** Sets an array-of-i32 metadata value. */
  i32s(key: string, items: number[]): void {
    this.metadata.set(key, { type: GgufType.ARRAY, itemType: GgufType.INT32, items });
  }

  /** Adds a tensor; `dims[0]` is the row length. `data` is called once, when the tensor is written. */
  tensor(name: string, dims: number[], type: GgmlType, data: () => Uint8Array): void {
    const values = dims.reduce((a, b) => a * b, 1);
    this.tensors.push({ name, dims, type, bytes: tensorBytes(type, dims[0] ?? 1, values), data });
  }

  /** The header, metadata and tensor table (everything before the tensor data). */
  headerBytes(): Uint8Array {
    const out = new ByteSink();
    out.bytes(new TextEncoder().encode('GGUF'));
    out.u32(3);
    out.u64(this.tensors.length);
    out.u64(this.metadata.size);
    const scalar = (type: GgufTypeId, value: number | boolean | string) => {
      if (type === GgufType.STRING) out.string(String(value));
      else if (type === GgufType.UINT32) out.u32(Number(value));
      else if (type === GgufType.INT32) out.i32(Number(value));
      else if (type === GgufType.FLOAT32) out.f32(Number(value));
      else if (type === GgufType.BOOL) out.u8(value ? 1 : 0);
      else throw new Error(`The writer does not write value type ${type}.`);
    };
    for (const [key, entry] of this.metadata) {
      out.string(key);
      out.u32(entry.type);
      if ('items' in entry) {
        out.u32(entry.itemType);
        out.u64(entry.items.length);
        for (const item of entry.items) scalar(entry.itemType, item);
      } else scalar(entry.type, entry.value);
    }
    let offset = 0;
    for (const t of this.tensors) {
      out.string(t.name);
      out.u32(t.dims.length);
      for (const d of t.dims) out.u64(d);
      out.u32(t.type.id);
      out.u64(offset);
      offset += Math.ceil(t.bytes / GGUF_DEFAULT_ALIGNMENT) * GGUF_DEFAULT_ALIGNMENT;
    }
    out.pad(GGUF_DEFAULT_ALIGNMENT);
    return out.result();
  }

  /** Writes the whole file to `sink`, in order: header, then each tensor padded to the alignment. */
  write(sink: (chunk: Uint8Array) => void): void {
    sink(this.headerBytes());
    for (const t of this.tensors) {
      const data = t.data();
      if (data.byteLength !== t.bytes) {
        throw new Error(`Tensor ${t.name} produced ${data.byteLength} bytes, expected ${t.bytes}.`);
      }
      sink(data);
      const pad = (GGUF_DEFAULT_ALIGNMENT - (t.bytes % GGUF_DEFAULT_ALIGNMENT)) % GGUF_DEFAULT_ALIGNMENT;
      if (pad > 0) sink(new Uint8Array(pad));
    }
  }

  /** The whole file in memory (for small models). */
  toBytes(): Uint8Array {
    const chunks: Uint8Array[] = [];
    this.write((c) => chunks.push(c));
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
