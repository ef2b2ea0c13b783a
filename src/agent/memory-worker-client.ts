/**
 * The page's handle on the memory worker: starts `memory.worker.ts` and exposes its protocol as typed calls. The
 * UI never opens IndexedDB or calls a model itself; it goes through this client (provided to components with
 * `@lit/context`).
 */
import { RpcClient, type CallOptions, type ProgressOf, type RpcEndpoint } from '../protocol/rpc';
import type { MemoryRpc, MemoryWorkerEvent } from '../protocol/memory-protocol';

/** What components need from the memory worker; `MemoryWorkerClient` implements it, tests may fake it. */
export interface MemoryService {
  call<M extends keyof MemoryRpc & string>(
    method: M,
    params: MemoryRpc[M]['params'],
    opts?: CallOptions<ProgressOf<MemoryRpc[M]>>,
  ): Promise<MemoryRpc[M]['result']>;
  onEvent(listener: (event: MemoryWorkerEvent) => void): () => void;
}

/** Talks to one memory worker. */
export class MemoryWorkerClient extends RpcClient<MemoryRpc, MemoryWorkerEvent> implements MemoryService {
  /** Connects to an existing endpoint (a worker or a port). */
  constructor(endpoint: RpcEndpoint) {
    super(endpoint);
  }

  /** Starts the memory worker and connects to it. */
  static start(): MemoryWorkerClient {
    const worker = new Worker(new URL('../workers/memory.worker.ts', import.meta.url), {
      type: 'module',
      name: 'memory',
    });
    return new MemoryWorkerClient(worker);
  }
}
