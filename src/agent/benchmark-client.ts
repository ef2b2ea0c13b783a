/**
 * The page's handle on the benchmark worker. Each call starts its own worker and ends it when the call settles
 * (or is stopped), so a finished or stopped benchmark frees the GPU memory its model copy held and an idle app
 * runs no benchmark worker at all. Components receive it as a `BenchmarkService` through `@lit/context`.
 */
import { AppError } from '../core/errors';
import type { BenchmarkRpc } from '../protocol/benchmark-protocol';
import { RpcClient, type CallOptions, type ProgressOf, type RpcEndpoint } from '../core/rpc';

/** What components need from the benchmark worker; `BenchmarkClient` implements it, tests may fake it. */
export interface BenchmarkService {
  call<M extends keyof BenchmarkRpc & string>(
    method: M,
    params: BenchmarkRpc[M]['params'],
    opts?: CallOptions<ProgressOf<BenchmarkRpc[M]>>,
  ): Promise<BenchmarkRpc[M]['result']>;
}

/** One connection to a benchmark worker: where to send calls, how to end it, and how it reports a crash. */
export interface BenchmarkConnection {
  endpoint: RpcEndpoint;
  close(): void;
  onCrash?(listener: (message: string) => void): void;
}

/** Starts `benchmark.worker.ts`. */
export function startBenchmarkWorker(): BenchmarkConnection {
  const worker = new Worker(new URL('../workers/benchmark.worker.ts', import.meta.url), {
    type: 'module',
    name: 'benchmark',
  });
  return {
    endpoint: worker,
    close: () => worker.terminate(),
    onCrash: (listener) =>
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        listener(event.message || 'the worker script failed to load');
      }),
  };
}

/** Runs each call in a fresh benchmark worker (see the module comment). */
export class BenchmarkClient implements BenchmarkService {
  /** `connect` opens a connection per call; default: a new `benchmark.worker.ts`. */
  constructor(private readonly connect: () => BenchmarkConnection = startBenchmarkWorker) {}

  async call<M extends keyof BenchmarkRpc & string>(
    method: M,
    params: BenchmarkRpc[M]['params'],
    opts: CallOptions<ProgressOf<BenchmarkRpc[M]>> = {},
  ): Promise<BenchmarkRpc[M]['result']> {
    const connection = this.connect();
    const client = new RpcClient<BenchmarkRpc>(connection.endpoint);
    const crashed = new Promise<never>((_resolve, reject) =>
      connection.onCrash?.((message) =>
        reject(
          new AppError(
            'benchmark-worker-crashed',
            `The benchmark stopped unexpectedly (${message}). Reload the page and run it again; if it happens ` +
              'again, the GPU may be out of memory: close other tabs or choose a smaller model.',
          ),
        ),
      ),
    );
    try {
      return await Promise.race([client.call(method, params, opts), crashed]);
    } finally {
      client.dispose();
      connection.close();
    }
  }
}
