// Counting token usage and model time through a wrapped chat model.
import { describe, expect, it } from 'vitest';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import { UsageMeter } from './usage-meter';

describe('UsageMeter', () => {
  it('adds the usage and duration of completed and streamed calls', async () => {
    let now = 0;
    const inner = new ScriptedChatModel({
      respond: () => {
        now += 500;
        return { text: 'hello world', finishReason: 'stop', usage: { promptTokens: 7, completionTokens: 3 } };
      },
    });
    const meter = new UsageMeter(() => now);
    const model = meter.wrap(inner);
    await expect(model.complete({ messages: [] })).resolves.toMatchObject({ text: 'hello world' });
    let streamed = '';
    for await (const d of model.stream({ messages: [] })) streamed += d.text;
    expect(streamed).toBe('hello world');
    expect(meter.totals()).toEqual({
      calls: 2,
      callsWithoutUsage: 0,
      promptTokens: 14,
      completionTokens: 6,
      seconds: 1,
    });
  });

  it('counts calls without usage and failed calls apart from the token counts', async () => {
    const inner = new ScriptedChatModel({ replies: ['no usage', new Error('boom')] });
    const meter = new UsageMeter(() => 0);
    const model = meter.wrap(inner);
    await model.complete({ messages: [] });
    await expect(model.complete({ messages: [] })).rejects.toThrow('boom');
    expect(meter.totals()).toMatchObject({ calls: 2, callsWithoutUsage: 2, completionTokens: 0 });
  });

  it('keeps the wrapped model id, context window and tokenizer', async () => {
    const inner = new ScriptedChatModel({ id: 'm', contextWindow: 4096, countTokens: (t) => t.length });
    const model = new UsageMeter().wrap(inner);
    expect(model.id).toBe('m');
    expect(model.contextWindow).toBe(4096);
    expect(await model.countTokens?.('abcd')).toBe(4);
  });
});
