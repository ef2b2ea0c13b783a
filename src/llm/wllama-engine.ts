/**
 * llama.cpp in WebAssembly through wllama: loading a cached GGUF on the threads `cpuThreading` chose
 * (`src/client/cpu-threads.ts`), streaming one chat completion.
 * Runs in the CPU engine worker (`src/workers/cpu-engine.worker.ts`); wllama itself starts one more worker for
 * llama.cpp (and, with threads, its pthreads). Its WebAssembly is served by this app (Vite emits it as an asset,
 * `?url` below), never from a CDN; `setCompat(null)` keeps wllama's Safari fallback from fetching one.
 *
 * Structured output uses llama.cpp's own JSON-Schema-to-grammar conversion (`response_format: json_schema`):
 * tokens that would break the schema are never sampled, and once the JSON closes only end-of-turn is allowed, so
 * generation stops there even with random weights.
 */
import { LogLevel, Wllama, type ChatCompletionChunk, type ChatCompletionParams } from '@wllama/wllama';
import wllamaWasmUrl from '@wllama/wllama/esm/wasm/wllama.wasm?url';
import { throwIfAborted } from '../core/errors';
import type { CompletionEnd } from '../core/cpu-engine-protocol';
import type { ChatRequest, FinishReason } from '../core/types';
import { CpuWorkerRefusedError, normalizeCpuEngineError } from './cpu-engine-errors';
import type { CpuThreading } from '../core/cpu-threads';
import { jsonSchemaToGbnf } from './json-schema-grammar';

/** A model loaded into its own llama.cpp instance. */
export interface LoadedWllama {
  wllama: Wllama;
  contextWindow: number;
  /** The last warnings and errors llama.cpp printed (they explain failures). */
  log: string[];
}

const LOG_LINES = 40;

/**
 * Loads a GGUF (a Blob, read slice by slice) on the CPU with a context of `contextWindow` tokens. Aborting
 * terminates the engine and rejects with an `AbortError`; failures are typed by `normalizeCpuEngineError`.
 */
export async function loadWllama(
  file: Blob,
  opts: { contextWindow: number; threading: CpuThreading; signal?: AbortSignal },
): Promise<LoadedWllama> {
  throwIfAborted(opts.signal);
  const log: string[] = [];
  const keep = (...args: unknown[]) => {
    log.push(args.map(String).join(' '));
    if (log.length > LOG_LINES) log.shift();
  };
  const wllama = new Wllama(
    { default: wllamaWasmUrl },
    { logger: { debug: () => undefined, log: () => undefined, warn: keep, error: keep } },
  );
  wllama.setCompat(null);
  const onAbort = () => void wllama.exit();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const refusal = workerRefusal();
  try {
    await Promise.race([
      wllama.loadModel([file], {
        n_ctx: opts.contextWindow,
        n_threads: opts.threading.threads,
        n_gpu_layers: 0,
        n_parallel: 1,
        log_level: LogLevel.WARN,
      }),
      refusal.refused,
    ]);
  } catch (err) {
    throwIfAborted(opts.signal);
    await wllama.exit().catch(() => undefined);
    throw err instanceof CpuWorkerRefusedError ? err : normalizeCpuEngineError(err, log);
  } finally {
    refusal.stop();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return { wllama, contextWindow: opts.contextWindow, log };
}

/**
 * Rejects with `CpuWorkerRefusedError` when this context's Content-Security-Policy refuses a worker: wllama starts
 * llama.cpp's worker from a `blob:` URL and never hears that it failed, so the load would otherwise wait forever.
 */
function workerRefusal(): { refused: Promise<never>; stop(): void } {
  let onViolation = (_event: Event): void => undefined;
  const refused = new Promise<never>((_resolve, reject) => {
    onViolation = (event) => {
      // A SecurityPolicyViolationEvent, which the WebWorker lib does not type.
      const { effectiveDirective = '', blockedURI = '' } = event as Event & {
        effectiveDirective?: string;
        blockedURI?: string;
      };
      if (blockedURI.startsWith('blob')) reject(new CpuWorkerRefusedError(effectiveDirective));
    };
  });
  globalThis.addEventListener('securitypolicyviolation', onViolation);
  return { refused, stop: () => globalThis.removeEventListener('securitypolicyviolation', onViolation) };
}

/** The wllama request for a `ChatRequest`: streaming, schema-constrained when asked. */
export function toWllamaRequest(
  req: ChatRequest,
): ChatCompletionParams & { stream: true; stream_options: { include_usage: boolean } } {
  return {
    messages: req.messages.map((m) => ({ role: m.role, content: m.content })),
    stream: true,
    stream_options: { include_usage: true },
    ...(req.temperature !== undefined && { temperature: req.temperature }),
    ...(req.maxTokens !== undefined && { max_tokens: req.maxTokens }),
    ...(req.topP !== undefined && { top_p: req.topP }),
    ...(req.seed !== undefined && { seed: req.seed }),
    ...(req.schema && { grammar: jsonSchemaToGbnf(req.schema.schema) }),
  };
}

function finishReason(reason: string | null | undefined): FinishReason {
  return reason === 'stop' || reason === 'length' ? reason : 'other';
}

/** Streams one chat completion, calling `onText` with each piece; resolves with how it ended. */
export async function streamChat(
  model: LoadedWllama,
  req: ChatRequest,
  onText: (text: string) => void,
  signal?: AbortSignal,
): Promise<CompletionEnd> {
  throwIfAborted(signal);
  const end: CompletionEnd = { finishReason: 'stop' };
  try {
    const chunks = (await model.wllama.createChatCompletion({
      ...toWllamaRequest(req),
      ...(signal && { abortSignal: signal }),
    })) as AsyncIterable<ChatCompletionChunk>;
    for await (const chunk of chunks) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) onText(choice.delta.content);
      if (choice?.finish_reason) end.finishReason = finishReason(choice.finish_reason);
      if (chunk.usage) {
        end.usage = {
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
        };
      }
      if (chunk.timings) {
        end.timings = {
          promptTokens: chunk.timings.prompt_n,
          promptTokensPerSecond: chunk.timings.prompt_per_second,
          completionTokens: chunk.timings.predicted_n,
          decodeTokensPerSecond: chunk.timings.predicted_per_second,
        };
      }
    }
  } catch (err) {
    throwIfAborted(signal);
    throw normalizeCpuEngineError(err, model.log);
  }
  throwIfAborted(signal);
  return end;
}
