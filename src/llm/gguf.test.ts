import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TINY_FIXTURE_PATH } from '../../scripts/make-gguf';
import { describeNonGguf, GgufFormatError, ggufModelInfo, parseGgufHeader, readGgufHeader } from './gguf';

const fixture = new Uint8Array(readFileSync(TINY_FIXTURE_PATH));

describe('parseGgufHeader', () => {
  it('reads metadata in file order, the tensor table and where the data starts', () => {
    const header = parseGgufHeader(fixture);
    expect(header).toMatchObject({ version: 3, complete: true });
    expect([...header.metadata.keys()].slice(0, 2)).toEqual(['general.architecture', 'general.name']);
    expect(header.tensors).toHaveLength(header.tensorCount);
    expect(header.tensors[0]).toEqual({ name: 'token_embd.weight', dims: [64, 441], type: 8, offset: 0 });
    expect((header.dataOffset ?? 0) % 32).toBe(0);
    const last = header.tensors.at(-1)!;
    expect((header.dataOffset ?? 0) + last.offset).toBeLessThan(fixture.byteLength);
  });

  it('returns what it read when the bytes end inside the header', () => {
    const header = parseGgufHeader(fixture.subarray(0, 300));
    expect(header.complete).toBe(false);
    expect(header.metadata.get('general.architecture')).toBe('qwen2');
    expect(header.tensors).toEqual([]);
  });

  it('says what a file is when it is not a GGUF', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(() => parseGgufHeader(text('<!doctype html><p>'))).toThrow(/web page \(HTML\)/);
    expect(describeNonGguf(text('{"error": "not found"}'))).toBe('a JSON document, not a model file');
    expect(describeNonGguf(text('ggjt....'))).toMatch(/old GGML file/);
    expect(describeNonGguf(new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22]))).toBe('a safetensors file');
    const old = fixture.slice(0, 64);
    new DataView(old.buffer).setUint32(4, 1, true);
    const err = (() => {
      try {
        return parseGgufHeader(old);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(GgufFormatError);
    expect((err as GgufFormatError).kind).toBe('version');
  });
});

describe('readGgufHeader', () => {
  it('reads larger prefixes until the header is complete', async () => {
    const reads: number[] = [];
    const header = await readGgufHeader(
      async (start, end) => {
        reads.push(end);
        return fixture.slice(start, end);
      },
      fixture.byteLength,
      1024,
    );
    expect(header.complete).toBe(true);
    expect(reads[0]).toBe(1024);
    expect(reads.length).toBeGreaterThan(1);
  });

  it('reports a file truncated inside its header', async () => {
    const cut = fixture.slice(0, 2000);
    await expect(readGgufHeader(async (s, e) => cut.slice(s, e), cut.byteLength)).rejects.toThrow(
      /truncated/,
    );
  });
});

describe('ggufModelInfo', () => {
  it('gives the facts the app shows and the memory estimate needs', () => {
    expect(ggufModelInfo(parseGgufHeader(fixture))).toMatchObject({
      architecture: 'qwen2',
      name: 'Tiny Random Qwen2 (test fixture)',
      contextLength: 4096,
      blockCount: 2,
      embeddingLength: 64,
      headCount: 4,
      headCountKv: 2,
      keyLength: 16,
      valueLength: 16,
      vocabSize: 441,
      tokenizerModel: 'gpt2',
      tokenizerPre: 'qwen2',
    });
  });
});
