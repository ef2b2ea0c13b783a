/**
 * The page's handle on the memory worker: starts `memory.worker.ts` and exposes its protocol as typed calls. The
 * UI never opens IndexedDB or calls a model itself; it goes through this client (provided to components with
 * `@lit/context`). When the worker crashes (an error at its top level), the client starts a new one, sends it the
 * last settings it was configured with, and rejects the calls that were waiting with an error saying what happened
 * and what to do; later calls go to the new worker.
 */
import type { MemoryRpc, MemoryWorkerEvent } from '../protocol/memory-protocol';
import { RpcClient, type CallOptions, type ProgressOf, type RpcEndpoint } from '../core/rpc';
import { startMemoryWorker } from './start-memory-worker';

/** What components need from the memory worker; `MemoryWorkerClient` implements it, tests may fake it. */
export interface MemoryService {
  call<M extends keyof MemoryRpc & string>(
    method: M,
    params: MemoryRpc[M]['params'],
    opts?: CallOptions<ProgressOf<MemoryRpc[M]>>,
  ): Promise<MemoryRpc[M]['result']>;
  onEvent(listener: (event: MemoryWorkerEvent) => void): () => void;
}

/** A worker as the client supervises it: an endpoint that reports a crash and can be ended. */
export interface SupervisedWorker extends RpcEndpoint {
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  terminate(): void;
}

/** Starts the app's memory worker. */
function spawnMemoryWorker(): SupervisedWorker {
  return startMemoryWorker('memory');
}

/** Talks to one memory worker at a time (a new one after a crash). */
export class MemoryWorkerClient extends RpcClient<MemoryRpc, MemoryWorkerEvent> implements MemoryService {
  private settings?: MemoryRpc['configure']['params'];
  /** The worker `start` started (the latest, after a crash); undefined over a plain endpoint. */
  private worker?: SupervisedWorker;
  private closed = false;

  /** Connects to an existing endpoint (a worker or a port). */
  constructor(endpoint: RpcEndpoint) {
    super(endpoint);
  }

  /** Starts the memory worker (with `spawn`; tests pass their own) and restarts it whenever it crashes. */
  static start(spawn: () => SupervisedWorker = spawnMemoryWorker): MemoryWorkerClient {
    const worker = spawn();
    const client = new MemoryWorkerClient(worker);
    client.worker = worker;
    client.supervise(worker, spawn);
    return client;
  }

  /** Rejects the calls still waiting with `reason` and ends the worker `start` started; it is not restarted. */
  close(reason?: string): void {
    this.closed = true;
    this.dispose(reason);
    this.worker?.terminate();
  }

  override call<M extends keyof MemoryRpc & string>(
    method: M,
    params: MemoryRpc[M]['params'],
    opts?: CallOptions<ProgressOf<MemoryRpc[M]>>,
  ): Promise<MemoryRpc[M]['result']> {
    if (method === 'configure') this.settings = params as MemoryRpc['configure']['params'];
    return super.call(method, params, opts);
  }

  private supervise(worker: SupervisedWorker, spawn: () => SupervisedWorker): void {
    worker.addEventListener('error', (event: ErrorEvent) => {
      event.preventDefault();
      worker.terminate();
      if (this.closed) return;
      const next = spawn();
      this.worker = next;
      this.replaceEndpoint(next, {
        name: 'AppError',
        code: 'worker-crashed',
        message:
          `The memory worker crashed (${event.message || 'no details'}) and was restarted. Your memories and ` +
          'conversations are kept; try again.',
      });
      this.supervise(next, spawn);
      if (this.settings) void super.call('configure', this.settings).catch(() => undefined);
    });
  }
}
