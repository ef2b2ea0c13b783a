/**
 * `ChatModel` over the CPU engine (llama.cpp in WebAssembly, in its worker): streams text as llama.cpp produces
 * it, aborts by cancelling the request in the engine (also when the caller stops reading), asks for
 * JSON-Schema-constrained output when the request names a schema (llama.cpp turns the schema into a grammar, see
 * `wllama-engine.ts`), and counts tokens with the model's own vocabulary (`gguf-tokenizer.ts`) when it is a
 * byte-level BPE one, so prompt budgets are exact. The chat template is the GGUF's own, applied by llama.cpp.
 */
import { collectStream } from '../core/collect-stream';
import { throwIfAborted } from '../core/errors';
import type { CallOptions, ChatDelta, ChatModel, ChatRequest, ChatResult } from '../core/types';
import type { CpuChatEngine } from './cpu-engine-client';
import type { CpuLoadedModel } from '../core/cpu-engine-protocol';
import type { GgufValue } from './gguf';
import { createGgufTokenizer, type GgufBpeTokenizer } from './gguf-tokenizer';
import type { CompletionEnd } from '../core/cpu-engine-protocol';

/** Options of `WllamaChatModel`. */
export interface WllamaChatModelOptions {
  engine: CpuChatEngine;
  /** The loaded model, as the engine's `load` described it. */
  model: Pick<CpuLoadedModel, 'url' | 'id' | 'contextWindow' | 'tokenizer'>;
}

type Outcome = { end: CompletionEnd } | { error: unknown };

/** A `ChatModel` backed by a GGUF loaded in the CPU engine. */
export class WllamaChatModel implements ChatModel {
  readonly id: string;
  readonly contextWindow: number;
  /** Present when the model's vocabulary is one `gguf-tokenizer.ts` reproduces. */
  readonly countTokens?: (text: string) => number;
  private readonly engine: CpuChatEngine;
  private readonly url: string;

  constructor(opts: WllamaChatModelOptions) {
    this.engine = opts.engine;
    this.url = opts.model.url;
    this.id = opts.model.id;
    this.contextWindow = opts.model.contextWindow;
    const metadata = new Map<string, GgufValue>(Object.entries(opts.model.tokenizer));
    const tokenizer: GgufBpeTokenizer | undefined = createGgufTokenizer({ metadata });
    if (tokenizer) this.countTokens = (text) => tokenizer.count(text);
  }

  async *stream(req: ChatRequest, opts: CallOptions = {}): AsyncIterable<ChatDelta> {
    const { signal } = opts;
    throwIfAborted(signal);
    const stop = new AbortController();
    const queue: string[] = [];
    let outcome: Outcome | undefined;
    let wake: (() => void) | undefined;
    const running = this.engine
      .chat(this.url, req, {
        signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal,
        onText: (text) => {
          queue.push(text);
          wake?.();
        },
      })
      .then(
        (end) => (outcome = { end }),
        (error: unknown) => (outcome = { error }),
      )
      .finally(() => wake?.());
    let finished = false;
    try {
      for (;;) {
        while (queue.length > 0) yield { text: queue.shift() as string };
        if (outcome) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      throwIfAborted(signal);
      if ('error' in outcome) throw outcome.error;
      finished = true;
      const { finishReason, usage } = outcome.end;
      yield { text: '', finishReason, ...(usage && { usage }) };
    } finally {
      // The caller stopped reading (or aborted): cancel the request so llama.cpp stops generating.
      if (!finished) stop.abort();
      await running;
    }
  }

  complete(req: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    return collectStream(this.stream(req, opts));
  }
}
