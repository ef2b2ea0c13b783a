import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TINY_FIXTURE_PATH } from '../../scripts/make-gguf';
import type { ChatRequest } from '../core/types';
import type { CpuChatEngine } from './cpu-engine-client';
import type { TokenizerMetadata } from '../core/cpu-engine-protocol';
import { parseGgufHeader } from './gguf';
import { WllamaChatModel } from './wllama-chat-model';
import type { CompletionEnd } from '../core/cpu-engine-protocol';
import { toWllamaRequest } from './wllama-engine';

const tokenizer: TokenizerMetadata = Object.fromEntries(
  [...parseGgufHeader(new Uint8Array(readFileSync(TINY_FIXTURE_PATH))).metadata].filter(([k]) =>
    k.startsWith('tokenizer.ggml.'),
  ),
) as TokenizerMetadata;
const MODEL = { url: 'https://models.test/tiny.gguf', id: 'tiny', contextWindow: 2048, tokenizer };

/** An engine that sends `pieces` one per macrotask, then ends as told; records what it was asked. */
class FakeEngine implements CpuChatEngine {
  calls: { url: string; request: ChatRequest; signal?: AbortSignal }[] = [];
  constructor(
    private readonly pieces: string[],
    private readonly end: CompletionEnd | Error = {
      finishReason: 'stop',
      usage: { promptTokens: 9, completionTokens: 3 },
    },
  ) {}
  async chat(url: string, request: ChatRequest, opts: { signal?: AbortSignal; onText: (t: string) => void }) {
    this.calls.push({ url, request, ...(opts.signal && { signal: opts.signal }) });
    for (const piece of this.pieces) {
      await new Promise((r) => setTimeout(r, 1));
      if (opts.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
      opts.onText(piece);
    }
    if (this.end instanceof Error) throw this.end;
    return this.end;
  }
}

describe('WllamaChatModel', () => {
  it("streams the engine's pieces, then how the completion ended", async () => {
    const engine = new FakeEngine(['{"fa', 'cts": ', '[]}']);
    const model = new WllamaChatModel({ engine, model: MODEL });
    const deltas = [];
    for await (const d of model.stream({ messages: [{ role: 'user', content: 'hi' }] })) deltas.push(d);
    expect(deltas).toEqual([
      { text: '{"fa' },
      { text: 'cts": ' },
      { text: '[]}' },
      { text: '', finishReason: 'stop', usage: { promptTokens: 9, completionTokens: 3 } },
    ]);
    expect(engine.calls[0]?.url).toBe(MODEL.url);
    expect(await model.complete({ messages: [] })).toEqual({
      text: '{"facts": []}',
      finishReason: 'stop',
      usage: { promptTokens: 9, completionTokens: 3 },
    });
    expect([model.id, model.contextWindow]).toEqual(['tiny', 2048]);
  });

  it("aborts the engine's request when the caller aborts, rejecting with AbortError", async () => {
    const engine = new FakeEngine(['a', 'b', 'c', 'd', 'e']);
    const model = new WllamaChatModel({ engine, model: MODEL });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const d of model.stream({ messages: [] }, { signal: controller.signal })) {
        seen.push(d.text);
        if (seen.length === 2) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(engine.calls[0]?.signal?.aborted).toBe(true);
    expect(seen).toEqual(['a', 'b']);
  });

  it("cancels the engine's request when the reader stops early", async () => {
    const engine = new FakeEngine(['a', 'b', 'c', 'd']);
    const model = new WllamaChatModel({ engine, model: MODEL });
    for await (const d of model.stream({ messages: [] })) if (d.text === 'b') break;
    expect(engine.calls[0]?.signal?.aborted).toBe(true);
  });

  it('passes engine errors through', async () => {
    const model = new WllamaChatModel({
      engine: new FakeEngine(['x'], new Error('engine down')),
      model: MODEL,
    });
    await expect(model.complete({ messages: [] })).rejects.toThrow('engine down');
  });

  it("counts tokens with the model's vocabulary, and offers no count for one it cannot reproduce", () => {
    const model = new WllamaChatModel({ engine: new FakeEngine([]), model: MODEL });
    const count = (text: string) => model.countTokens?.(text) ?? NaN;
    expect(count('<|im_start|><|im_end|>')).toBe(2);
    expect(count('<|im_start|>I like green tea.<|im_end|>')).toBe(count('I like green tea.') + 2);
    const spm = new WllamaChatModel({
      engine: new FakeEngine([]),
      model: { ...MODEL, tokenizer: { ...tokenizer, 'tokenizer.ggml.model': 'llama' } },
    });
    expect(spm.countTokens).toBeUndefined();
  });
});

describe('toWllamaRequest', () => {
  it('streams with usage and turns a schema into a llama.cpp grammar', () => {
    const request = toWllamaRequest({
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0,
      maxTokens: 64,
      seed: 7,
      schema: {
        name: 'x',
        schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
      },
    });
    expect(request).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
      max_tokens: 64,
      seed: 7,
    });
    expect(request.grammar).toMatch(/^root ::= /);
    expect(request).not.toHaveProperty('response_format');
  });
});
