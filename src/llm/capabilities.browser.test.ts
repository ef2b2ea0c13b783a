import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID, findCatalogEntry } from './catalog';
import {
  WEBLLM_MIN_LIMITS,
  checkCapabilities,
  requirementsFromRecord,
  type AdapterLike,
  type CapabilityEnv,
} from './capabilities';
import {
  GpuAdapterNotFoundError,
  GpuLimitsError,
  InsecureContextError,
  InsufficientStorageError,
  ShaderF16UnsupportedError,
  WebGpuUnavailableError,
} from './errors';

const entry = findCatalogEntry(DEFAULT_MODEL_ID);
if (!entry) throw new Error('catalog lacks the default model');
const GB = 1024 ** 3;

function adapter(features: string[], limits: Partial<AdapterLike['limits']> = {}): AdapterLike {
  return {
    features: new Set(features),
    limits: { ...WEBLLM_MIN_LIMITS, maxStorageBufferBindingSize: GB, maxBufferSize: GB, ...limits },
    info: { vendor: 'test', architecture: 'fake', description: '', isFallbackAdapter: false },
  };
}

/** A capable environment; each test breaks one thing. */
function env(over: Partial<CapabilityEnv> = {}): CapabilityEnv {
  return {
    isSecureContext: true,
    gpu: { requestAdapter: async () => adapter(['shader-f16']) },
    storage: { estimate: async () => ({ quota: 100 * GB, usage: GB }) },
    ...over,
  };
}

describe('checkCapabilities with a simulated environment', () => {
  it('passes on a capable GPU with room to spare', async () => {
    const report = await checkCapabilities(entry, env());
    expect(report.issues).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.adapter?.shaderF16).toBe(true);
  });

  it('reports a missing navigator.gpu with the browser and Local server advice', async () => {
    const report = await checkCapabilities(entry, env({ gpu: undefined }));
    expect(report.ok).toBe(false);
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toBeInstanceOf(WebGpuUnavailableError);
    expect(report.issues[0]?.message).toMatch(/Chrome or Edge 113\+.*chrome:\/\/flags.*Local server/);
  });

  it('reports a null adapter as no GPU found', async () => {
    const report = await checkCapabilities(entry, env({ gpu: { requestAdapter: async () => null } }));
    expect(report.issues[0]).toBeInstanceOf(GpuAdapterNotFoundError);
    expect(report.issues[0]?.message).toMatch(
      /no GPU adapter was found.*graphics acceleration.*Local server/,
    );
  });

  it('treats a throwing requestAdapter like a null adapter', async () => {
    const report = await checkCapabilities(
      entry,
      env({ gpu: { requestAdapter: () => Promise.reject(new Error('x')) } }),
    );
    expect(report.issues[0]).toBeInstanceOf(GpuAdapterNotFoundError);
  });

  it('suggests the q4f32_1 build when shader-f16 is missing', async () => {
    const report = await checkCapabilities(entry, env({ gpu: { requestAdapter: async () => adapter([]) } }));
    expect(report.issues).toHaveLength(1);
    const issue = report.issues[0] as ShaderF16UnsupportedError;
    expect(issue).toBeInstanceOf(ShaderF16UnsupportedError);
    expect(issue.alternativeModelId).toBe('Qwen2.5-3B-Instruct-q4f32_1-MLC');
    expect(issue.message).toMatch(/Use the q4f32_1 build \(Qwen2\.5-3B-Instruct-q4f32_1-MLC\)/);
  });

  it('does not ask for shader-f16 for the q4f32_1 build', async () => {
    const f32 = findCatalogEntry('Qwen2.5-3B-Instruct-q4f32_1-MLC');
    if (!f32) throw new Error('missing f32 build');
    const report = await checkCapabilities(f32, env({ gpu: { requestAdapter: async () => adapter([]) } }));
    expect(report.ok).toBe(true);
  });

  it('reports each GPU limit below what WebLLM requires', async () => {
    const low = adapter(['shader-f16'], {
      maxStorageBufferBindingSize: 64 * 1024 * 1024,
      maxStorageBuffersPerShaderStage: 8,
    });
    const report = await checkCapabilities(entry, env({ gpu: { requestAdapter: async () => low } }));
    expect(report.issues.map((i) => i.constructor)).toEqual([GpuLimitsError, GpuLimitsError]);
    expect(report.issues[0]?.message).toMatch(
      /maxStorageBufferBindingSize is 64 MB but .* needs at least 128 MB/,
    );
    expect(report.issues[1]?.message).toMatch(/maxStorageBuffersPerShaderStage is 8 .* at least 10/);
  });

  it('reports too little storage quota with the sizes and what to free', async () => {
    const storage = { estimate: async () => ({ quota: 2 * GB, usage: 1.5 * GB }) };
    const report = await checkCapabilities({ ...entry, downloadBytes: 1.7 * GB }, env({ storage }));
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toBeInstanceOf(InsufficientStorageError);
    expect(report.issues[0]?.message).toMatch(
      /needs about 1,741 MB .* only 512 MB more.*delete unused models/,
    );
    expect(report.storage).toMatchObject({ freeBytes: 0.5 * GB, neededBytes: 1.7 * GB });
  });

  it('reports an insecure context alone, since it hides WebGPU and storage', async () => {
    const report = await checkCapabilities(
      entry,
      env({ isSecureContext: false, gpu: undefined, storage: undefined }),
    );
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0]).toBeInstanceOf(InsecureContextError);
    expect(report.issues[0]?.message).toMatch(/https.*localhost/);
  });

  it('checks a custom record by its own required features and buffer size', async () => {
    const record = {
      model: 'https://x.org/m',
      model_id: 'custom-MLC',
      model_lib: 'https://x.org/m.wasm',
      required_features: ['shader-f16'],
      buffer_size_required_bytes: 2 * GB,
    };
    const report = await checkCapabilities(
      requirementsFromRecord(record, GB),
      env({ gpu: { requestAdapter: async () => adapter([]) } }),
    );
    expect(report.issues.map((i) => i.code)).toEqual(['shader-f16-unsupported', 'gpu-limits-too-low']);
    expect(report.issues[0]?.message).toMatch(/Choose a q4f32_1 model instead/);
    expect(report.storage?.neededBytes).toBe(GB);
  });

  it('reports several independent problems together', async () => {
    const report = await checkCapabilities(
      { ...entry, downloadBytes: 10 * GB },
      env({ gpu: undefined, storage: { estimate: async () => ({ quota: GB, usage: 0 }) } }),
    );
    expect(report.issues.map((i) => i.code)).toEqual(['webgpu-unavailable', 'storage-insufficient']);
  });
});

describe('checkCapabilities in this real Chromium', () => {
  it('gives one of the documented outcomes for the real WebGPU adapter', async () => {
    const report = await checkCapabilities(entry);
    // Headless Chromium with --enable-unsafe-webgpu may or may not expose SwiftShader's adapter.
    console.info(
      '[capabilities] real environment:',
      JSON.stringify({
        ok: report.ok,
        codes: report.issues.map((i) => i.code),
        adapter: report.adapter,
        warnings: report.warnings,
      }),
    );
    expect(window.isSecureContext).toBe(true);
    const allowed = [
      'webgpu-unavailable',
      'gpu-adapter-not-found',
      'shader-f16-unsupported',
      'gpu-limits-too-low',
      'storage-insufficient',
    ];
    for (const issue of report.issues) expect(allowed).toContain(issue.code);
    if (report.adapter) {
      expect(report.issues.map((i) => i.code)).not.toContain('gpu-adapter-not-found');
      expect(report.adapter.shaderF16).toBe(report.issues.every((i) => i.code !== 'shader-f16-unsupported'));
    } else {
      expect(
        report.issues
          .map((i) => i.code)
          .some((c) => c === 'webgpu-unavailable' || c === 'gpu-adapter-not-found'),
      ).toBe(true);
    }
    expect(report.storage?.quotaBytes).toBeGreaterThan(0);
  });
});
