import { describe, expect, it } from 'vitest';
import { AppError, isAbortError, toErrorData } from '../core/errors';
import {
  ContextWindowExceededError,
  GpuAdapterNotFoundError,
  GpuLimitsError,
  InsufficientStorageError,
  ModelDownloadError,
  ModelNotLoadedError,
  ModelTooLargeError,
  ShaderF16UnsupportedError,
  UnknownModelError,
  WebGpuUnavailableError,
  WebLlmRuntimeError,
  formatSize,
  modelsTooLargeTogether,
  normalizeWebLlmError,
  rebuildWebLlmError,
} from './errors';

// The strings below are what WebLLM's worker handler posts back: `err.toString()` of WebLLM 0.2.86's errors.
describe('normalizeWebLlmError on plain-string rejections from the worker client', () => {
  const cases: [string, new (...args: never[]) => AppError][] = [
    [
      'WebGPUNotAvailableError: WebGPU is not supported in your current environment, but it is necessary…',
      WebGpuUnavailableError,
    ],
    [
      "Error: Unable to find a compatible GPU. This issue might be because your computer doesn't have a GPU…",
      GpuAdapterNotFoundError,
    ],
    [
      'ShaderF16SupportError: This model requires WebGPU extension shader-f16, which is not enabled in this browser.',
      ShaderF16UnsupportedError,
    ],
    ['DeviceLostError: The WebGPU device was lost while loading the model.', ModelTooLargeError],
    [
      'Error: Cannot initialize runtime because of requested maxStorageBufferBindingSize exceeds limit. requested=128MB, limit=64MB. ',
      GpuLimitsError,
    ],
    ['TypeError: Failed to fetch', ModelDownloadError],
    [
      'Error: Failed to store https://huggingface.co/x/resolve/main/params_shard_3.bin with error: TypeError: NetworkError',
      ModelDownloadError,
    ],
    ['QuotaExceededError: The quota has been exceeded.', InsufficientStorageError],
    ['ModelNotFoundError: Cannot find model record in appConfig for Foo-MLC.', UnknownModelError],
    ['WorkerEngineModelNotLoadedError: Engine is not loaded.', ModelNotLoadedError],
    ['ContextWindowSizeExceededError: Prompt tokens exceed context window size', ContextWindowExceededError],
    ['CompileError: WebAssembly.instantiate(): expected magic word', WebLlmRuntimeError],
  ];
  for (const [text, type] of cases) {
    it(`turns "${text.slice(0, 40)}…" into ${type.name}`, () => {
      const err = normalizeWebLlmError(text);
      expect(err).toBeInstanceOf(type);
      expect(err.message.length).toBeGreaterThan(20);
    });
  }

  it('keeps the failing URL of a download error', () => {
    const err = normalizeWebLlmError(
      'Error: Cannot fetch https://example.test/m/resolve/main/params_shard_1.bin err= TypeError',
    );
    expect((err as ModelDownloadError).url).toBe('https://example.test/m/resolve/main/params_shard_1.bin');
    expect(err.message).toMatch(/retry resumes/);
  });

  it('turns an abort (DOMException or the unload string) into an AbortError', () => {
    expect(isAbortError(normalizeWebLlmError(new DOMException('x', 'AbortError')))).toBe(true);
    expect(isAbortError(normalizeWebLlmError('Engine.unload() is called.'))).toBe(true);
    expect(isAbortError(normalizeWebLlmError('AbortError: signal is aborted without reason'))).toBe(true);
  });

  it('passes typed errors through and wraps unknown values', () => {
    const typed = new ModelTooLargeError();
    expect(normalizeWebLlmError(typed)).toBe(typed);
    expect(normalizeWebLlmError(42)).toBeInstanceOf(WebLlmRuntimeError);
    expect(normalizeWebLlmError(new Error('boom')).message).toMatch(/boom.*Reload the page/);
  });

  it('tells the user what to do next in every message', () => {
    expect(new WebGpuUnavailableError().message).toMatch(/Chrome or Edge 113\+.*Local server/);
    expect(new ShaderF16UnsupportedError('A', 'A-q4f32_1').message).toMatch(
      /Use the q4f32_1 build \(A-q4f32_1\)/,
    );
  });
});

describe('two role models out of GPU memory', () => {
  it('names both models, their combined need, and says to use one model for both roles', () => {
    const err = modelsTooLargeTogether({ modelIds: ['A-MLC', 'B-MLC'], totalMB: 5530, unknown: [] });
    expect(err).toBeInstanceOf(ModelTooLargeError);
    expect(err.code).toBe('model-too-large');
    expect(err.message).toBe(
      'The GPU ran out of memory loading A-MLC and B-MLC together (about 5.4 GB of GPU memory). Use one model for both roles, or pick smaller models; closing other GPU-heavy tabs may also help.',
    );
  });

  it('leaves the amount out when a model does not state its need', () => {
    const err = modelsTooLargeTogether({ modelIds: ['A-MLC', 'custom'], totalMB: 2500, unknown: ['custom'] });
    expect(err.message).toMatch(
      /^The GPU ran out of memory loading A-MLC and custom together\. Use one model/,
    );
  });

  it('survives a structured clone with its message', () => {
    const err = modelsTooLargeTogether({ modelIds: ['A', 'B'], totalMB: 5000, unknown: [] });
    const back = rebuildWebLlmError(structuredClone(toErrorData(err)));
    expect(back).toBeInstanceOf(ModelTooLargeError);
    expect(back?.message).toBe(err.message);
  });

  it('formats sizes in GB with one decimal, below 1 GB in whole MB', () => {
    expect(formatSize(2504.76)).toBe('2.4 GB');
    expect(formatSize(8192)).toBe('8.0 GB');
    expect(formatSize(879.04)).toBe('879 MB');
  });
});

describe('rebuildWebLlmError after a structured clone', () => {
  it('restores the typed class, code and message', () => {
    const original = new ShaderF16UnsupportedError('Qwen', 'Qwen-f32');
    const back = rebuildWebLlmError(structuredClone(toErrorData(original)));
    expect(back).toBeInstanceOf(ShaderF16UnsupportedError);
    expect(back?.message).toBe(original.message);
    expect(back?.code).toBe('shader-f16-unsupported');
  });

  it('leaves codes of other layers alone', () => {
    expect(rebuildWebLlmError({ name: 'QuotaError', code: 'quota-exceeded', message: 'x' })).toBeUndefined();
  });
});
