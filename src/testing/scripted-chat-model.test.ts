// The scripted model used by core tests and benchmarks: replies in order, records requests, throws, streams.
import { describe, expect, it } from 'vitest';
import { ScriptedChatModel } from './scripted-chat-model';

const req = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('ScriptedChatModel', () => {
  it('replies from the queue in order and records each request', async () => {
    const model = new ScriptedChatModel({ replies: ['one', { text: 'two', finishReason: 'length' }] });
    expect(await model.complete(req('a'))).toEqual({ text: 'one', finishReason: 'stop' });
    expect(await model.complete(req('b'))).toEqual({ text: 'two', finishReason: 'length' });
    expect(model.requests.map((r) => r.messages[0]!.content)).toEqual(['a', 'b']);
  });

  it('computes replies from the request when given a function', async () => {
    const model = new ScriptedChatModel({ respond: (r, { index }) => `${index}:${r.messages[0]!.content}` });
    expect((await model.complete(req('x'))).text).toBe('0:x');
    expect((await model.complete(req('y'))).text).toBe('1:y');
  });

  it('throws scripted errors, and says so when the script runs out', async () => {
    const model = new ScriptedChatModel({ replies: [new Error('server down')] });
    await expect(model.complete(req('a'))).rejects.toThrow('server down');
    await expect(model.complete(req('b'))).rejects.toThrow(/no reply left/);
  });

  it('streams a reply in small chunks with the finish reason on the last one', async () => {
    const model = new ScriptedChatModel({ replies: ['abcdefg'], chunkSize: 3 });
    const chunks = [];
    for await (const d of model.stream(req('a'))) chunks.push(d);
    expect(chunks).toEqual([
      { text: 'abc' },
      { text: 'def' },
      { text: 'g', finishReason: 'stop', usage: undefined },
    ]);
  });

  it('rejects with AbortError when the signal is aborted', async () => {
    const model = new ScriptedChatModel({ replies: ['x'] });
    const controller = new AbortController();
    controller.abort();
    await expect(model.complete(req('a'), { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
