import { describe, expect, it } from 'vitest';
import { chatPoster, contentOf } from './chat-requests';
import { sequence, startTestServer } from './openai-test-server';
import { useTestServer } from './vitest-fixtures';

const server = useTestServer();
const post = chatPoster(server);

/** The `data:` payloads of an SSE body, in order. */
function dataLines(body: string): string[] {
  return body
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
}

describe('startTestServer', () => {
  it('binds 127.0.0.1 on a random port and reports a /v1 base URL', () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('lists its model at GET /v1/models', async () => {
    const res = await fetch(`${server.baseUrl}/models`);
    expect(await res.json()).toEqual({
      object: 'list',
      data: [{ id: 'test-model', object: 'model', created: 0, owned_by: 'test-server' }],
    });
  });

  it('records each request with its parsed body', async () => {
    await post({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2 },
    });
    expect(await server.requests[0]?.ended).toBe('sent');
  });

  it('answers a non-streaming request in OpenAI format with word-count usage', async () => {
    server.setHandler(() => 'Hello there friend');
    const res = await post({ model: 'm', messages: [{ role: 'user', content: 'say hello' }] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      object: 'chat.completion',
      model: 'm',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello there friend' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
  });

  it('streams chunks ending with [DONE] and a usage chunk when include_usage is set', async () => {
    server.setHandler(() => 'one two three');
    const res = await post({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count' }],
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const data = dataLines(await res.text());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Record<string, unknown>);
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [{ delta: { role: 'assistant', content: '' } }],
    });
    const text = chunks
      .map((c) => (c.choices as { delta: { content?: string } }[])[0]?.delta.content ?? '')
      .join('');
    expect(text).toBe('one two three');
    expect(chunks.at(-2)).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 3 } });
  });

  it('puts usage in the finish chunk when include_usage is not set', async () => {
    server.setHandler(() => ({ kind: 'text', text: 'ab', chunks: ['a', 'b'], finishReason: 'length' }));
    const res = await post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const data = dataLines(await res.text());
    expect(data).toHaveLength(5);
    expect(JSON.parse(data[3] ?? '')).toMatchObject({
      choices: [{ finish_reason: 'length' }],
      usage: { completion_tokens: 1 },
    });
  });

  it('returns a scripted error status with an OpenAI error body', async () => {
    server.setHandler(() => ({ kind: 'error', status: 503, message: 'loading model' }));
    const res = await post({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { message: 'loading model' } });
  });

  it('plays a sequence of results, then falls back to the default handler', async () => {
    server.setHandler(sequence({ kind: 'error', status: 429 }, 'second'));
    const statuses: number[] = [];
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post({ model: 'm', messages: [{ role: 'user', content: 'plain' }] });
      statuses.push(res.status);
      if (res.ok) texts.push(await contentOf(res));
    }
    expect(statuses).toEqual([429, 200, 200]);
    expect(texts).toEqual(['second', "Memories used:\n**Answer:** I don't know."]);
  });

  it('cuts the connection after streaming the partial text when told to disconnect', async () => {
    server.setHandler(() => ({ kind: 'disconnect', partialText: 'half an' }));
    const res = await post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readAll = async (): Promise<void> => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received += decoder.decode(value, { stream: true });
      }
    };
    await expect(readAll()).rejects.toThrow();
    expect(received).toContain('"content":"half "');
    expect(received).not.toContain('[DONE]');
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('keeps a stream open with keep-alive comments after the partial text, until the client leaves', async () => {
    server.setHandler(() => ({ kind: 'keep-alive', partialText: 'still here', intervalMs: 20 }));
    const res = await post({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    while ((received.match(/: keep-alive\n\n/g) ?? []).length < 3) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended: ${received}`);
      received += decoder.decode(value, { stream: true });
    }
    expect(received).toContain('"content":"still "');
    expect(received).not.toContain('finish_reason":"stop"');
    expect(received).not.toContain('[DONE]');
    await reader.cancel();
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('trickles a non-streaming reply that never completes when kept alive', async () => {
    server.setHandler(() => ({ kind: 'keep-alive', intervalMs: 20 }));
    const res = await post({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let bytes = 0;
    while (bytes < 3) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the body ended');
      expect(new TextDecoder().decode(value).trim()).toBe('');
      bytes += value.length;
    }
    await reader.cancel();
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('streams past max_tokens without end when told to ignore it, until the client leaves', async () => {
    server.setHandler(() => ({ kind: 'ignore-max-tokens', text: 'Start: ', filler: 'more ' }));
    const res = await post({
      model: 'm',
      stream: true,
      max_tokens: 5,
      messages: [{ role: 'user', content: 'x' }],
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    while ((received.match(/"content":"more "/g) ?? []).length < 500) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the stream ended');
      received += decoder.decode(value, { stream: true });
    }
    expect(received).toContain('"content":"Start: "');
    await reader.cancel();
    expect(await server.requests[0]?.ended).toBe('cut');
  });

  it('answers far past max_tokens without streaming when told to ignore it', async () => {
    server.setHandler(() => ({ kind: 'ignore-max-tokens', text: 'Start: ', filler: 'more ' }));
    const res = await post({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    expect(await contentOf(res)).toBe(`Start: ${'more '.repeat(50)}`);
  });

  it('sends malformed JSON when told to', async () => {
    server.setHandler(() => ({ kind: 'malformed', raw: '{"choices": [' }));
    const res = await post({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"choices": [');
  });

  it('rejects a body that is not a chat request with 400', async () => {
    const res = await post({ messages: 'nope' });
    expect(res.status).toBe(400);
  });

  it('allows cross-origin calls and answers preflights without recording them', async () => {
    const preflight = await fetch(`${server.baseUrl}/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:4173', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const res = await fetch(`${server.baseUrl}/models`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('answers 404 on unknown routes', async () => {
    const res = await fetch(`${server.baseUrl}/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });

  it('closes while a request hangs', async () => {
    const extra = await startTestServer({ handler: () => ({ kind: 'hang' }) });
    const pending = fetch(`${extra.baseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    while (extra.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await extra.close();
    await expect(pending).rejects.toThrow();
  });
});
