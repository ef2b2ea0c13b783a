import { describe, expect, it } from 'vitest';
import type {
  ChatCompletionChunk,
  ChatCompletionRequestStreaming,
  MLCEngineInterface,
} from '@mlc-ai/web-llm';
import { isAbortError } from '../core/errors';
import type { ChatDelta } from '../core/types';
import { WebLlmChatModel, type ChatEngine } from './webllm-chat-model';
import { ModelNotLoadedError } from './errors';
import { ReplyTooLongError } from './reply-limits';

// Compile-time guarantee that the real engine (and the worker client) fit the narrow interface.
const _engineFits = (e: MLCEngineInterface): ChatEngine => e;

function chunk(
  content: string | null,
  finish: ChatCompletionChunk.Choice['finish_reason'] = null,
): ChatCompletionChunk {
  return {
    id: 'c',
    created: 0,
    model: 'm',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content }, finish_reason: finish }],
  };
}

/** A scripted engine: yields `pieces`, stops early when interrupted (as WebLLM does), records requests. */
class FakeEngine implements ChatEngine {
  requests: ChatCompletionRequestStreaming[] = [];
  interrupts = 0;
  private interrupted = false;
  constructor(
    private readonly pieces: string[],
    private readonly onPiece?: (i: number) => void,
    private readonly failWith?: unknown,
  ) {}
  chat = {
    completions: {
      create: async (
        request: ChatCompletionRequestStreaming,
      ): Promise<AsyncIterable<ChatCompletionChunk>> => {
        this.requests.push(request);
        if (this.failWith !== undefined) throw this.failWith;
        this.interrupted = false;
        return this.generate();
      },
    },
  };
  private async *generate(): AsyncIterable<ChatCompletionChunk> {
    for (const [i, p] of this.pieces.entries()) {
      if (this.interrupted) {
        yield chunk('', 'abort');
        return;
      }
      yield chunk(p);
      this.onPiece?.(i);
    }
    yield chunk('', 'stop');
    yield {
      ...chunk(null),
      choices: [],
      usage: {
        prompt_tokens: 12,
        completion_tokens: this.pieces.length,
        total_tokens: 12 + this.pieces.length,
        extra: {
          e2e_latency_s: 0,
          prefill_tokens_per_s: 0,
          decode_tokens_per_s: 0,
          time_to_first_token_s: 0,
          time_per_output_token_s: 0,
        },
      },
    };
  }
  interruptGenerate(): void {
    this.interrupts++;
    this.interrupted = true;
  }
}

async function collect(it: AsyncIterable<ChatDelta>): Promise<ChatDelta[]> {
  const out: ChatDelta[] = [];
  for await (const d of it) out.push(d);
  return out;
}

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('WebLlmChatModel', () => {
  it('streams deltas and ends with the finish reason and usage', async () => {
    const model = new WebLlmChatModel({
      engine: new FakeEngine(['Hel', 'lo']),
      modelId: 'm',
      contextWindow: 4096,
    });
    const deltas = await collect(model.stream({ messages }));
    expect(deltas.map((d) => d.text).join('')).toBe('Hello');
    expect(deltas.at(-1)).toEqual({
      text: '',
      finishReason: 'stop',
      usage: { promptTokens: 12, completionTokens: 2 },
    });
    expect(model.contextWindow).toBe(4096);
  });

  it('asks WebLLM for streaming with usage, sampling options and the model id', async () => {
    const engine = new FakeEngine(['x']);
    await new WebLlmChatModel({ engine, modelId: 'Qwen' }).complete({
      messages,
      temperature: 0,
      maxTokens: 50,
      topP: 0.5,
      seed: 7,
    });
    expect(engine.requests[0]).toMatchObject({
      model: 'Qwen',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0,
      max_tokens: 50,
      top_p: 0.5,
      seed: 7,
    });
    expect(engine.requests[0]?.response_format).toBeUndefined();
  });

  it('passes the JSON schema as a json_object response format for constrained decoding', async () => {
    const engine = new FakeEngine(['{"facts":[]}']);
    const schema = {
      type: 'object',
      properties: { facts: { type: 'array', items: { type: 'string' } } },
      required: ['facts'],
    };
    const result = await new WebLlmChatModel({ engine, modelId: 'm' }).complete({
      messages,
      schema: { name: 'memory_facts', schema },
    });
    expect(engine.requests[0]?.response_format).toEqual({
      type: 'json_object',
      schema: JSON.stringify(schema),
    });
    expect(result).toEqual({
      text: '{"facts":[]}',
      finishReason: 'stop',
      usage: { promptTokens: 12, completionTokens: 1 },
    });
  });

  it('interrupts generation when the signal aborts and rejects with an AbortError', async () => {
    const controller = new AbortController();
    const engine = new FakeEngine(['a', 'b', 'c', 'd'], (i) => i === 1 && controller.abort());
    const model = new WebLlmChatModel({ engine, modelId: 'm' });
    const seen: string[] = [];
    const run = (async () => {
      for await (const d of model.stream({ messages }, { signal: controller.signal })) seen.push(d.text);
    })();
    await expect(run).rejects.toSatisfy(isAbortError);
    expect(engine.interrupts).toBe(1);
    expect(seen).toEqual(['a', 'b']);
  });

  it('rejects at once without calling the engine when already aborted', async () => {
    const engine = new FakeEngine(['a']);
    const controller = new AbortController();
    controller.abort();
    await expect(
      new WebLlmChatModel({ engine, modelId: 'm' }).complete({ messages }, { signal: controller.signal }),
    ).rejects.toSatisfy(isAbortError);
    expect(engine.requests).toHaveLength(0);
  });

  it('stops a reply that runs past 8 characters per requested token, keeping the text up to there', async () => {
    const engine = new FakeEngine(Array.from({ length: 50 }, () => 'word '));
    const seen: string[] = [];
    let caught: unknown;
    try {
      for await (const d of new WebLlmChatModel({ engine, modelId: 'm' }).stream({
        messages,
        maxTokens: 4,
      })) {
        seen.push(d.text);
      }
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ReplyTooLongError);
    expect(caught).toMatchObject({ limit: 32, partialText: 'word '.repeat(7).slice(0, 32) });
    expect((caught as Error).message).toMatch(/^The reply from the on-device model ran past 32 characters/);
    expect(seen.join('')).toBe('word '.repeat(7).slice(0, 32));
    expect(engine.interrupts).toBe(1);
  });

  it('turns a plain-string rejection from the worker client into a typed error', async () => {
    const engine = new FakeEngine([], undefined, 'WorkerEngineModelNotLoadedError: Engine is not loaded.');
    await expect(new WebLlmChatModel({ engine, modelId: 'm' }).complete({ messages })).rejects.toBeInstanceOf(
      ModelNotLoadedError,
    );
  });
});
