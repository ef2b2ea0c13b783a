import { afterEach, describe, expect, it } from 'vitest';
import { AppError, isAbortError } from './errors';
import { RpcClient, serveRpc, type RpcEndpoint } from './rpc';

type TestRpc = {
  add: { params: { a: number; b: number }; result: number };
  count: { params: { to: number }; result: string; progress: number };
  fail: { params: null; result: never };
  wait: { params: null; result: 'done' };
};

const channels: MessageChannel[] = [];

function connect(): { client: RpcClient<TestRpc, string>; emit(event: string): void } {
  const channel = new MessageChannel();
  channels.push(channel);
  channel.port1.start();
  channel.port2.start();
  const server = serveRpc<TestRpc, string>(channel.port2 as unknown as RpcEndpoint, {
    add: ({ a, b }) => a + b,
    count: async ({ to }, { progress }) => {
      for (let i = 1; i <= to; i++) progress(i);
      return 'counted';
    },
    fail: () => {
      throw new AppError('test-failure', 'Something failed; try again.');
    },
    wait: (_params, { signal }) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason));
      }),
  });
  const client = new RpcClient<TestRpc, string>(channel.port1 as unknown as RpcEndpoint);
  return { client, emit: (event) => server.emit(event) };
}

afterEach(() => {
  for (const channel of channels.splice(0)) {
    channel.port1.close();
    channel.port2.close();
  }
});

describe('RpcClient and serveRpc', () => {
  it('returns the result of the method named in the call', async () => {
    const { client } = connect();
    await expect(client.call('add', { a: 2, b: 3 })).resolves.toBe(5);
  });

  it('delivers progress events in order before the result', async () => {
    const { client } = connect();
    const seen: number[] = [];
    const result = await client.call('count', { to: 3 }, { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([1, 2, 3]);
    expect(result).toBe('counted');
  });

  it('rebuilds a thrown AppError with its name, code and message', async () => {
    const { client } = connect();
    const err: unknown = await client.call('fail', null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      name: 'AppError',
      code: 'test-failure',
      message: 'Something failed; try again.',
    });
  });

  it('rejects with an AbortError and aborts the handler when the signal fires', async () => {
    const { client } = connect();
    const controller = new AbortController();
    const call = client.call('wait', null, { signal: controller.signal });
    controller.abort();
    const err: unknown = await call.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
  });

  it('reports an unknown method with an actionable error instead of hanging', async () => {
    const { client } = connect();
    const loose = client as unknown as RpcClient<{ nope: { params: null; result: null } }>;
    await expect(loose.call('nope', null)).rejects.toMatchObject({ code: 'rpc-unknown-method' });
  });

  it('passes pushed events to listeners and ignores malformed messages', async () => {
    const { client, emit } = connect();
    const events: string[] = [];
    const received = new Promise<void>((resolve) => {
      client.onEvent((event) => {
        events.push(event);
        resolve();
      });
    });
    (channels[0]?.port2 as MessagePort).postMessage({ kind: 'bogus', id: 'x' });
    emit('memory-pass-finished');
    await received;
    expect(events).toEqual(['memory-pass-finished']);
  });
});
