import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGgufHeader } from '../src/llm/gguf';
import { GGML } from './gguf-writer';
import {
  buildModel,
  CHATML_TEMPLATE,
  PRESETS,
  TINY_FIXTURE_PATH,
  tinyFixtureBytes,
  toHalf,
  trainVocabulary,
} from './make-gguf';

describe('make-gguf', () => {
  it('reproduces the committed fixture byte for byte', () => {
    const committed = readFileSync(TINY_FIXTURE_PATH);
    expect(Buffer.from(tinyFixtureBytes()).equals(committed)).toBe(true);
  });

  it("writes a qwen2 model with a ChatML template and a byte-level BPE vocabulary ending in Qwen's special tokens", () => {
    const header = parseGgufHeader(tinyFixtureBytes());
    const m = header.metadata;
    expect(header.complete).toBe(true);
    expect(m.get('general.architecture')).toBe('qwen2');
    expect(m.get('tokenizer.chat_template')).toBe(CHATML_TEMPLATE);
    expect(m.get('tokenizer.ggml.model')).toBe('gpt2');
    expect(m.get('tokenizer.ggml.pre')).toBe('qwen2');
    const tokens = m.get('tokenizer.ggml.tokens') as string[];
    expect(tokens.slice(-3)).toEqual(['<|endoftext|>', '<|im_start|>', '<|im_end|>']);
    expect(m.get('tokenizer.ggml.eos_token_id')).toBe(tokens.length - 1);
    expect(m.get('tokenizer.ggml.bos_token_id')).toBe(tokens.length - 3);
    expect((m.get('tokenizer.ggml.merges') as string[]).length).toBeGreaterThan(100);
    expect(header.tensors.map((t) => t.name)).toContain('blk.1.ffn_down.weight');
  });

  it("gives the benchmark preset Qwen2.5-0.5B's shapes and vocabulary size", () => {
    const header = parseGgufHeader(buildModel(PRESETS['qwen2.5-0.5b']!, 1).headerBytes());
    const m = header.metadata;
    expect([
      m.get('qwen2.embedding_length'),
      m.get('qwen2.block_count'),
      m.get('qwen2.feed_forward_length'),
    ]).toEqual([896, 24, 4864]);
    expect([m.get('qwen2.attention.head_count'), m.get('qwen2.attention.head_count_kv')]).toEqual([14, 2]);
    expect((m.get('tokenizer.ggml.tokens') as string[]).length).toBe(151936);
    const embd = header.tensors.find((t) => t.name === 'token_embd.weight');
    expect(embd).toMatchObject({ dims: [896, 151936], type: GGML.Q4_0.id });
    expect(header.tensors.find((t) => t.name === 'blk.23.attn_k.weight')?.dims).toEqual([896, 128]);
  });

  it('trains merges deterministically: most frequent pair first, ties alphabetically', () => {
    // "aaab" three times: "a a" (6 times) first; then "aa a" and "a b" tie at 3 and "a b" sorts first.
    const vocab = trainVocabulary('aaab aaab aaab', 2);
    expect(vocab.merges).toEqual(['a a', 'a b']);
    expect(vocab.tokens.slice(256)).toEqual(['aa', 'ab']);
    expect(trainVocabulary('aaab aaab aaab', 2)).toEqual(vocab);
  });

  it('converts floats to IEEE half precision', () => {
    expect([toHalf(1), toHalf(-2), toHalf(0.5), toHalf(0), toHalf(65504)]).toEqual([
      0x3c00, 0xc000, 0x3800, 0, 0x7bff,
    ]);
    expect(toHalf(2 ** -20)).toBe(0x0010);
  });
});
