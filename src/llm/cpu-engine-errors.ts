/**
 * Errors of the CPU engine (llama.cpp compiled to WebAssembly, run by wllama on GGUF models), each with a stable
 * `code` and a message saying what to do next. Download, storage and "too large" failures reuse the on-device
 * classes of `errors.ts` (`ModelDownloadError`, `InsufficientStorageError`, `ModelTooLargeError`) with CPU wording,
 * so the app treats both engines alike. `normalizeCpuEngineError` turns what wllama throws (its own error classes,
 * WebAssembly aborts) plus the llama.cpp log lines that preceded it into one of these.
 */
import { AppError, isAbortError } from '../core/errors';
import { ContextWindowExceededError, formatSize, ModelTooLargeError } from './errors';

const MB = 1024 * 1024;

/** The URL answered, but not with a GGUF model file. */
export class NotGgufError extends AppError {
  readonly url: string;
  constructor(url: string, found: string) {
    const hf = /huggingface\.co\/.+\/blob\//.test(url)
      ? ' On Hugging Face, use the file\'s download link (".../resolve/main/<file>.gguf"), not its ".../blob/..." page.'
      : '';
    super(
      'model-not-gguf',
      `The file at ${url} is ${found}, not a GGUF model. The CPU engine runs llama.cpp GGUF files (a URL ending in .gguf).${hf}`,
    );
    this.url = url;
  }
}

/** The GGUF's architecture is one llama.cpp cannot run as a chat model (or does not know). */
export class UnsupportedArchitectureError extends AppError {
  readonly architecture: string;
  constructor(architecture: string, reason: 'unknown' | 'not-chat') {
    super(
      'model-architecture-unsupported',
      reason === 'not-chat'
        ? `This GGUF is a "${architecture}" model (embeddings, vision or audio), not a chat model. Choose an instruct/chat GGUF such as Qwen2.5 Instruct.`
        : `The model's architecture "${architecture}" is not supported by the llama.cpp build in this app. Choose a GGUF of a supported family (Qwen, Llama, Gemma, Phi, Mistral, SmolLM…), or update the app.`,
    );
    this.architecture = architecture;
  }
}

/** The CPU engine failed in a way none of the other errors describes; keeps llama.cpp's last words. */
export class CpuEngineError extends AppError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'cpu-engine-failed',
      `The on-device CPU model failed: ${detail}. Reload the page and try again; if it keeps failing, choose another GGUF model or switch Provider to "Local server".`,
      options,
    );
  }
}

/** The page's Content-Security-Policy refused the worker llama.cpp runs in (wllama starts it from a `blob:` URL). */
export class CpuWorkerRefusedError extends AppError {
  constructor(directive: string) {
    super(
      'cpu-worker-refused',
      `This page's Content-Security-Policy (${directive}) does not allow the worker the on-device CPU model runs in. ` +
        "Add blob: to the page's worker-src (for example worker-src 'self' blob:), or switch Provider to \"Local server\".",
    );
  }
}

/**
 * The `ModelTooLargeError` of the CPU engine: the models (with their context) need more memory than the engine may
 * use (`limitBytes`), naming them and what to do.
 */
export function cpuModelTooLarge(
  names: string[],
  neededBytes: number,
  limitBytes: number,
  why: string,
): ModelTooLargeError {
  const together = names.length > 1 ? ' together' : '';
  const advice =
    names.length > 1
      ? 'Use one model for both roles, or pick smaller models.'
      : 'Pick a smaller model (a 0.5B or 1.5B Q4_K_M GGUF).';
  return new ModelTooLargeError(
    `${names.join(' and ')} need about ${formatSize(neededBytes / MB)} of memory${together}, more than ${why} (${formatSize(limitBytes / MB)}). ${advice}`,
  );
}

const OOM_PATTERNS = [
  /out of memory/i,
  /\boom\b/i,
  /cannot enlarge memory/i,
  /failed to allocate/i,
  /bad_alloc/i,
];

/**
 * Types anything wllama threw while loading or generating, using the llama.cpp log lines printed just before it
 * (`log`, newest last) to tell an unknown architecture or a failed allocation from other failures.
 * @example normalizeCpuEngineError(new Error('load_error'), ["unknown model architecture: 'foo'"]) // => UnsupportedArchitectureError
 */
export function normalizeCpuEngineError(err: unknown, log: readonly string[] = []): Error {
  if (err instanceof AppError) return err;
  if (isAbortError(err))
    return err instanceof Error ? err : new DOMException('The operation was aborted.', 'AbortError');
  const fields =
    typeof err === 'object' && err !== null ? (err as { message?: unknown; type?: unknown }) : {};
  const message = typeof fields.message === 'string' ? fields.message : String(err);
  // wllama's own errors carry a `type` ('kv_cache_full', 'load_error', …) beside the message.
  const text = [...log, message, typeof fields.type === 'string' ? fields.type : ''].join('\n');
  const arch = /unknown model architecture: '([^']*)'/.exec(text);
  if (arch?.[1] !== undefined) return new UnsupportedArchitectureError(arch[1], 'unknown');
  if (OOM_PATTERNS.some((p) => p.test(text))) {
    return new ModelTooLargeError(
      'The browser ran out of memory loading the model on the CPU. Close other tabs, or pick a smaller model (a 0.5B or 1.5B Q4_K_M GGUF).',
    );
  }
  if (/kv_cache_full|context (size|window) (has been )?exceeded|exceeds the available context/i.test(text)) {
    return new ContextWindowExceededError();
  }
  // wllama logs the stack of a failed call after llama.cpp's own message; the message is what explains it.
  const said = log.filter((line) => !/^Stack trace|^\s+at /.test(line)).at(-1);
  return new CpuEngineError(said && !message.includes(said) ? `${said} (${message})` : message, {
    cause: err,
  });
}
