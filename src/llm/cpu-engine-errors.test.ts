import { describe, expect, it } from 'vitest';
import { CpuEngineError, normalizeCpuEngineError, UnsupportedArchitectureError } from './cpu-engine-errors';
import { ContextWindowExceededError, ModelTooLargeError } from './errors';

describe('normalizeCpuEngineError', () => {
  it("reads an unknown architecture from llama.cpp's log", () => {
    const err = normalizeCpuEngineError(new Error('Error while loading'), [
      "llama_model_load: error loading model: unknown model architecture: 'foo2'",
    ]);
    expect(err).toBeInstanceOf(UnsupportedArchitectureError);
    expect((err as UnsupportedArchitectureError).architecture).toBe('foo2');
  });

  it('turns a failed allocation into ModelTooLargeError and a full context into ContextWindowExceededError', () => {
    expect(normalizeCpuEngineError(new Error('RuntimeError: Aborted(OOM)'))).toBeInstanceOf(
      ModelTooLargeError,
    );
    expect(
      normalizeCpuEngineError(new Error('x'), [
        'ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer',
      ]),
    ).toBeInstanceOf(ModelTooLargeError);
    expect(normalizeCpuEngineError({ message: 'no room', type: 'kv_cache_full' })).toBeInstanceOf(
      ContextWindowExceededError,
    );
  });

  it('keeps aborts as AbortError and typed errors as they are', () => {
    const abort = new DOMException('stop', 'AbortError');
    expect(normalizeCpuEngineError(abort)).toBe(abort);
    const typed = new ModelTooLargeError();
    expect(normalizeCpuEngineError(typed)).toBe(typed);
  });

  it("explains anything else with llama.cpp's last message rather than the stack wllama logged after it", () => {
    const err = normalizeCpuEngineError(new RangeError('Invalid typed array length: 1163217991'), [
      'failed to parse grammar',
      'Stack trace (exception):',
      '    at runAction (blob:…)',
    ]);
    expect(err).toBeInstanceOf(CpuEngineError);
    expect(err.message).toMatch(/failed: failed to parse grammar \(Invalid typed array length/);
    expect(err.message).toMatch(/choose another GGUF model/);
  });
});
