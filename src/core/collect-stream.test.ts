import { describe, expect, it } from 'vitest';
import { collectStream } from './collect-stream';
import type { ChatDelta } from './types';

async function* deltas(...list: ChatDelta[]): AsyncIterable<ChatDelta> {
  for (const delta of list) yield delta;
}

describe('collectStream', () => {
  it('joins the texts and keeps the last finish reason and usage', async () => {
    const usage = { promptTokens: 3, completionTokens: 2 };
    const result = await collectStream(
      deltas({ text: 'Hel' }, { text: 'lo', finishReason: 'length' }, { text: '', usage }),
    );
    expect(result).toEqual({ text: 'Hello', finishReason: 'length', usage });
  });

  it("finishes with 'stop' and no usage when the stream gives neither", async () => {
    expect(await collectStream(deltas({ text: 'a' }, { text: 'b' }))).toEqual({
      text: 'ab',
      finishReason: 'stop',
    });
    expect(await collectStream(deltas())).toEqual({ text: '', finishReason: 'stop' });
  });

  it('passes on an error the stream throws', async () => {
    async function* failing(): AsyncIterable<ChatDelta> {
      yield { text: 'partial' };
      throw new Error('engine died');
    }
    await expect(collectStream(failing())).rejects.toThrow('engine died');
  });
});
