/**
 * Reading GGUF, llama.cpp's model format: the header (magic, version, counts), the metadata key/value pairs and the
 * tensor table, from the first bytes of a file. Used to check a model before and after downloading it (is it a GGUF
 * at all, which architecture, how much memory it needs), to show its name and context length, and to give the
 * tokenizer its vocabulary. Runtime-neutral (page, worker, Node); it never reads tensor data.
 *
 * Layout (little-endian, GGUF v2/v3): `"GGUF"`, u32 version, u64 tensor count, u64 metadata count, then each
 * metadata pair as a string key (u64 length + UTF-8), a u32 value type and the value (arrays: u32 element type,
 * u64 count, elements), then each tensor as name, u32 dimension count, u64 dimensions, u32 ggml type, u64 offset
 * into the data section, which starts at the next multiple of `general.alignment` (default 32).
 */

/** The first four bytes of every GGUF file. */
export const GGUF_MAGIC = 'GGUF';
/** Data section alignment when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** GGUF metadata value types, as numbered in the format. */
export const GgufType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;
/** One of `GgufType`'s values. */
export type GgufTypeId = (typeof GgufType)[keyof typeof GgufType];

/** A metadata value: numbers (64-bit integers as `number`, exact up to 2^53), strings, booleans, arrays. */
export type GgufValue = number | string | boolean | GgufValue[];

/** One tensor of the tensor table. `dims[0]` is the innermost (row) dimension, as in ggml. */
export interface GgufTensorInfo {
  name: string;
  dims: number[];
  /** ggml type id (0 F32, 1 F16, 2 Q4_0, 8 Q8_0, 12 Q4_K, …). */
  type: number;
  /** Offset of the tensor's data from the start of the data section. */
  offset: number;
}

/** What a parse of the first bytes of a file found. */
export interface GgufHeader {
  version: number;
  tensorCount: number;
  /** Metadata in file order (a `Map` keeps it). */
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** False when the bytes ended before the tensor table did; `metadata` then holds the pairs read so far. */
  complete: boolean;
  /** Where the data section starts (only when `complete`). */
  dataOffset?: number;
}

/** Why bytes are not a GGUF header; `kind` lets callers word the user's message. */
export class GgufFormatError extends Error {
  constructor(
    readonly kind: 'not-gguf' | 'version' | 'corrupt',
    message: string,
  ) {
    super(message);
    this.name = 'GgufFormatError';
  }
}

class OutOfBytes extends Error {}

const MAX_STRING_BYTES = 64 * 1024 * 1024;
const MAX_ARRAY_LENGTH = 16 * 1024 * 1024;

/** A little-endian cursor over a byte prefix; running past the end throws `OutOfBytes`. */
class Cursor {
  private readonly view: DataView;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.pos + n > this.bytes.byteLength) throw new OutOfBytes();
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new GgufFormatError('corrupt', 'A 64-bit count is too large.');
    return Number(v);
  }
  value(type: number, depth = 0): GgufValue {
    switch (type) {
      case GgufType.UINT8:
        return this.u8();
      case GgufType.INT8:
        this.need(1);
        return this.view.getInt8(this.pos++);
      case GgufType.UINT16:
        this.need(2);
        this.pos += 2;
        return this.view.getUint16(this.pos - 2, true);
      case GgufType.INT16:
        this.need(2);
        this.pos += 2;
        return this.view.getInt16(this.pos - 2, true);
      case GgufType.UINT32:
        return this.u32();
      case GgufType.INT32:
        this.need(4);
        this.pos += 4;
        return this.view.getInt32(this.pos - 4, true);
      case GgufType.FLOAT32:
        this.need(4);
        this.pos += 4;
        return this.view.getFloat32(this.pos - 4, true);
      case GgufType.BOOL:
        return this.u8() !== 0;
      case GgufType.STRING:
        return this.string();
      case GgufType.UINT64:
        return this.u64();
      case GgufType.INT64: {
        this.need(8);
        this.pos += 8;
        return Number(this.view.getBigInt64(this.pos - 8, true));
      }
      case GgufType.FLOAT64:
        this.need(8);
        this.pos += 8;
        return this.view.getFloat64(this.pos - 8, true);
      case GgufType.ARRAY: {
        if (depth > 2) throw new GgufFormatError('corrupt', 'Arrays are nested too deeply.');
        const itemType = this.u32();
        const length = this.u64();
        if (length > MAX_ARRAY_LENGTH) throw new GgufFormatError('corrupt', `An array of ${length} items.`);
        const items: GgufValue[] = new Array<GgufValue>(length);
        for (let i = 0; i < length; i++) items[i] = this.value(itemType, depth + 1);
        return items;
      }
      default:
        throw new GgufFormatError('corrupt', `Unknown metadata value type ${type}.`);
    }
  }
  string(): string {
    const length = this.u64();
    if (length > MAX_STRING_BYTES) throw new GgufFormatError('corrupt', `A string of ${length} bytes.`);
    this.need(length);
    const text = this.decoder.decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }
}

/** What the first bytes look like, for a message when they are not a GGUF. */
export function describeNonGguf(bytes: Uint8Array): string {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64)).trimStart();
  if (/^<(!doctype|html|\?xml|head|body)/i.test(head)) return 'a web page (HTML), not a model file';
  if (/^[{[]/.test(head)) return 'a JSON document, not a model file';
  if (/^(ggml|ggjt|ggmf|lmgg|tjgg|fmgg)/.test(head))
    return 'an old GGML file, which llama.cpp no longer reads';
  if (bytes.byteLength >= 10 && bytes[8] === 0x7b && bytes[9] === 0x22) return 'a safetensors file';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'a zip archive (a PyTorch checkpoint?)';
  if (bytes.byteLength === 0) return 'empty';
  return 'not a GGUF file';
}

/**
 * Parses the header, metadata and tensor table from a file's first bytes. Bytes that end early give
 * `complete: false` with what was read; bytes that are not GGUF throw `GgufFormatError`.
 * @example parseGgufHeader(firstBytes).metadata.get('general.architecture') // => 'qwen2'
 */
export function parseGgufHeader(bytes: Uint8Array): GgufHeader {
  const c = new Cursor(bytes);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (bytes.byteLength < 4 || magic !== GGUF_MAGIC) {
    throw new GgufFormatError('not-gguf', `The file is ${describeNonGguf(bytes)}.`);
  }
  c.pos = 4;
  const metadata = new Map<string, GgufValue>();
  const tensors: GgufTensorInfo[] = [];
  let version = 0;
  let tensorCount = 0;
  try {
    version = c.u32();
    if (version !== 2 && version !== 3) {
      throw new GgufFormatError('version', `GGUF version ${version} is not supported (only 2 and 3).`);
    }
    tensorCount = c.u64();
    const kvCount = c.u64();
    for (let i = 0; i < kvCount; i++) {
      const key = c.string();
      const type = c.u32();
      metadata.set(key, c.value(type));
    }
    for (let i = 0; i < tensorCount; i++) {
      const name = c.string();
      const nDims = c.u32();
      if (nDims > 4) throw new GgufFormatError('corrupt', `Tensor ${name} has ${nDims} dimensions.`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(c.u64());
      tensors.push({ name, dims, type: c.u32(), offset: c.u64() });
    }
  } catch (err) {
    if (err instanceof OutOfBytes) return { version, tensorCount, metadata, tensors, complete: false };
    throw err;
  }
  const alignment = metadata.get('general.alignment');
  const align = typeof alignment === 'number' && alignment > 0 ? alignment : GGUF_DEFAULT_ALIGNMENT;
  const dataOffset = Math.ceil(c.pos / align) * align;
  return { version, tensorCount, metadata, tensors, complete: true, dataOffset };
}

/**
 * Reads a complete header from a source of byte ranges (a Blob, a file, an HTTP range), reading a larger prefix
 * while the header is longer than what was read (real vocabularies make headers of several megabytes).
 */
export async function readGgufHeader(
  read: (start: number, end: number) => Promise<Uint8Array>,
  totalBytes: number,
  firstChunk = 1024 * 1024,
): Promise<GgufHeader> {
  for (let size = Math.min(firstChunk, totalBytes); ; size = Math.min(size * 4, totalBytes)) {
    const header = parseGgufHeader(await read(0, size));
    if (header.complete) return header;
    if (size >= totalBytes) {
      throw new GgufFormatError('corrupt', 'The file ends inside its header: it is truncated.');
    }
  }
}

function num(metadata: Map<string, GgufValue>, key: string): number | undefined {
  const v = metadata.get(key);
  return typeof v === 'number' ? v : undefined;
}

function str(metadata: Map<string, GgufValue>, key: string): string | undefined {
  const v = metadata.get(key);
  return typeof v === 'string' ? v : undefined;
}

/** The facts about a model the app shows and checks, from its metadata. */
export interface GgufModelInfo {
  architecture?: string;
  name?: string;
  /** Training context length (`<arch>.context_length`). */
  contextLength?: number;
  blockCount?: number;
  embeddingLength?: number;
  headCount?: number;
  headCountKv?: number;
  /** Per-head key and value sizes (default embedding length / head count). */
  keyLength?: number;
  valueLength?: number;
  vocabSize?: number;
  chatTemplate?: string;
  /** `tokenizer.ggml.model` (`gpt2` for byte-level BPE, `llama` for SentencePiece…). */
  tokenizerModel?: string;
  /** `tokenizer.ggml.pre`, the pre-tokenizer name (`qwen2`, `llama-bpe`…). */
  tokenizerPre?: string;
}

/** The model facts of a header (whatever of them it has). */
export function ggufModelInfo(header: Pick<GgufHeader, 'metadata'>): GgufModelInfo {
  const m = header.metadata;
  const architecture = str(m, 'general.architecture');
  const a = (key: string) => (architecture ? num(m, `${architecture}.${key}`) : undefined);
  const headCount = a('attention.head_count');
  const embeddingLength = a('embedding_length');
  const headSize = headCount && embeddingLength ? embeddingLength / headCount : undefined;
  const tokens = m.get('tokenizer.ggml.tokens');
  return {
    architecture,
    name: str(m, 'general.name'),
    contextLength: a('context_length'),
    blockCount: a('block_count'),
    embeddingLength,
    headCount,
    headCountKv: a('attention.head_count_kv') ?? headCount,
    keyLength: a('attention.key_length') ?? headSize,
    valueLength: a('attention.value_length') ?? headSize,
    vocabSize: a('vocab_size') ?? (Array.isArray(tokens) ? tokens.length : undefined),
    chatTemplate: str(m, 'tokenizer.chat_template'),
    tokenizerModel: str(m, 'tokenizer.ggml.model'),
    tokenizerPre: str(m, 'tokenizer.ggml.pre'),
  };
}
