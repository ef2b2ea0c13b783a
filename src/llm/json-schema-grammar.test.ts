import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, LlamaCompletion, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { TINY_FIXTURE_PATH } from '../../scripts/make-gguf';
import { MEMORY_FACTS, MEMORY_OPERATIONS } from '../core/schemas';
import { jsonSchemaToGbnf, UnsupportedSchemaError } from './json-schema-grammar';

describe('jsonSchemaToGbnf', () => {
  it('writes the memory_facts grammar: bounded list of bounded strings, one optional space between tokens', () => {
    expect(jsonSchemaToGbnf(MEMORY_FACTS.jsonSchema)).toBe(
      [
        'root ::= object-3',
        'ws ::= " "?',
        'char ::= [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" ([0-9a-cA-Ce-fE-F] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))',
        'item-string-0 ::= "\\"" char{0,300} "\\""',
        'facts-item-1 ::= item-string-0',
        'facts-2 ::= "[" ws (facts-item-1 (ws "," ws facts-item-1){0,11})? ws "]"',
        'object-3 ::= "{" ws "\\"facts\\"" ws ":" ws facts-2 ws "}"',
        '',
      ].join('\n'),
    );
  });

  it('writes enums, nullable strings and nested objects of memory_operations', () => {
    const grammar = jsonSchemaToGbnf(MEMORY_OPERATIONS.jsonSchema);
    expect(grammar).toContain('("\\"ADD\\"" | "\\"UPDATE\\"" | "\\"DELETE\\"" | "\\"NOOP\\"")');
    expect(grammar).toContain('(id-string-0 | null)');
    expect(grammar).toContain('text-string-1 ::= "\\"" char{0,1000} "\\""');
    expect(grammar).toContain('(ws "," ws operations-item-3){0,63}');
  });

  it('refuses schema features it does not handle, saying which', () => {
    const optional = { type: 'object', properties: { a: { type: 'string' } }, required: [] };
    expect(() => jsonSchemaToGbnf(optional)).toThrow(/optional properties/);
    expect(() => jsonSchemaToGbnf({ type: 'string', pattern: '^a' })).toThrow(UnsupportedSchemaError);
    expect(() => jsonSchemaToGbnf({ $ref: '#/defs/x' })).toThrow(/"\$ref"/);
  });
});

describe('the grammars in native llama.cpp on the random-weight fixture', () => {
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;
  beforeAll(async () => {
    llama = await getLlama({ gpu: false, build: 'never' });
    model = await llama.loadModel({ modelPath: TINY_FIXTURE_PATH });
    // One thread: llama.cpp's spinning worker threads crawl on a machine shared with other test runs.
    context = await model.createContext({ contextSize: 2048, threads: 1 });
  }, 60_000);
  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
  });

  it('only let through JSON that the schemas validate, ending when the JSON closes', async () => {
    const sequence = context.getSequence();
    const completion = new LlamaCompletion({ contextSequence: sequence });
    for (const spec of [MEMORY_FACTS, MEMORY_OPERATIONS]) {
      const grammar = await llama.createGrammar({ grammar: jsonSchemaToGbnf(spec.jsonSchema) });
      for (const seed of [1, 2, 3, 4]) {
        const prompt = `<|im_start|>user\nReply with ${spec.name} JSON (${seed}).<|im_end|>\n<|im_start|>assistant\n`;
        const { response, metadata } = await completion.generateCompletionWithMeta(prompt, {
          grammar,
          maxTokens: 1500,
          temperature: 1,
          seed,
        });
        expect(metadata.stopReason, response).toBe('eogToken');
        expect(spec.validator.safeParse(JSON.parse(response)).success, response).toBe(true);
        await sequence.clearHistory();
      }
    }
  }, 120_000);
});
