/**
 * Errors of the llm layer: why a call to a chat model failed, each with a stable `code` and a message saying what
 * the user can do about it (start the server, fix the URL or key, pick another model). Aborts are not errors here:
 * they reject with a DOMException named `AbortError`.
 *
 * The errors of OpenAI-compatible HTTP servers are in http-errors.ts; these are the errors of the on-device
 * (WebLLM) runtime: capability failures found before a download, download and cache failures, and failures WebLLM
 * reports while loading or generating. WebLLM's worker client rejects with plain strings (`err.toString()` of the worker-side
 * error), so `normalizeWebLlmError` turns anything thrown into one of these typed errors (or an `AbortError`
 * DOMException), and `rebuildWebLlmError` restores the class after an error crossed a worker boundary.
 */
import { AppError, isAbortError, type ErrorData } from '../core/errors';

// ---- On-device (WebLLM) runtime ----

const LOCAL_SERVER_HINT = 'or switch Provider to "Local server" to use an LLM server on this machine.';

/** The browser has no WebGPU at all (`navigator.gpu` is missing). */
export class WebGpuUnavailableError extends AppError {
  constructor(
    message = `This browser has no WebGPU. Use Chrome or Edge 113+ (or enable WebGPU in chrome://flags/#enable-unsafe-webgpu), ${LOCAL_SERVER_HINT}`,
  ) {
    super('webgpu-unavailable', message);
  }
}

/** WebGPU exists but `requestAdapter()` found no usable GPU. */
export class GpuAdapterNotFoundError extends AppError {
  constructor(
    message = `WebGPU is present but no GPU adapter was found (the GPU may be blocklisted or hardware acceleration is off). Turn on "Use graphics acceleration" in the browser settings, update the GPU driver, ${LOCAL_SERVER_HINT}`,
  ) {
    super('gpu-adapter-not-found', message);
  }
}

/** The model needs the `shader-f16` WebGPU feature, which this GPU does not offer. */
export class ShaderF16UnsupportedError extends AppError {
  /** A build of the same model that runs without `shader-f16`, when the catalog has one. */
  readonly alternativeModelId?: string;
  constructor(modelId = 'This model', alternativeModelId?: string, message?: string) {
    super(
      'shader-f16-unsupported',
      message ??
        `${modelId} needs 16-bit float shaders (shader-f16), which this GPU does not support. ` +
          (alternativeModelId
            ? `Use the q4f32_1 build (${alternativeModelId}) instead.`
            : 'Choose a q4f32_1 model instead.'),
    );
    this.alternativeModelId = alternativeModelId;
  }
}

/** A GPU limit (buffer sizes, workgroup storage, storage buffers per stage) is below what the model needs. */
export class GpuLimitsError extends AppError {
  constructor(message: string) {
    super('gpu-limits-too-low', message);
  }
}

/** The page is not a secure context (https or localhost), so WebGPU and persistent storage are unavailable. */
export class InsecureContextError extends AppError {
  constructor(
    message = 'This page was opened over plain http, where browsers disable WebGPU and persistent storage. Open it over https or on http://localhost.',
  ) {
    super('insecure-context', message);
  }
}

/** The origin's storage quota cannot hold the model's files. */
export class InsufficientStorageError extends AppError {
  constructor(message: string) {
    super('storage-insufficient', message);
  }
}

/** The model does not fit in GPU memory (or the GPU device was lost while loading, which is usually the same). */
export class ModelTooLargeError extends AppError {
  constructor(
    message = 'The GPU ran out of memory while loading the model. Close other GPU-heavy tabs, or choose a smaller model (for example a 1.5B or 0.5B entry).',
  ) {
    super('model-too-large', message);
  }
}

/** A size in MB as the messages state it: GB with one decimal from 1 GB on (`"5.4 GB"`), else whole MB (`"880 MB"`). */
export function formatSize(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

/**
 * The `ModelTooLargeError` for a GPU that ran out of memory (or lost its device) loading two role models at once:
 * names both, with their combined need when every one is known, and says to use one model for both roles.
 */
export function modelsTooLargeTogether(fit: {
  modelIds: string[];
  totalMB: number;
  unknown: string[];
}): ModelTooLargeError {
  const need = fit.unknown.length === 0 ? ` (about ${formatSize(fit.totalMB)} of GPU memory)` : '';
  return new ModelTooLargeError(
    `The GPU ran out of memory loading ${fit.modelIds.join(' and ')} together${need}. Use one model for both roles, or pick smaller models; closing other GPU-heavy tabs may also help.`,
  );
}

/** Downloading model files failed (network lost, server error, stalled transfer); finished files stay cached. */
export class ModelDownloadError extends AppError {
  /** The file that failed, when known. */
  readonly url?: string;
  constructor(message?: string, url?: string, options?: { cause?: unknown }) {
    super(
      'model-download-failed',
      message ??
        'The model download stopped (network lost or the server did not answer). Check the connection and retry: retry resumes from the shards already cached.',
      options,
    );
    this.url = url;
  }
}

/** A downloaded file did not match what the model's manifest promised (size or integrity). */
export class ModelIntegrityError extends AppError {
  constructor(message: string) {
    super('model-integrity', message);
  }
}

/** A model id is neither in the catalog nor among the custom models. */
export class UnknownModelError extends AppError {
  constructor(modelId: string, message?: string) {
    super(
      'model-unknown',
      message ??
        `No model "${modelId}" is known. Pick one from the catalog or add it as a custom model first.`,
    );
  }
}

/** A custom model record or its files are invalid. */
export class CustomModelError extends AppError {
  constructor(message: string) {
    super('custom-model-invalid', message);
  }
}

/** A request reached the engine before any model was loaded. */
export class ModelNotLoadedError extends AppError {
  constructor(message = 'No model is loaded yet. Load a model from the Models page, then try again.') {
    super('model-not-loaded', message);
  }
}

/** The prompt does not fit in the model's context window. */
export class ContextWindowExceededError extends AppError {
  constructor(
    message = "The conversation is longer than the model's context window. Start a new conversation or lower the number of memories retrieved.",
  ) {
    super('context-window-exceeded', message);
  }
}

/** Any other failure WebLLM reported; the message keeps WebLLM's own text. */
export class WebLlmRuntimeError extends AppError {
  constructor(detail: string) {
    super(
      'webllm-failed',
      `The on-device model failed: ${detail}. Reload the page and try again; if it keeps failing, choose another model ${LOCAL_SERVER_HINT}`,
    );
  }
}

type Rebuild = (message: string) => AppError;

const REBUILDERS: Record<string, Rebuild> = {
  'webgpu-unavailable': (m) => new WebGpuUnavailableError(m),
  'gpu-adapter-not-found': (m) => new GpuAdapterNotFoundError(m),
  'shader-f16-unsupported': (m) => new ShaderF16UnsupportedError(undefined, undefined, m),
  'gpu-limits-too-low': (m) => new GpuLimitsError(m),
  'insecure-context': (m) => new InsecureContextError(m),
  'storage-insufficient': (m) => new InsufficientStorageError(m),
  'model-too-large': (m) => new ModelTooLargeError(m),
  'model-download-failed': (m) => new ModelDownloadError(m),
  'model-integrity': (m) => new ModelIntegrityError(m),
  'model-unknown': (m) => new UnknownModelError('', m),
  'custom-model-invalid': (m) => new CustomModelError(m),
  'model-not-loaded': (m) => new ModelNotLoadedError(m),
  'context-window-exceeded': (m) => new ContextWindowExceededError(m),
};

/** Rebuilds one of this module's typed errors from `{name, code, message}`; undefined for codes it does not own. */
export function rebuildWebLlmError(data: ErrorData): AppError | undefined {
  const rebuild = REBUILDERS[data.code];
  if (rebuild) return rebuild(data.message);
  if (data.code === 'webllm-failed') {
    const err = new AppError('webllm-failed', data.message);
    err.name = 'WebLlmRuntimeError';
    return err;
  }
  return undefined;
}

/** Splits WebLLM's `"ErrorName: message"` strings (what `err.toString()` gives) into name and message. */
function splitErrorString(text: string): { name: string; message: string } {
  const match = /^([A-Za-z_$][\w$]*(?:Error|Exception)): ([\s\S]*)$/.exec(text.trim());
  if (match?.[1] !== undefined && match[2] !== undefined) return { name: match[1], message: match[2] };
  if (text.trim().startsWith('Error: ')) return { name: 'Error', message: text.trim().slice(7) };
  return { name: 'Error', message: text };
}

const NETWORK_PATTERNS = [
  /failed to fetch/i,
  /networkerror/i,
  /network response was not ok/i,
  /load failed/i,
  /err_internet_disconnected/i,
  /err_connection/i,
  /cannot fetch/i,
  /failed to store/i,
  /network error/i,
];

function firstUrl(text: string): string | undefined {
  return /https?:\/\/\S+/.exec(text)?.[0];
}

/**
 * Turns anything WebLLM or the worker client threw (Error objects, DOMExceptions, plain strings) into a typed error.
 * Aborts come back as an `AbortError` DOMException; already-typed `AppError`s pass through unchanged.
 * @example normalizeWebLlmError('WebGPUNotAvailableError: WebGPU is not supported…') // => WebGpuUnavailableError
 */
export function normalizeWebLlmError(err: unknown): Error {
  if (err instanceof AppError) return err;
  if (isAbortError(err))
    return err instanceof Error ? err : new DOMException('The operation was aborted.', 'AbortError');
  let name: string;
  let message: string;
  if (typeof err === 'string') ({ name, message } = splitErrorString(err));
  else if (err instanceof Error) ({ name, message } = { name: err.name, message: err.message });
  else if (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { message?: unknown }).message === 'string'
  ) {
    name = String((err as { name?: unknown }).name ?? 'Error');
    message = (err as { message: string }).message;
  } else return new WebLlmRuntimeError('an unknown error was thrown');

  if (name === 'AbortError' || /Engine\.unload\(\) is called/.test(message))
    return new DOMException(message, 'AbortError');
  if (name === 'WebGPUNotAvailableError' || name === 'WebGPUNotFoundError')
    return new WebGpuUnavailableError();
  if (/Unable to find a compatible GPU/i.test(message)) return new GpuAdapterNotFoundError();
  if (name === 'ShaderF16SupportError' || /shader-f16/.test(message)) return new ShaderF16UnsupportedError();
  if (name === 'FeatureSupportError') {
    return new GpuLimitsError(`${message} Choose a model without this requirement, ${LOCAL_SERVER_HINT}`);
  }
  if (/exceeds limit/i.test(message)) {
    return new GpuLimitsError(
      `This GPU's limits are too low for the on-device runtime (${message.trim()}). Update the browser and GPU driver, choose a smaller model, ${LOCAL_SERVER_HINT}`,
    );
  }
  if (name === 'DeviceLostError' || /device (was )?lost|out of memory/i.test(message))
    return new ModelTooLargeError();
  if (name === 'QuotaExceededError' || /quota/i.test(message)) {
    return new InsufficientStorageError(
      'The browser ran out of storage while saving the model. Free space (delete unused models in the Models page or clear site data) and retry; files already saved are kept.',
    );
  }
  if (name === 'IntegrityError') {
    return new ModelIntegrityError(
      `A model file failed its integrity check (${message}). Delete the model and download it again.`,
    );
  }
  if (name === 'ModelNotFoundError' || name === 'SpecifiedModelNotFoundError') {
    return new UnknownModelError('', `${message} Pick a model from the catalog or add it as a custom model.`);
  }
  if (/ModelNotLoadedError|EngineNotLoadedError/.test(name)) return new ModelNotLoadedError();
  if (name === 'ContextWindowSizeExceededError') return new ContextWindowExceededError();
  if (NETWORK_PATTERNS.some((p) => p.test(message))) {
    return new ModelDownloadError(undefined, firstUrl(message), { cause: err });
  }
  return new WebLlmRuntimeError(name === 'Error' ? message : `${name}: ${message}`);
}
