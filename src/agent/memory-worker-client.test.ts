// MemoryWorkerClient supervises its worker: a crash rejects the waiting call with an actionable error, a new worker
// is started and configured with the last settings, and the next call works.
import { describe, expect, it } from 'vitest';
import type { MemoryRpc } from '../protocol/memory-protocol';
import { serveRpc, type RpcEndpoint, type RpcHandlers } from '../core/rpc';
import { MemoryWorkerClient, type SupervisedWorker } from './memory-worker-client';

/** A worker stand-in: one end of a MessageChannel served by `handlers`; `crash` fires its top-level error. */
class FakeWorker extends EventTarget {
  terminated = false;
  private readonly port: MessagePort;

  constructor(handlers: Partial<RpcHandlers<MemoryRpc>>) {
    super();
    const { port1, port2 } = new MessageChannel();
    serveRpc<MemoryRpc>(port2 as unknown as RpcEndpoint, handlers as RpcHandlers<MemoryRpc>);
    port1.addEventListener('message', (e) =>
      this.dispatchEvent(new MessageEvent('message', { data: e.data })),
    );
    port1.start();
    port2.start();
    this.port = port1;
  }

  postMessage(message: unknown): void {
    this.port.postMessage(message);
  }

  terminate(): void {
    this.terminated = true;
    this.port.close();
  }

  crash(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }
}

describe('MemoryWorkerClient', () => {
  it('restarts a crashed worker, rejects the waiting call clearly and resends the settings', async () => {
    const workers: FakeWorker[] = [];
    const configured: unknown[] = [];
    const spawn = (): SupervisedWorker => {
      const first = workers.length === 0;
      const worker = new FakeWorker({
        configure: ({ settings }) => {
          configured.push(settings);
          return { modelId: null };
        },
        listConversations: () => (first ? new Promise(() => undefined) : []),
      });
      workers.push(worker);
      return worker as unknown as SupervisedWorker;
    };
    const client = MemoryWorkerClient.start(spawn);
    const settings = { provider: 'local' } as unknown as MemoryRpc['configure']['params']['settings'];
    await client.call('configure', { settings });
    const waiting = client.call('listConversations', null);
    workers[0]!.crash('Uncaught TypeError: boom');
    await expect(waiting).rejects.toMatchObject({
      code: 'worker-crashed',
      message: expect.stringMatching(
        /^The memory worker crashed \(Uncaught TypeError: boom\) and was restarted\./,
      ),
    });
    expect(workers).toHaveLength(2);
    expect(workers[0]!.terminated).toBe(true);
    expect(await client.call('listConversations', null)).toEqual([]);
    expect(configured).toEqual([settings, settings]);
    client.dispose();
    workers[1]!.terminate();
  });
});
