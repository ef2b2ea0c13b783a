/**
 * The on-device model service the onboarding and model manager use, and the protocol of the model worker that
 * serves it: WebGPU capability check, the catalog with cache state, the recommendation for this GPU, downloads with
 * progress, cache deletion, and custom models added by URL (validated, kept in IndexedDB, loaded like catalog
 * models). The page holds a thin `ModelClient` (src/agent); WebLLM and IndexedDB stay in the worker
 * (`src/workers/model.worker.ts`), which the client starts on first use, so a user of the Local server provider
 * never loads WebLLM's code.
 */
import type { Progress } from '../core/progress';

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
  /** `custom` for a model the user added by URL. */
  tier: 'default' | 'standard' | 'small' | 'custom';
  quantization: string;
  vramMB?: number;
  cached: boolean;
}

/** A custom model as the UI shows it (the fields the user entered). */
export interface CustomModelInfo {
  id: string;
  modelUrl: string;
  modelLibUrl: string;
  contextWindow?: number;
  /** GPU memory the model needs, in MB, when the user gave it. */
  vramMB?: number;
  /** WebGPU features the model needs (`shader-f16` for q4f16 builds). */
  requiredFeatures?: string[];
}

/** What the model manager's form holds: the raw field values. */
export interface CustomModelForm {
  id: string;
  modelUrl: string;
  modelLibUrl: string;
  /** Empty when the user leaves it to the model's own configuration. */
  contextWindow: string;
  /** GPU memory needed in MB; empty when unknown. */
  vramMB: string;
  /** True for builds that need WebGPU's shader-f16 feature (q4f16 quantization). */
  needsShaderF16: boolean;
}

/** The result of adding a custom model: the saved model, or one message per invalid field. */
export type AddCustomModelResult =
  { ok: true; model: CustomModelInfo } | { ok: false; fieldErrors: Record<string, string> };

/** What the UI needs for on-device models. */
export interface ModelService {
  checkCapabilities(): Promise<CapabilityReport>;
  recommend(report: CapabilityReport): Promise<{ modelId: string; reason: string }>;
  catalog(): Promise<CatalogItem[]>;
  download(
    modelId: string,
    opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
  ): Promise<void>;
  deleteModel(modelId: string): Promise<void>;
  /** The custom models the user added, sorted by id. */
  customModels(): Promise<CustomModelInfo[]>;
  /** Validates and saves a custom model; invalid fields come back with their messages and nothing is saved. */
  addCustomModel(form: CustomModelForm): Promise<AddCustomModelResult>;
  /** Forgets a custom model (its downloaded files are removed too). */
  removeCustomModel(modelId: string): Promise<void>;
  /** Fetches a custom model's manifests and returns a sentence on what was found; throws what is wrong. */
  checkCustomModel(modelId: string, opts: { signal?: AbortSignal }): Promise<string>;
}

/** The model worker's methods: `ModelService`, one method per call, with download progress. */
export type ModelRpc = {
  checkCapabilities: { params: Record<string, never>; result: CapabilityReport };
  recommend: { params: { report: CapabilityReport }; result: { modelId: string; reason: string } };
  catalog: { params: Record<string, never>; result: CatalogItem[] };
  download: { params: { modelId: string }; result: void; progress: Progress };
  deleteModel: { params: { modelId: string }; result: void };
  customModels: { params: Record<string, never>; result: CustomModelInfo[] };
  addCustomModel: { params: { form: CustomModelForm }; result: AddCustomModelResult };
  removeCustomModel: { params: { modelId: string }; result: void };
  checkCustomModel: { params: { modelId: string }; result: string };
};
