/**
 * A `ChatModel` inside the memory worker that is really the page's own model (provider `{ kind: 'model' }` of
 * `createMemoryAgent`): every completion is a `PageModelRpc` call to the page, streamed back as progress. Aborting
 * a call aborts it on the page. Results are validated, so a page model returning a malformed value fails the turn
 * with a clear message instead of corrupting it.
 */
import type { ZodMiniType } from 'zod/mini';
import { ModelOutputError } from '../core/errors';
import type { CallOptions, ChatDelta, ChatModel, ChatRequest, ChatResult } from '../core/types';
import { chatDeltaSchema, chatResultSchema, type PageModelRpc } from '../protocol/agent-protocol';
import type { RpcClient } from '../core/rpc';

/** The page's model, as the worker sees it. */
export class PageChatModel implements ChatModel {
  constructor(
    private readonly rpc: Pick<RpcClient<PageModelRpc>, 'call'>,
    readonly id: string,
    readonly contextWindow?: number,
  ) {}

  /** Asks the page for a whole completion. */
  async complete(request: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    return checked(chatResultSchema, await this.rpc.call('complete', { request }, { signal: opts.signal }));
  }

  /** Streams a completion from the page, piece by piece. */
  async *stream(request: ChatRequest, opts: CallOptions = {}): AsyncIterable<ChatDelta> {
    const queue: ChatDelta[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    let failure: unknown;
    const done = this.rpc
      .call('stream', { request }, { signal: opts.signal, onProgress: (delta) => push(delta) })
      .catch((err: unknown) => void (failure = err))
      .finally(() => {
        ended = true;
        wake?.();
      });
    const push = (delta: ChatDelta): void => {
      queue.push(delta);
      wake?.();
    };
    while (true) {
      const next = queue.shift();
      if (next) {
        yield checked(chatDeltaSchema, next);
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    await done;
    if (failure) throw failure;
  }
}

function checked<T>(schema: ZodMiniType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ModelOutputError(
    'The page model returned a value that is not a chat completion ({ text, finishReason }). Fix its complete() or stream().',
    JSON.stringify(value) ?? String(value),
  );
}
