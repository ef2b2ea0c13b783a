/**
 * Counting what chat models spend: `UsageMeter.wrap(model)` returns a `ChatModel` that behaves exactly like
 * `model` and adds each call's reported token usage and duration to the meter's totals. Benchmarks use it to
 * report tokens per second from the model's own counts (WebLLM and OpenAI-compatible servers report usage; a
 * call without usage is counted apart, so a rate is never computed from guesses).
 */
import type { CallOptions, ChatDelta, ChatModel, ChatRequest, ChatResult, TokenUsage } from '../core/types';

/** What the wrapped models spent. `seconds` sums call durations, so concurrent calls add up past wall time. */
export interface UsageTotals {
  calls: number;
  /** Calls whose model reported no token usage (their tokens are missing from the counts). */
  callsWithoutUsage: number;
  promptTokens: number;
  completionTokens: number;
  seconds: number;
}

/**
 * Totals of token usage and model time over every model it wrapped.
 * @example
 * const meter = new UsageMeter();
 * const model = meter.wrap(serverModel);
 * await model.complete({ messages });
 * meter.totals(); // => { calls: 1, callsWithoutUsage: 0, promptTokens: 42, completionTokens: 7, seconds: 0.31 }
 */
export class UsageMeter {
  private readonly sums: UsageTotals = {
    calls: 0,
    callsWithoutUsage: 0,
    promptTokens: 0,
    completionTokens: 0,
    seconds: 0,
  };

  /** `clock` returns milliseconds; default `performance.now`. */
  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** A model that forwards to `model` and records each call here. */
  wrap(model: ChatModel): ChatModel {
    return new MeteredChatModel(model, this, this.clock);
  }

  /** A copy of the totals so far. */
  totals(): UsageTotals {
    return { ...this.sums };
  }

  /** Adds one finished (or failed) call. */
  record(usage: TokenUsage | undefined, ms: number): void {
    this.sums.calls += 1;
    this.sums.seconds += ms / 1000;
    if (usage) {
      this.sums.promptTokens += usage.promptTokens;
      this.sums.completionTokens += usage.completionTokens;
    } else {
      this.sums.callsWithoutUsage += 1;
    }
  }
}

/** The wrapper `UsageMeter.wrap` returns. */
class MeteredChatModel implements ChatModel {
  readonly id: string;
  readonly contextWindow?: number;
  readonly countTokens?: (text: string) => number | Promise<number>;

  constructor(
    private readonly inner: ChatModel,
    private readonly meter: UsageMeter,
    private readonly clock: () => number,
  ) {
    this.id = inner.id;
    this.contextWindow = inner.contextWindow;
    this.countTokens = inner.countTokens?.bind(inner);
  }

  async complete(req: ChatRequest, opts?: CallOptions): Promise<ChatResult> {
    const start = this.clock();
    let usage: TokenUsage | undefined;
    try {
      const result = await this.inner.complete(req, opts);
      usage = result.usage;
      return result;
    } finally {
      this.meter.record(usage, this.clock() - start);
    }
  }

  async *stream(req: ChatRequest, opts?: CallOptions): AsyncIterable<ChatDelta> {
    const start = this.clock();
    let usage: TokenUsage | undefined;
    try {
      for await (const delta of this.inner.stream(req, opts)) {
        if (delta.usage) usage = delta.usage;
        yield delta;
      }
    } finally {
      this.meter.record(usage, this.clock() - start);
    }
  }
}
