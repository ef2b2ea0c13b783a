import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isAbortError } from '../core/errors';
import type { ChatDelta, ChatRequest } from '../core/types';
import { sequence } from '../testing/openai-test-server';
import { useTestServer } from '../testing/vitest-fixtures';
import {
  ModelTimeoutError,
  ServerHttpError,
  ServerResponseError,
  ServerUnreachableError,
  ServerUrlError,
  StreamInterruptedError,
} from './http-errors';
import {
  normalizeBaseUrl,
  OpenAICompatibleChatModel,
  type OpenAICompatibleOptions,
} from './openai-compatible';
import { ReplyDeadlineError, ReplyTooLongError } from './reply-limits';

const server = useTestServer();

const hello: ChatRequest = { messages: [{ role: 'user', content: 'Say hello' }] };

function model(opts: Partial<OpenAICompatibleOptions> = {}): OpenAICompatibleChatModel {
  return new OpenAICompatibleChatModel({
    baseUrl: server.baseUrl,
    model: 'test-model',
    retryDelayMs: 1,
    ...opts,
  });
}

async function collect(stream: AsyncIterable<ChatDelta>): Promise<ChatDelta[]> {
  const out: ChatDelta[] = [];
  for await (const d of stream) out.push(d);
  return out;
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('normalizeBaseUrl', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/v1'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/v1'],
    ['http://localhost:11434/v1', 'http://localhost:11434/v1'],
    ['http://localhost:11434/v1/', 'http://localhost:11434/v1'],
    ['  localhost:8000  ', 'http://localhost:8000/v1'],
    ['https://example.org/openai/v1/chat/completions', 'https://example.org/openai/v1'],
    ['http://host:1234/api', 'http://host:1234/api/v1'],
  ])('turns %s into %s', (input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected);
  });

  it.each(['', 'ftp://host/v1', 'http://'])('rejects %j with a ServerUrlError', (input) => {
    expect(() => normalizeBaseUrl(input)).toThrow(ServerUrlError);
  });

  it('uses the normalized URL for requests', async () => {
    const m = model({ baseUrl: server.baseUrl.replace(/\/v1$/, '/') });
    expect(m.baseUrl).toBe(server.baseUrl);
    await m.complete(hello);
    expect(server.requests[0]?.path).toBe('/v1/chat/completions');
  });
});

describe('OpenAICompatibleChatModel.complete', () => {
  it('returns the text, finish reason and usage of a non-streaming reply', async () => {
    server.setHandler(() => ({
      kind: 'text',
      text: 'Hello!',
      usage: { promptTokens: 11, completionTokens: 2 },
    }));
    const result = await model().complete(hello);
    expect(result).toEqual({
      text: 'Hello!',
      finishReason: 'stop',
      usage: { promptTokens: 11, completionTokens: 2 },
    });
  });

  it('maps finish_reason length', async () => {
    server.setHandler(() => ({ kind: 'text', text: 'Hel', finishReason: 'length' }));
    expect((await model().complete(hello)).finishReason).toBe('length');
  });

  it('uses the model name as id and keeps the context window', () => {
    const m = model({ model: 'qwen2.5:3b', contextWindow: 4096 });
    expect(m.id).toBe('qwen2.5:3b');
    expect(m.contextWindow).toBe(4096);
  });

  it('sends the model, sampling settings and a strict json_schema response_format', async () => {
    const schema = { type: 'object', properties: { facts: { type: 'array' } }, required: ['facts'] };
    await model({ apiKey: 'sk-local' }).complete({
      messages: [
        { role: 'system', content: 'Extract facts.' },
        { role: 'user', content: 'Turn: I live in Oslo.' },
      ],
      schema: { name: 'memory_facts', schema },
      maxTokens: 256,
      temperature: 0,
      topP: 0.9,
      seed: 42,
    });
    const recorded = server.requests[0];
    expect(recorded?.headers.authorization).toBe('Bearer sk-local');
    expect(recorded?.body).toEqual({
      model: 'test-model',
      messages: [
        { role: 'system', content: 'Extract facts.' },
        { role: 'user', content: 'Turn: I live in Oslo.' },
      ],
      stream: false,
      max_tokens: 256,
      temperature: 0,
      top_p: 0.9,
      seed: 42,
      response_format: { type: 'json_schema', json_schema: { name: 'memory_facts', schema, strict: true } },
    });
  });

  it('omits settings that were not given and sends no Authorization without a key', async () => {
    await model().complete(hello);
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: false,
    });
  });

  it('gets structured output from the default handler', async () => {
    const result = await model().complete({
      messages: [{ role: 'user', content: 'Speaker: Ana\nTurn: I adopted a cat named Miso.' }],
      schema: { name: 'memory_facts', schema: { type: 'object' } },
    });
    expect(JSON.parse(result.text)).toEqual({ facts: ['Ana: I adopted a cat named Miso.'] });
  });

  it('retries a 503 and returns the next success', async () => {
    server.setHandler(sequence({ kind: 'error', status: 503, message: 'Loading model' }, 'ready now'));
    expect((await model().complete(hello)).text).toBe('ready now');
    expect(server.requests).toHaveLength(2);
  });

  it('retries a 429 and a dropped connection', async () => {
    server.setHandler(sequence({ kind: 'error', status: 429 }, { kind: 'disconnect' }, 'third time'));
    expect((await model().complete(hello)).text).toBe('third time');
    expect(server.requests).toHaveLength(3);
  });

  it('gives up after maxRetries and reports the last server error', async () => {
    server.setHandler(() => ({ kind: 'error', status: 500, message: 'CUDA out of memory' }));
    const err = await model({ maxRetries: 1 })
      .complete(hello)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerHttpError);
    expect(err).toMatchObject({ status: 500, kind: 'server-failed', code: 'server-server-failed' });
    expect((err as Error).message).toContain('CUDA out of memory');
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a 400', async () => {
    server.setHandler(() => ({ kind: 'error', status: 400, message: 'messages must not be empty' }));
    const err = await model()
      .complete(hello)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerHttpError);
    expect(err).toMatchObject({ status: 400, kind: 'rejected' });
    expect(server.requests).toHaveLength(1);
  });

  it('explains a server without structured-output support', async () => {
    server.setHandler(() => ({
      kind: 'error',
      status: 400,
      message: "Unrecognized field 'response_format'",
    }));
    const err = await model()
      .complete({ ...hello, schema: { name: 'memory_facts', schema: {} } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'schema-unsupported', code: 'server-schema-unsupported' });
    expect((err as Error).message).toMatch(/does not support structured output/);
  });

  it('explains a 401 and a missing model', async () => {
    server.setHandler(sequence({ kind: 'error', status: 401, message: 'Invalid API key' }));
    await expect(model().complete(hello)).rejects.toMatchObject({ kind: 'unauthorized' });
    server.setHandler(() => ({
      kind: 'error',
      status: 404,
      message: 'model "llama9" not found, try pulling it first',
    }));
    const err = await model({ model: 'llama9' })
      .complete(hello)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'model-not-found' });
    expect((err as Error).message).toContain('ollama pull llama9');
  });

  it('reports a reply that is not JSON as a ServerResponseError without retrying', async () => {
    server.setHandler(() => ({ kind: 'malformed' }));
    const err = await model()
      .complete(hello)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerResponseError);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects with ServerUnreachableError, after its retries, when nothing listens', async () => {
    const attempts: string[] = [];
    const counting: typeof fetch = (input, init) => {
      attempts.push(String(input));
      return fetch(input, init);
    };
    const port = await closedPort();
    const m = new OpenAICompatibleChatModel({
      baseUrl: `http://127.0.0.1:${port}`,
      model: 'm',
      retryDelayMs: 1,
      fetch: counting,
    });
    const err = await m.complete(hello).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerUnreachableError);
    expect((err as Error).message).toContain(`No server answered at http://127.0.0.1:${port}/v1`);
    expect((err as Error).message).toContain('llama-server -m model.gguf --port 8080');
    expect(attempts).toHaveLength(3);
  });

  it('times out with ModelTimeoutError when the server stays silent, without retrying', async () => {
    server.setHandler(() => ({ kind: 'hang' }));
    // Long enough for the request to reach the server on a loaded machine: one that arrives after the test ends
    // would be counted by the next test.
    const err = await model({ timeoutMs: 1000 })
      .complete(hello)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelTimeoutError);
    expect(err).toMatchObject({ code: 'model-timeout', timeoutMs: 1000 });
    expect(server.requests).toHaveLength(1);
  });

  it('rejects with an AbortError when aborted while waiting, without retrying', async () => {
    server.setHandler(() => ({ kind: 'hang' }));
    const ctl = new AbortController();
    const pending = model().complete(hello, { signal: ctl.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect(isAbortError(err)).toBe(true);
    expect(server.requests).toHaveLength(1);
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('rejects at once when the signal is already aborted', async () => {
    const err = await model()
      .complete(hello, { signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('stops backing off when aborted between retries', async () => {
    server.setHandler(() => ({ kind: 'error', status: 503 }));
    const ctl = new AbortController();
    const pending = model({ retryDelayMs: 60_000 }).complete(hello, { signal: ctl.signal });
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    ctl.abort();
    expect(isAbortError(await pending.catch((e: unknown) => e))).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps the Retry-After of a 429 and retries after it', async () => {
    server.setHandler(() => ({ kind: 'error', status: 429, headers: { 'retry-after': '2' } }));
    await expect(model({ maxRetries: 0 }).complete(hello)).rejects.toMatchObject({
      kind: 'rate-limited',
      retryAfterMs: 2000,
    });
    server.setHandler(
      sequence({ kind: 'error', status: 429, headers: { 'retry-after': '0' } }, 'after wait'),
    );
    expect((await model().complete(hello)).text).toBe('after wait');
  });
});

describe('OpenAICompatibleChatModel.stream', () => {
  it('ends without usage when the server sends none', async () => {
    server.setHandler(() => ({ kind: 'text', text: 'ok', usagePlacement: 'none' }));
    expect((await collect(model().stream(hello))).at(-1)).toEqual({ text: '', finishReason: 'stop' });
  });

  it('yields the text in deltas and ends with finish reason and usage', async () => {
    server.setHandler(() => ({
      kind: 'text',
      text: 'one two three',
      usage: { promptTokens: 5, completionTokens: 3 },
    }));
    const deltas = await collect(model().stream(hello));
    expect(deltas.map((d) => d.text).join('')).toBe('one two three');
    expect(deltas.filter((d) => d.text !== '').length).toBe(3);
    expect(deltas.at(-1)).toEqual({
      text: '',
      finishReason: 'stop',
      usage: { promptTokens: 5, completionTokens: 3 },
    });
    expect(server.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('reads usage from the finish chunk too (llama.cpp style)', async () => {
    server.setHandler(() => ({
      kind: 'text',
      text: 'ok',
      finishReason: 'length',
      usage: { promptTokens: 1, completionTokens: 1 },
      usagePlacement: 'finish-chunk',
    }));
    const deltas = await collect(model().stream(hello));
    expect(deltas.at(-1)).toEqual({
      text: '',
      finishReason: 'length',
      usage: { promptTokens: 1, completionTokens: 1 },
    });
  });

  it('streams the default memory-distillation answer', async () => {
    const question = JSON.stringify({
      memories: [{ id: '0', text: 'Ana has a cat named Miso.' }],
      question: 'cat?',
    });
    const text = (await collect(model().stream({ messages: [{ role: 'user', content: question }] })))
      .map((d) => d.text)
      .join('');
    expect(text).toBe('Memories used:\n- Ana has a cat named Miso.\n**Answer:** Ana has a cat named Miso.');
  });

  it('throws StreamInterruptedError with the partial text when the server dies mid-stream, without retrying', async () => {
    server.setHandler(() => ({ kind: 'disconnect', partialText: 'The answer is' }));
    const seen: string[] = [];
    let caught: unknown;
    try {
      for await (const d of model().stream(hello)) seen.push(d.text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StreamInterruptedError);
    expect((caught as StreamInterruptedError).partialText).toBe('The answer is');
    expect(seen.join('')).toBe('The answer is');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a stream that broke before producing any text', async () => {
    server.setHandler(sequence({ kind: 'disconnect' }, { kind: 'error', status: 502 }, 'recovered'));
    const deltas = await collect(model().stream(hello));
    expect(deltas.map((d) => d.text).join('')).toBe('recovered');
    expect(server.requests).toHaveLength(3);
  });

  it('rejects with an AbortError when aborted mid-stream', async () => {
    server.setHandler(() => ({ kind: 'hang', partialText: 'thinking about it' }));
    const ctl = new AbortController();
    const seen: string[] = [];
    let caught: unknown;
    try {
      for await (const d of model().stream(hello, { signal: ctl.signal })) {
        seen.push(d.text);
        ctl.abort();
      }
    } catch (err) {
      caught = err;
    }
    expect(isAbortError(caught)).toBe(true);
    expect(seen).toEqual(['thinking ']);
    expect(server.requests).toHaveLength(1);
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('times out when a stream stalls', async () => {
    server.setHandler(() => ({ kind: 'hang', partialText: 'almost' }));
    const seen: string[] = [];
    const err = await (async () => {
      for await (const d of model({ timeoutMs: 300 }).stream(hello)) seen.push(d.text);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelTimeoutError);
    expect(seen).toEqual(['almost']);
  });

  it('does not time out while the consumer is slow between deltas', async () => {
    server.setHandler(() => 'a b c');
    const seen: string[] = [];
    // The whole reply is already buffered, so only the consumer's pause could exceed the timeout.
    for await (const d of model({ timeoutMs: 300 }).stream(hello)) {
      if (seen.length === 0) await new Promise((r) => setTimeout(r, 600));
      seen.push(d.text);
    }
    expect(seen.join('')).toBe('a b c');
  });

  it('releases the connection when the consumer stops early', async () => {
    server.setHandler(() => ({ kind: 'hang', partialText: 'first second' }));
    for await (const d of model().stream(hello)) {
      expect(d.text).toBe('first ');
      break;
    }
    expect(server.requests).toHaveLength(1);
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('accepts a whole JSON reply from a server that ignores stream: true', async () => {
    const fakeServer: typeof fetch = () =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            choices: [{ message: { role: 'assistant', content: 'all at once' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 3, completion_tokens: 3 },
          }),
          { headers: { 'content-type': 'application/json' } },
        ),
      );
    const deltas = await collect(model({ fetch: fakeServer }).stream(hello));
    expect(deltas).toEqual([
      { text: 'all at once' },
      { text: '', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 3 } },
    ]);
  });

  it('reports an HTML page instead of an event stream as ServerResponseError', async () => {
    const webUi: typeof fetch = () =>
      Promise.resolve(
        new Response('<html>llama.cpp web UI</html>', { headers: { 'content-type': 'text/html' } }),
      );
    const err = await collect(model({ fetch: webUi }).stream(hello)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerResponseError);
    expect((err as Error).message).toContain('expected an event stream, got text/html');
  });

  it('reports a malformed chunk as ServerResponseError', async () => {
    server.setHandler(() => ({ kind: 'malformed', raw: '{"choices": [{"delta": ' }));
    await expect(collect(model().stream(hello))).rejects.toBeInstanceOf(ServerResponseError);
    expect(server.requests).toHaveLength(1);
  });

  it('turns an error event inside the stream into a ServerHttpError', async () => {
    server.setHandler(() => ({
      kind: 'malformed',
      raw: '{"error": {"code": 400, "message": "the request exceeds the available context size"}}',
    }));
    const err = await collect(model().stream(hello)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerHttpError);
    expect((err as Error).message).toContain('exceeds the available context size');
  });

  it('throws ServerUnreachableError when nothing listens', async () => {
    const m = new OpenAICompatibleChatModel({
      baseUrl: `127.0.0.1:${await closedPort()}`,
      model: 'm',
      maxRetries: 0,
    });
    await expect(collect(m.stream(hello))).rejects.toBeInstanceOf(ServerUnreachableError);
  });
});

/** Streams `stream` to its end; returns the texts seen and what it threw. */
async function drain(stream: AsyncIterable<ChatDelta>): Promise<{ seen: string[]; error: unknown }> {
  const seen: string[] = [];
  try {
    for await (const d of stream) if (d.text) seen.push(d.text);
  } catch (error) {
    return { seen, error };
  }
  return { seen, error: undefined };
}

describe('OpenAICompatibleChatModel reply deadline', () => {
  it('ends a stream that keep-alive comments hold open, with ReplyDeadlineError keeping the partial text', async () => {
    server.setHandler(() => ({ kind: 'keep-alive', partialText: 'The answer is', intervalMs: 20 }));
    // The keep-alives come well within timeoutMs, so only the overall deadline can end the reply.
    const { seen, error } = await drain(model({ timeoutMs: 200, replyDeadlineMs: 800 }).stream(hello));
    expect(error).toBeInstanceOf(ReplyDeadlineError);
    expect(error).toMatchObject({ code: 'reply-deadline', deadlineMs: 800, partialText: 'The answer is' });
    expect((error as Error).message).toMatch(
      /did not finish within 0\.8 s, so it was stopped \(what had arrived is kept\)/,
    );
    expect(seen.join('')).toBe('The answer is');
    expect(server.requests).toHaveLength(1);
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('ends a non-streaming reply whose body trickles forever', async () => {
    server.setHandler(() => ({ kind: 'keep-alive', intervalMs: 20 }));
    const error = await model({ timeoutMs: 10_000, replyDeadlineMs: 400 })
      .complete(hello)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplyDeadlineError);
    expect(error).toMatchObject({ code: 'reply-deadline', partialText: '' });
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('counts retries and their backoff against the same deadline', async () => {
    server.setHandler(() => ({ kind: 'error', status: 503, headers: { 'retry-after': '30' } }));
    const error = await model({ maxRetries: 5, replyDeadlineMs: 400 })
      .complete(hello)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplyDeadlineError);
    expect(server.requests).toHaveLength(1);
  });

  it('still reports a stop by the caller as an abort, not as the deadline', async () => {
    server.setHandler(() => ({ kind: 'keep-alive', partialText: 'thinking', intervalMs: 20 }));
    const ctl = new AbortController();
    const stream = model({ replyDeadlineMs: 60_000 }).stream(hello, { signal: ctl.signal });
    const { error } = await drain(
      (async function* () {
        for await (const d of stream) {
          ctl.abort();
          yield d;
        }
      })(),
    );
    expect(isAbortError(error)).toBe(true);
  });
});

describe('OpenAICompatibleChatModel reply length cap', () => {
  it('cuts a stream that ignores max_tokens at 8 characters per requested token, keeping the text up to there', async () => {
    server.setHandler(() => ({
      kind: 'ignore-max-tokens',
      text: 'Memories used:\n**Answer:** ',
      filler: 'on and ',
    }));
    const { seen, error } = await drain(model().stream({ ...hello, maxTokens: 50 }));
    expect(error).toBeInstanceOf(ReplyTooLongError);
    expect(error).toMatchObject({ code: 'reply-too-long', limit: 400 });
    expect((error as ReplyTooLongError).partialText).toBe(seen.join(''));
    expect(seen.join('')).toHaveLength(400);
    expect(seen.join('')).toMatch(/^Memories used:\n\*\*Answer:\*\* on and on/);
    expect((error as Error).message).toMatch(
      /ran past 400 characters.*ignore the reply length limit \(max_tokens\)/,
    );
    expect(server.requests).toHaveLength(1);
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('takes maxReplyChars when given, and the context window when the request sets no max_tokens', async () => {
    server.setHandler(() => ({ kind: 'ignore-max-tokens', filler: 'x ' }));
    const fixed = await drain(model({ maxReplyChars: 100 }).stream({ ...hello, maxTokens: 50 }));
    expect(fixed.error).toMatchObject({ limit: 100 });
    expect(fixed.seen.join('')).toHaveLength(100);
    const byWindow = await drain(model({ contextWindow: 30 }).stream(hello));
    expect(byWindow.error).toMatchObject({ limit: 240 });
  });

  it('refuses a non-streaming reply past the cap, and one sent as JSON to a stream request', async () => {
    server.setHandler(() => ({ kind: 'ignore-max-tokens', text: 'Start: ', filler: 'and on ' }));
    const error = await model()
      .complete({ ...hello, maxTokens: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplyTooLongError);
    expect((error as ReplyTooLongError).partialText).toBe(`Start: ${'and on '.repeat(20)}`.slice(0, 80));

    const json = 'x'.repeat(100);
    const fetchJson: typeof fetch = async () =>
      new Response(JSON.stringify({ choices: [{ message: { content: json }, finish_reason: 'stop' }] }), {
        headers: { 'content-type': 'application/json' },
      });
    const streamed = await drain(model({ fetch: fetchJson }).stream({ ...hello, maxTokens: 5 }));
    expect(streamed.error).toMatchObject({ code: 'reply-too-long', partialText: 'x'.repeat(40) });
    expect(streamed.seen.join('')).toBe('x'.repeat(40));
  });

  it('lets a reply of exactly the cap through', async () => {
    server.setHandler(() => ({
      kind: 'text',
      text: 'y'.repeat(40),
      chunks: ['y'.repeat(15), 'y'.repeat(25)],
    }));
    const deltas = await collect(model().stream({ ...hello, maxTokens: 5 }));
    expect(deltas.map((d) => d.text).join('')).toBe('y'.repeat(40));
    expect(deltas.at(-1)?.finishReason).toBe('stop');
  });
});

describe('OpenAICompatibleChatModel.listModels', () => {
  it('lists the models the server offers', async () => {
    expect(await model().listModels()).toEqual(['test-model']);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
  });
});
