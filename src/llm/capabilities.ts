/**
 * Can this browser run a given on-device model? Checked before any download: secure context, WebGPU, a GPU adapter,
 * the `shader-f16` feature, the GPU limits WebLLM requires, and storage quota against the model's size. Each
 * failure is its own typed error whose message says what is wrong and what to do. The environment (a
 * navigator-like object) is injectable so every failure can be simulated in a real browser.
 */
import type { ModelRecord } from '@mlc-ai/web-llm';
import type { AppError } from '../core/errors';
import {
  GpuAdapterNotFoundError,
  GpuLimitsError,
  InsecureContextError,
  InsufficientStorageError,
  ShaderF16UnsupportedError,
  WebGpuUnavailableError,
} from './errors';
import { runtimeNavigator } from '../core/runtime';

/** The part of a `GPUAdapter` the check reads. */
export interface AdapterLike {
  features: { has(feature: string): boolean };
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxStorageBuffersPerShaderStage: number;
  };
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}

/** The environment the check runs in; `defaultCapabilityEnv()` reads the real one. */
export interface CapabilityEnv {
  isSecureContext: boolean;
  gpu?: {
    requestAdapter(options?: {
      powerPreference?: 'high-performance' | 'low-power';
    }): Promise<AdapterLike | null>;
  };
  storage?: { estimate(): Promise<{ quota?: number; usage?: number }> };
}

/** What a model needs; `CatalogEntry` satisfies it. */
export interface ModelRequirements {
  id: string;
  requiredFeatures: string[];
  /** Required `maxStorageBufferBindingSize` (WebLLM's `buffer_size_required_bytes`). */
  bufferSizeRequiredBytes?: number;
  /** Bytes still to download (exact from `tensor-cache.json` when known); else `vramMB` serves as an upper bound. */
  downloadBytes?: number;
  vramMB?: number;
  /** The q4f32_1 build to suggest when `shader-f16` is missing. */
  f32Alternative?: string;
}

/**
 * Requirements of any WebLLM record (custom models included); catalog entries already carry theirs, including
 * `shader-f16` for f16 builds, which a custom record must list in `required_features` to be checked.
 */
export function requirementsFromRecord(record: ModelRecord, downloadBytes?: number): ModelRequirements {
  return {
    id: record.model_id,
    requiredFeatures: record.required_features ?? [],
    bufferSizeRequiredBytes: record.buffer_size_required_bytes,
    vramMB: record.vram_required_MB,
    downloadBytes,
  };
}

/** What the check found. `ok` is true when `issues` is empty. */
export interface CapabilityReport {
  ok: boolean;
  issues: AppError[];
  /** Non-blocking remarks (a software adapter, an unknown quota). */
  warnings: string[];
  adapter?: {
    vendor: string;
    architecture: string;
    description: string;
    isFallbackAdapter: boolean;
    shaderF16: boolean;
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
  };
  storage?: { quotaBytes: number; usageBytes: number; freeBytes: number; neededBytes: number };
}

const MiB = 1024 * 1024;

/**
 * The limits WebLLM 0.2.86's `detectGPUDevice` insists on (it falls back to these minimums and fails below them):
 * 128 MiB storage-buffer binding, 256 MiB buffers, 32 KiB workgroup storage, 10 storage buffers per stage.
 */
export const WEBLLM_MIN_LIMITS = {
  maxStorageBufferBindingSize: 128 * MiB,
  maxBufferSize: 256 * MiB,
  maxComputeWorkgroupStorageSize: 32 * 1024,
  maxStorageBuffersPerShaderStage: 10,
} as const;

/** The real environment: `isSecureContext`, `navigator.gpu`, `navigator.storage`. */
export function defaultCapabilityEnv(): CapabilityEnv {
  const nav = (runtimeNavigator() ?? {}) as {
    gpu?: CapabilityEnv['gpu'];
    storage?: CapabilityEnv['storage'];
  };
  return { isSecureContext: globalThis.isSecureContext === true, gpu: nav.gpu, storage: nav.storage };
}

function mb(bytes: number): string {
  return `${Math.round(bytes / MiB).toLocaleString('en-US')} MB`;
}

function limitIssues(model: ModelRequirements, limits: AdapterLike['limits']): AppError[] {
  const needBinding = Math.max(
    WEBLLM_MIN_LIMITS.maxStorageBufferBindingSize,
    model.bufferSizeRequiredBytes ?? 0,
  );
  const checks: [string, number, number, (n: number) => string][] = [
    ['maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize, needBinding, mb],
    ['maxBufferSize', limits.maxBufferSize, WEBLLM_MIN_LIMITS.maxBufferSize, mb],
    [
      'maxComputeWorkgroupStorageSize',
      limits.maxComputeWorkgroupStorageSize,
      WEBLLM_MIN_LIMITS.maxComputeWorkgroupStorageSize,
      String,
    ],
    [
      'maxStorageBuffersPerShaderStage',
      limits.maxStorageBuffersPerShaderStage,
      WEBLLM_MIN_LIMITS.maxStorageBuffersPerShaderStage,
      String,
    ],
  ];
  return checks
    .filter(([, have, need]) => have < need)
    .map(
      ([name, have, need, fmt]) =>
        new GpuLimitsError(
          `This GPU's ${name} is ${fmt(have)} but ${model.id} needs at least ${fmt(need)}. Update the browser and GPU driver, choose a smaller model, or switch Provider to "Local server".`,
        ),
    );
}

/**
 * Checks whether `model` can run here, before anything is downloaded.
 * @example (await checkCapabilities(entry, { isSecureContext: true })).issues[0]?.code // => 'webgpu-unavailable'
 */
export async function checkCapabilities(
  model: ModelRequirements,
  env: CapabilityEnv = defaultCapabilityEnv(),
): Promise<CapabilityReport> {
  const issues: AppError[] = [];
  const warnings: string[] = [];
  const report: CapabilityReport = { ok: false, issues, warnings };
  if (!env.isSecureContext) {
    // WebGPU and the storage APIs are hidden outside secure contexts; the context is the one thing to fix.
    issues.push(new InsecureContextError());
    return report;
  }
  if (!env.gpu) {
    issues.push(new WebGpuUnavailableError());
  } else {
    // A throwing requestAdapter (some blocklisted drivers) means the same to the user as a null adapter.
    const adapter: AdapterLike | null = await env.gpu
      .requestAdapter({ powerPreference: 'high-performance' })
      .catch(() => null);
    if (!adapter) {
      issues.push(new GpuAdapterNotFoundError());
    } else {
      const shaderF16 = adapter.features.has('shader-f16');
      report.adapter = {
        vendor: adapter.info?.vendor ?? '',
        architecture: adapter.info?.architecture ?? '',
        description: adapter.info?.description ?? '',
        isFallbackAdapter: adapter.info?.isFallbackAdapter === true,
        shaderF16,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      };
      if (report.adapter.isFallbackAdapter) {
        warnings.push('The GPU adapter is a software fallback: models will run very slowly.');
      }
      for (const feature of model.requiredFeatures) {
        if (adapter.features.has(feature)) continue;
        issues.push(
          feature === 'shader-f16'
            ? new ShaderF16UnsupportedError(model.id, model.f32Alternative)
            : new GpuLimitsError(
                `${model.id} needs the WebGPU feature "${feature}", which this GPU does not offer. Choose another model, or switch Provider to "Local server".`,
              ),
        );
      }
      issues.push(...limitIssues(model, adapter.limits));
    }
  }
  const neededBytes = model.downloadBytes ?? (model.vramMB ?? 0) * MiB;
  if (!env.storage) {
    warnings.push('The storage quota is unknown, so the check could not confirm the model fits on disk.');
  } else {
    try {
      const { quota = 0, usage = 0 } = await env.storage.estimate();
      const freeBytes = Math.max(0, quota - usage);
      report.storage = { quotaBytes: quota, usageBytes: usage, freeBytes, neededBytes };
      if (freeBytes < neededBytes) {
        issues.push(
          new InsufficientStorageError(
            `${model.id} needs about ${mb(neededBytes)} of storage but this site may use only ${mb(freeBytes)} more. Free disk space or delete unused models in the Models page, then retry; or choose a smaller model.`,
          ),
        );
      }
    } catch {
      warnings.push(
        'The storage quota could not be read, so the check could not confirm the model fits on disk.',
      );
    }
  }
  report.ok = issues.length === 0;
  return report;
}
