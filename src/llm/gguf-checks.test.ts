import { describe, expect, it } from 'vitest';
import { UnsupportedArchitectureError } from './cpu-engine-errors';
import { ModelTooLargeError } from './errors';
import { checkArchitecture, checkCpuMemory, estimateCpuMemoryBytes, kvCacheBytes } from './gguf-checks';

const GB = 1024 ** 3;
/** Qwen2.5-0.5B, 1.5B and 7B as their GGUF metadata describe them. */
const QWEN_05B = { blockCount: 24, headCountKv: 2, keyLength: 64, valueLength: 64, contextLength: 32768 };
const QWEN_7B = { blockCount: 28, headCountKv: 4, keyLength: 128, valueLength: 128, contextLength: 32768 };

describe('checkArchitecture', () => {
  it('accepts chat architectures llama.cpp runs', () => {
    for (const arch of ['qwen2', 'llama', 'gemma3', 'phi3', 'qwen3'])
      expect(() => checkArchitecture(arch)).not.toThrow();
  });

  it('refuses embedding and vision models, unknown architectures and files without one', () => {
    expect(() => checkArchitecture('nomic-bert')).toThrow(/not a chat model/);
    expect(() => checkArchitecture('clip')).toThrow(UnsupportedArchitectureError);
    expect(() => checkArchitecture('made-up')).toThrow(/"made-up" is not supported by the llama.cpp build/);
    expect(() => checkArchitecture(undefined)).toThrow(UnsupportedArchitectureError);
  });
});

describe('CPU memory', () => {
  it('counts the f16 KV cache of every layer', () => {
    // 24 layers × 2 KV heads × (64 + 64) × 2 bytes = 12 KiB per token.
    expect(kvCacheBytes(QWEN_05B, 4096)).toBe(24 * 2 * 128 * 2 * 4096);
  });

  it('lets a 0.5B and a 1.5B Q4_K_M model through, together too', () => {
    const small = estimateCpuMemoryBytes(QWEN_05B, 0.4 * GB, 4096);
    const medium = estimateCpuMemoryBytes({ ...QWEN_05B, blockCount: 28 }, 1.0 * GB, 4096);
    expect(checkCpuMemory([{ name: 'qwen-0.5b', neededBytes: small }], { deviceMemoryGB: 8 })).toBe(small);
    expect(() =>
      checkCpuMemory(
        [
          { name: 'a', neededBytes: small },
          { name: 'b', neededBytes: medium },
        ],
        { deviceMemoryGB: 8 },
      ),
    ).not.toThrow();
  });

  it('refuses what exceeds the 4 GB WebAssembly limit, naming the model and what to do', () => {
    const needed = estimateCpuMemoryBytes(QWEN_7B, 4.4 * GB, 4096);
    const err = (() => {
      try {
        return checkCpuMemory([{ name: 'qwen2.5-7b-instruct-q4_k_m', neededBytes: needed }], {});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ModelTooLargeError);
    expect((err as Error).message).toMatch(
      /qwen2.5-7b-instruct-q4_k_m need about 5\.\d GB .* in-browser CPU engine can address \(4\.0 GB\)\. Pick a smaller model/,
    );
  });

  it('refuses what this device cannot spare, and two role models together', () => {
    const medium = estimateCpuMemoryBytes(QWEN_05B, 1.0 * GB, 4096);
    expect(() => checkCpuMemory([{ name: 'm', neededBytes: medium }], { deviceMemoryGB: 2 })).toThrow(
      /this device can spare/,
    );
    expect(() =>
      checkCpuMemory(
        [
          { name: 'a', neededBytes: 2.5 * GB },
          { name: 'b', neededBytes: 2 * GB },
        ],
        {},
      ),
    ).toThrow(/a and b need about .* together.*Use one model for both roles/);
  });
});
