/**
 * Typed request/response messaging over `postMessage`, shared by the page and the workers. A protocol is a map from
 * method name to its params, result and (optionally) progress payloads:
 * `type MemoryRpc = { listMemories: { params: MemoryFilter; result: MemoryRecord[] } }`. The client numbers its
 * requests, forwards `AbortSignal`s as `abort` messages, delivers progress events to a per-call callback and
 * rebuilds errors from `{name, code, message}` with `fromErrorData`. Servers may also push events that belong to no
 * request (for example "a background memory pass finished"). Every incoming envelope is validated with zod, so a
 * stray or hostile message is ignored rather than trusted.
 */
import * as z from 'zod/mini';
import { fromErrorData, isAbortError, toErrorData, type ErrorData } from './errors';

/** One method of a protocol: what it takes, what it returns and what it reports while running. */
export interface RpcMethod {
  params: unknown;
  result: unknown;
  progress?: unknown;
}

/** A protocol: method name to its payload types. */
export type RpcSpec = { [method: string]: RpcMethod };

/** The progress payload of a method (`never` when it reports none). */
export type ProgressOf<M extends RpcMethod> = M extends { progress: infer P } ? P : never;

/** Anything that can exchange messages: a `Worker`, a worker's global scope, or a `MessagePort`. */
export interface RpcEndpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

const errorDataSchema = z.object({ name: z.string(), code: z.string(), message: z.string() });

const toServerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('request'), id: z.int(), method: z.string(), params: z.unknown() }),
  z.object({ kind: z.literal('abort'), id: z.int() }),
]);

const toClientSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('result'), id: z.int(), result: z.unknown() }),
  z.object({ kind: z.literal('error'), id: z.int(), error: errorDataSchema }),
  z.object({ kind: z.literal('progress'), id: z.int(), progress: z.unknown() }),
  z.object({ kind: z.literal('event'), event: z.unknown() }),
]);

/** Options of one call. */
export interface CallOptions<P> {
  signal?: AbortSignal;
  onProgress?: (progress: P) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (progress: unknown) => void;
  cleanup(): void;
}

/**
 * The page side of a protocol: `call` sends a request and resolves with its result.
 * @example
 * const client = new RpcClient<MemoryRpc, MemoryWorkerEvent>(worker);
 * const memories = await client.call('listMemories', {});
 */
export class RpcClient<R extends RpcSpec, E = never> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: E) => void>();
  private readonly onMessage = (message: MessageEvent): void => this.receive(message.data);

  constructor(private endpoint: RpcEndpoint) {
    endpoint.addEventListener('message', this.onMessage);
  }

  /** Calls `method`; an aborted signal rejects at once with an `AbortError` and tells the server to stop. */
  call<M extends keyof R & string>(
    method: M,
    params: R[M]['params'],
    opts: CallOptions<ProgressOf<R[M]>> = {},
  ): Promise<R[M]['result']> {
    const { signal, onProgress } = opts;
    if (signal?.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<R[M]['result']>((resolve, reject) => {
      const onAbort = (): void => {
        this.endpoint.postMessage({ kind: 'abort', id });
        this.pending.delete(id);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (value) => resolve(value as R[M]['result']),
        reject,
        onProgress: onProgress as ((progress: unknown) => void) | undefined,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.endpoint.postMessage({ kind: 'request', id, method, params });
    });
  }

  /** Listens to events the server pushes outside any request; returns the function that stops listening. */
  onEvent(listener: (event: E) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Stops listening and rejects every call still waiting. */
  dispose(reason = 'The worker connection was closed. Reload the page to reconnect.'): void {
    this.endpoint.removeEventListener('message', this.onMessage);
    this.rejectPending({ name: 'AppError', code: 'rpc-closed', message: reason });
  }

  /**
   * Rejects every call still waiting with `error` and carries on over `endpoint`: what a client does when its
   * worker crashed and was started again.
   */
  protected replaceEndpoint(endpoint: RpcEndpoint, error: ErrorData): void {
    this.endpoint.removeEventListener('message', this.onMessage);
    this.rejectPending(error);
    this.endpoint = endpoint;
    endpoint.addEventListener('message', this.onMessage);
  }

  private rejectPending(error: ErrorData): void {
    for (const [id, pending] of this.pending) {
      pending.cleanup();
      pending.reject(fromErrorData(error));
      this.pending.delete(id);
    }
  }

  private receive(data: unknown): void {
    const parsed = toClientSchema.safeParse(data);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.kind === 'event') {
      for (const listener of this.eventListeners) listener(msg.event as E);
      return;
    }
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    if (msg.kind === 'progress') {
      pending.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    pending.cleanup();
    if (msg.kind === 'result') pending.resolve(msg.result);
    else pending.reject(fromErrorData(msg.error));
  }
}

/** What a handler gets besides its params: the call's abort signal and a way to report progress. */
export interface RpcContext<P> {
  signal: AbortSignal;
  progress(progress: P): void;
}

/** One handler per method of the protocol. */
export type RpcHandlers<R extends RpcSpec> = {
  [M in keyof R]: (
    params: R[M]['params'],
    ctx: RpcContext<ProgressOf<R[M]>>,
  ) => Promise<R[M]['result']> | R[M]['result'];
};

/** The server side returned by `serveRpc`: pushes events to the client. */
export interface RpcServer<E> {
  emit(event: E): void;
}

/**
 * Answers requests arriving on `endpoint` with `handlers` (in a worker: `serveRpc(self, handlers)`).
 * A handler that throws sends `{name, code, message}`; an aborted call sends an `AbortError`.
 */
export function serveRpc<R extends RpcSpec, E = never>(
  endpoint: RpcEndpoint,
  handlers: RpcHandlers<R>,
): RpcServer<E> {
  const running = new Map<number, AbortController>();
  const send = (message: unknown): void => endpoint.postMessage(message);
  endpoint.addEventListener('message', (message: MessageEvent) => {
    const parsed = toServerSchema.safeParse(message.data);
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.kind === 'abort') {
      running.get(msg.id)?.abort(abortError());
      return;
    }
    const { id, method, params } = msg;
    const controller = new AbortController();
    running.set(id, controller);
    void (async () => {
      try {
        if (!Object.hasOwn(handlers, method)) {
          throw fromErrorData({
            name: 'AppError',
            code: 'rpc-unknown-method',
            message: `The worker has no method "${method}". Reload the page so page and worker match.`,
          });
        }
        const handler = handlers[method] as (
          params: unknown,
          ctx: RpcContext<unknown>,
        ) => Promise<unknown> | unknown;
        const result = await handler(params, {
          signal: controller.signal,
          progress: (progress) => {
            if (!controller.signal.aborted) send({ kind: 'progress', id, progress });
          },
        });
        send({ kind: 'result', id, result });
      } catch (err) {
        const error: ErrorData = isAbortError(err)
          ? { name: 'AbortError', code: 'aborted', message: 'The operation was aborted.' }
          : toErrorData(err);
        send({ kind: 'error', id, error });
      } finally {
        running.delete(id);
      }
    })();
  });
  return { emit: (event) => send({ kind: 'event', event }) };
}

function abortError(): DOMException {
  return new DOMException('The operation was aborted.', 'AbortError');
}
