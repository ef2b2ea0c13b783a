/**
 * The on-device model service the onboarding and model manager use: WebGPU capability check, the catalog with
 * cache state, the recommendation for this GPU, downloads with progress, and cache deletion. WebLLM is large, so
 * everything here loads `src/llm` lazily: a user of the Local server provider never downloads it.
 */

/** The result of the capability check. */
export interface CapabilityReport {
  /** True when on-device models can run here. */
  ok: boolean;
  webgpu: boolean;
  shaderF16: boolean;
  /** What is missing and what to do instead, when `ok` is false. */
  message?: string;
  code?: string;
}

/** One model of the catalog as the UI lists it. */
export interface CatalogItem {
  id: string;
  family: string;
  tier: 'default' | 'standard' | 'small';
  quantization: string;
  vramMB?: number;
  cached: boolean;
}

/** Download progress: a fraction and a sentence to show. */
export interface DownloadProgress {
  fraction: number;
  text: string;
}

/** What the UI needs for on-device models. */
export interface ModelService {
  checkCapabilities(): Promise<CapabilityReport>;
  recommend(report: CapabilityReport): Promise<{ modelId: string; reason: string }>;
  catalog(): Promise<CatalogItem[]>;
  download(
    modelId: string,
    opts: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void },
  ): Promise<void>;
  deleteModel(modelId: string): Promise<void>;
}
