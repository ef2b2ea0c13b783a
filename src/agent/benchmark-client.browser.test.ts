// The real benchmark worker, started by the client as the app starts it: it loads without any Node module and
// reads a picked LoCoMo file off the main thread.
import { describe, expect, it } from 'vitest';
import locomoMini from '../eval/fixtures/locomo-mini.json';
import { BenchmarkClient } from './benchmark-client';
import { DEFAULT_SETTINGS } from '../protocol/settings';

const fixture = new File([JSON.stringify(locomoMini)], 'locomo-mini.json', { type: 'application/json' });

describe('BenchmarkClient with benchmark.worker.ts', () => {
  it('lists the conversations of a picked file from a fresh worker', async () => {
    const info = await new BenchmarkClient().call('inspect', { file: fixture });
    expect(info.conversations.map((c) => c.id)).toEqual(['conv-26', 'conv-30', 'conv-41']);
  });

  it('rejects a run on a conversation the file does not hold with a message naming it', async () => {
    const settings = { ...DEFAULT_SETTINGS, onboarded: true };
    await expect(
      new BenchmarkClient().call('run', { file: fixture, conversationId: 'conv-99', settings }),
    ).rejects.toThrow('The picked file has no conversation conv-99');
  });
});
