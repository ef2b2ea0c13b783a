import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, type LlamaModel } from 'node-llama-cpp';
import { TINY_FIXTURE_PATH } from '../../scripts/make-gguf';
import { parseGgufHeader } from './gguf';
import { BYTE_CHARS, createGgufTokenizer, toByteLevel } from './gguf-tokenizer';

const header = parseGgufHeader(new Uint8Array(readFileSync(TINY_FIXTURE_PATH)));

const TEXTS = [
  'I moved to Lisbon last week and my sister Ana visits me in June.',
  "  several   spaces\n\n\tand tabs, it's 12345 ünïcödé 日本語 🎉 ",
  '<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n',
  '{"operations": [{"op": "ADD", "id": null, "text": "The user\'s dog is named Max."}]}',
  "CAPITALS SHOULDN'T BREAK; we've got 'quotes' and — dashes – and\r\nWindows lines.",
  '',
];

describe('GGUF byte-level BPE tokenizer', () => {
  let model: LlamaModel;
  beforeAll(async () => {
    const llama = await getLlama({ gpu: false, build: 'never' });
    model = await llama.loadModel({ modelPath: TINY_FIXTURE_PATH });
  }, 60_000);
  afterAll(() => model?.dispose());

  it('splits text into exactly the tokens native llama.cpp produces', () => {
    const tokenizer = createGgufTokenizer(header)!;
    for (const text of TEXTS)
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual([...model.tokenize(text, true)]);
  });

  it('maps every byte to one printable character, as GPT-2 does', () => {
    expect(new Set(BYTE_CHARS).size).toBe(256);
    expect(toByteLevel(' a\n')).toBe('Ġaĉ'.replace('ĉ', 'Ċ'));
  });

  it('is not offered for vocabularies it does not reproduce', () => {
    const metadata = new Map(header.metadata);
    metadata.set('tokenizer.ggml.model', 'llama');
    expect(createGgufTokenizer({ metadata })).toBeUndefined();
    metadata.set('tokenizer.ggml.model', 'gpt2');
    metadata.set('tokenizer.ggml.pre', 'deepseek-coder');
    expect(createGgufTokenizer({ metadata })).toBeUndefined();
  });
});
