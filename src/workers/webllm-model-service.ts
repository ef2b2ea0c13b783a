/**
 * The `ModelService` the model worker serves (`model.worker.ts`), backed by `src/llm` (capability check, WebLLM
 * catalog, downloads into WebLLM's cache, cache listing and deletion) and `src/store` (custom models added by URL,
 * kept in IndexedDB so the memory worker loads them too). Every `src/llm` module is imported on first use.
 */
import type { AppConfig } from '@mlc-ai/web-llm';
import type { Progress } from '../core/progress';
import type { CustomModel } from '../core/custom-model-schema';
import type { IndexedDbCustomModelStore } from '../store/indexeddb/indexeddb-custom-models';
import type {
  AddCustomModelResult,
  CapabilityReport,
  CatalogItem,
  CustomModelForm,
  CustomModelInfo,
  ModelService,
} from '../protocol/model-protocol';

/** On-device models through WebLLM (see the module comment). */
export class WebLlmModelService implements ModelService {
  /** `dbName` is the app database holding custom models (tests use their own). */
  constructor(private readonly dbName?: string) {}

  async checkCapabilities(): Promise<CapabilityReport> {
    const [{ checkCapabilities }, { catalog, DEFAULT_MODEL_ID, findCatalogEntry }] = await Promise.all([
      import('../llm/capabilities'),
      import('../llm/catalog'),
    ]);
    // Check against the smallest f32 build first: what matters here is whether WebGPU works at all.
    const entry = findCatalogEntry(DEFAULT_MODEL_ID) ?? catalog[0];
    if (!entry) {
      return {
        ok: false,
        webgpu: false,
        shaderF16: false,
        message: 'The model catalog is empty.',
        code: 'catalog-empty',
      };
    }
    const report = await checkCapabilities({ ...entry, requiredFeatures: [], vramMB: 0 });
    const issue = report.issues[0];
    return {
      ok: report.ok,
      webgpu: report.adapter !== undefined,
      shaderF16: report.adapter?.shaderF16 ?? false,
      message: issue?.message ?? report.warnings[0],
      code: issue?.code,
    };
  }

  async recommend(report: CapabilityReport): Promise<{ modelId: string; reason: string }> {
    const { recommendModel } = await import('../llm/catalog');
    return recommendModel({ shaderF16: report.shaderF16 });
  }

  async catalog(): Promise<CatalogItem[]> {
    const [{ catalog }, { listCachedModels }, custom] = await Promise.all([
      import('../llm/catalog'),
      import('../llm/webllm-loader'),
      this.readCustom(),
    ]);
    const appConfig = await this.appConfig(custom);
    const cached = await listCachedModels(appConfig).catch(() => []);
    const isCached = (id: string): boolean => cached.some((c) => c.modelId === id && c.availableOffline);
    return [
      ...catalog.map((e) => ({
        id: e.id,
        family: e.family,
        tier: e.tier,
        quantization: e.quantization,
        vramMB: e.vramMB,
        cached: isCached(e.id),
      })),
      ...custom.map((m) => ({
        id: m.id,
        family: m.id,
        tier: 'custom' as const,
        quantization: 'custom',
        vramMB: m.vramMB,
        cached: isCached(m.id),
      })),
    ];
  }

  async download(
    modelId: string,
    opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
  ): Promise<void> {
    const [{ findRecord }, { downloadModel }, appConfig] = await Promise.all([
      import('../llm/webllm-loader'),
      import('../llm/model-download'),
      this.appConfig(),
    ]);
    await downloadModel(findRecord(modelId, appConfig), {
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ fraction: p.fraction, text: p.text }),
    });
  }

  async deleteModel(modelId: string): Promise<void> {
    const [{ deleteCachedModel }, appConfig] = await Promise.all([
      import('../llm/webllm-loader'),
      this.appConfig(),
    ]);
    await deleteCachedModel(modelId, appConfig);
  }

  async customModels(): Promise<CustomModelInfo[]> {
    return this.readCustom();
  }

  async addCustomModel(form: CustomModelForm): Promise<AddCustomModelResult> {
    const [{ customModelFieldErrors, parseCustomModel }, { catalog }, custom] = await Promise.all([
      import('../llm/custom-model'),
      import('../llm/catalog'),
      this.readCustom(),
    ]);
    const window = form.contextWindow.trim();
    const vram = form.vramMB.trim();
    const input = {
      id: form.id,
      modelUrl: form.modelUrl,
      modelLibUrl: form.modelLibUrl,
      ...(window !== '' && { contextWindow: Number(window) }),
      ...(vram !== '' && { vramMB: Number(vram) }),
      ...(form.needsShaderF16 && { requiredFeatures: ['shader-f16'] }),
    };
    const taken = [...catalog.map((e) => e.id), ...custom.map((m) => m.id)];
    const fieldErrors = customModelFieldErrors(input, taken);
    if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
    const model = parseCustomModel(input, taken);
    await this.withStore((store) => store.put(model));
    return { ok: true, model };
  }

  async removeCustomModel(modelId: string): Promise<void> {
    const [{ deleteCachedModel }, custom] = await Promise.all([
      import('../llm/webllm-loader'),
      this.readCustom(),
    ]);
    if (!custom.some((m) => m.id === modelId)) return;
    // Files first: once the record is gone the app no longer knows which cached files were this model's. A failed
    // delete keeps the record, so the user can retry.
    await deleteCachedModel(modelId, await this.appConfig(custom));
    await this.withStore((store) => store.delete(modelId));
  }

  async checkCustomModel(modelId: string, opts: { signal?: AbortSignal }): Promise<string> {
    const [{ checkCustomModelFiles }, { CustomModelError }, custom] = await Promise.all([
      import('../llm/custom-model'),
      import('../llm/errors'),
      this.readCustom(),
    ]);
    const model = custom.find((m) => m.id === modelId);
    if (!model) throw new CustomModelError(`There is no custom model "${modelId}". Add it again.`);
    const report = await checkCustomModelFiles(model, { signal: opts.signal });
    const mb = Math.round(report.weightBytes / 1_048_576).toLocaleString();
    return `Found ${report.shards} weight shards (${mb} MB) at ${report.baseUrl}; context window ${report.contextWindow.toLocaleString()} tokens.`;
  }

  private async readCustom(): Promise<CustomModel[]> {
    const { readCustomModels } = await import('../store/indexeddb/indexeddb-custom-models');
    return readCustomModels(this.dbName);
  }

  private async withStore(action: (store: IndexedDbCustomModelStore) => Promise<void>): Promise<void> {
    const { IndexedDbCustomModelStore } = await import('../store/indexeddb/indexeddb-custom-models');
    const store = await IndexedDbCustomModelStore.open(this.dbName);
    try {
      await action(store);
    } finally {
      store.close();
    }
  }

  /** WebLLM's prebuilt models plus the custom ones. */
  private async appConfig(custom?: CustomModel[]): Promise<AppConfig> {
    const [{ prebuiltAppConfig }, { withCustomModels }, models] = await Promise.all([
      import('@mlc-ai/web-llm'),
      import('../llm/custom-model'),
      custom ?? this.readCustom(),
    ]);
    return withCustomModels(prebuiltAppConfig, models);
  }
}
