/**
 * The `ModelService` for on-device models, backed by `src/llm` (capability check, WebLLM catalog, downloads into
 * WebLLM's cache, cache listing and deletion). Every `src/llm` module is imported on first use, so WebLLM's code is
 * only fetched once the user actually looks at on-device models.
 */
import type { CapabilityReport, CatalogItem, DownloadProgress, ModelService } from './model-service';

/** On-device models through WebLLM (see the module comment). */
export class WebLlmModelService implements ModelService {
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
    const [{ catalog }, { listCachedModels }, { prebuiltAppConfig }] = await Promise.all([
      import('../llm/catalog'),
      import('../llm/webllm-loader'),
      import('@mlc-ai/web-llm'),
    ]);
    const cached = await listCachedModels(prebuiltAppConfig).catch(() => []);
    return catalog.map((e) => ({
      id: e.id,
      family: e.family,
      tier: e.tier,
      quantization: e.quantization,
      vramMB: e.vramMB,
      cached: cached.some((c) => c.modelId === e.id && c.availableOffline),
    }));
  }

  async download(
    modelId: string,
    opts: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void },
  ): Promise<void> {
    const [{ findRecord }, { downloadModel }, { prebuiltAppConfig }] = await Promise.all([
      import('../llm/webllm-loader'),
      import('../llm/model-download'),
      import('@mlc-ai/web-llm'),
    ]);
    await downloadModel(findRecord(modelId, prebuiltAppConfig), {
      signal: opts.signal,
      onProgress: (p) => opts.onProgress?.({ fraction: p.fraction, text: p.text }),
    });
  }

  async deleteModel(modelId: string): Promise<void> {
    const [{ deleteCachedModel }, { prebuiltAppConfig }] = await Promise.all([
      import('../llm/webllm-loader'),
      import('@mlc-ai/web-llm'),
    ]);
    await deleteCachedModel(modelId, prebuiltAppConfig);
  }
}
