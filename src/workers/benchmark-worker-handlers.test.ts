// The benchmark worker's handlers behind the real RPC layer (a MessageChannel standing in for the worker), with
// scripted models: reading a picked file, running a conversation, messages for bad input, and stopping.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchmarkClient, type BenchmarkConnection } from '../agent/benchmark-client';
import type { Progress } from '../core/progress';
import { serveRpc, type RpcEndpoint } from '../core/rpc';
import { DEFAULT_SETTINGS, type Settings } from '../protocol/settings';
import { isAbortError } from '../core/errors';
import { parseLocomoJson } from '../eval/loaders/locomo-format';
import { locomoAnsweringModel } from '../testing/locomo-answering-model';
import type { ScriptedChatModel } from '../testing/scripted-chat-model';
import { benchmarkWorkerHandlers, type BenchmarkWorkerDeps } from './benchmark-worker-handlers';

const fixtureText = readFileSync(new URL('../eval/fixtures/locomo-mini.json', import.meta.url), 'utf8');
const questions = parseLocomoJson(fixtureText).conversations.flatMap((c) => c.questions);
const fixture = new File([fixtureText], 'locomo-mini.json', { type: 'application/json' });
const settings: Settings = { ...DEFAULT_SETTINGS, onboarded: true };

const open: MessageChannel[] = [];
afterEach(() => {
  for (const channel of open.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

/** A client whose every call is served in this thread by the handlers over `model`; counts closed connections. */
function connect(model: ScriptedChatModel, createEmbedder?: BenchmarkWorkerDeps['createEmbedder']) {
  const state = { closed: 0, loadedWith: [] as Settings[] };
  const client = new BenchmarkClient((): BenchmarkConnection => {
    const channel = new MessageChannel();
    open.push(channel);
    channel.port1.start();
    channel.port2.start();
    serveRpc(
      channel.port2 as unknown as RpcEndpoint,
      benchmarkWorkerHandlers({
        createModels: async (s, { onLoading }) => {
          state.loadedWith.push(s);
          onLoading?.({ fraction: 1, text: 'Loaded the scripted model.' });
          return { manager: model, answer: model };
        },
        createEmbedder,
      }),
    );
    return { endpoint: channel.port1 as unknown as RpcEndpoint, close: () => void (state.closed += 1) };
  });
  return { client, state };
}

const gold = () => locomoAnsweringModel(questions, (q) => q.answer);

describe('benchmark worker', () => {
  it('lists the conversations of a picked file with the questions the benchmark answers', async () => {
    const { client, state } = connect(gold());
    const info = await client.call('inspect', { file: fixture });
    expect(info.conversations.map((c) => [c.id, c.turns, c.questions])).toEqual([
      ['conv-26', 7, 5],
      ['conv-30', 3, 3],
      ['conv-41', 2, 2],
    ]);
    expect(info.conversations[1]!.speakers).toEqual(['Chen', 'Dara']);
    expect(state.closed).toBe(1);
  });

  it('says what is wrong with a file that is not LoCoMo JSON', async () => {
    const { client } = connect(gold());
    const bad = new File(['{"sample_id": '], 'notes.json');
    await expect(client.call('inspect', { file: bad })).rejects.toMatchObject({
      code: 'dataset-invalid',
      message: expect.stringContaining('is not valid JSON') as unknown,
    });
    const wrongShape = new File(['{"a": 1}'], 'notes.json');
    await expect(client.call('inspect', { file: wrongShape })).rejects.toThrow(
      'expected a JSON list of conversations',
    );
  });

  it('runs one conversation with the models the settings select and reports model loading first', async () => {
    const { client, state } = connect(gold());
    const seen: Progress[] = [];
    const result = await client.call(
      'run',
      { file: fixture, conversationId: 'conv-30', settings },
      { onProgress: (p) => seen.push(p) },
    );
    expect(result.conversationId).toBe('conv-30');
    expect(result.f1).toEqual({ overall: 1, 'single-hop': 1, temporal: 1 });
    expect(result.tokensPerSecond).toBeGreaterThan(0);
    expect(seen[0]).toEqual({ phase: 'model', fraction: 1, text: 'Loaded the scripted model.' });
    expect(seen.at(-1)).toEqual({
      phase: 'answer',
      done: 3,
      total: 3,
      fraction: 1,
      text: 'Answering: question 3 of 3',
    });
    expect(state.loadedWith).toEqual([settings]);
    expect(state.closed).toBe(1);
    expect(result.notes).toEqual([]);
  });

  it('falls back to keyword retrieval, and says so, when the embedding model cannot load', async () => {
    const { client } = connect(gold(), async () => {
      throw new Error('The model host could not be reached.');
    });
    const result = await client.call('run', { file: fixture, conversationId: 'conv-30', settings });
    expect(result.f1.overall).toBe(1);
    expect(result.embedderId).toBeNull();
    expect(result.notes).toEqual(['Retrieval used keywords only: The model host could not be reached.']);
  });

  it('names a conversation the file does not hold', async () => {
    const { client } = connect(gold());
    await expect(client.call('run', { file: fixture, conversationId: 'conv-99', settings })).rejects.toThrow(
      'The picked file has no conversation conv-99',
    );
  });

  it('refuses invalid settings before loading any model', async () => {
    const { client, state } = connect(gold());
    const local: Settings = { ...settings, provider: 'local', baseUrl: 'http://example.com/v1', model: 'm' };
    await expect(
      client.call('run', { file: fixture, conversationId: 'conv-30', settings: local }),
    ).rejects.toMatchObject({ code: 'settings-invalid' });
    expect(state.loadedWith).toEqual([]);
  });

  it('refuses a request with a wrong param before any work, naming the method and the field', async () => {
    const { client, state } = connect(gold());
    await expect(
      client.call('run', { file: 'locomo.json' as unknown as Blob, conversationId: 'conv-30', settings }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'run: file must be the picked file (a Blob) (got a string).',
    });
    await expect(
      client.call('run', { file: fixture, conversationId: 'conv-30', settings, limit: 0 }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'run: limit must be more than 0 (got a number).',
    });
    await expect(client.call('inspect', {} as { file: Blob })).rejects.toMatchObject({
      code: 'invalid-input',
      message: 'inspect: file must be the picked file (a Blob) (got nothing).',
    });
    expect(state.loadedWith).toEqual([]);
  });

  it('stops a run when the call is aborted and closes the worker', async () => {
    const controller = new AbortController();
    const model = locomoAnsweringModel(questions, (q) => q.answer, {
      before: (_req, { signal }) =>
        new Promise<void>((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
    });
    const { client, state } = connect(model);
    const run = client.call(
      'run',
      { file: fixture, conversationId: 'conv-30', settings },
      {
        onProgress: (p) => {
          if (p.phase === 'ingest') controller.abort();
        },
        signal: controller.signal,
      },
    );
    const err: unknown = await run.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect(state.closed).toBe(1);
  });
});
