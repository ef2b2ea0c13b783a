import { describe, expect, it } from 'vitest';
import { WebLlmModelService } from './webllm-model-service';

function dbName(): string {
  return `model-service-test-${crypto.randomUUID()}`;
}

const model = {
  id: 'Memory-R1-Manager-3B-q4f32_1-MLC',
  modelUrl: 'https://huggingface.co/me/memory-r1-manager-MLC',
  modelLibUrl: 'https://huggingface.co/me/libs/resolve/main/Qwen2.5-3B-Instruct-q4f32_1-webgpu.wasm',
  contextWindow: 4096,
};

describe('WebLlmModelService custom models', () => {
  const form = {
    id: model.id,
    modelUrl: model.modelUrl,
    modelLibUrl: model.modelLibUrl,
    contextWindow: '4096',
    vramMB: '',
    needsShaderF16: false,
  };

  it('saves a valid custom model, lists it in the catalog and removes it', async () => {
    const service = new WebLlmModelService(dbName());
    expect(await service.addCustomModel(form)).toEqual({ ok: true, model });
    expect(await service.customModels()).toEqual([model]);
    const item = (await service.catalog()).find((m) => m.id === model.id);
    expect(item).toMatchObject({ id: model.id, tier: 'custom', cached: false });
    await service.removeCustomModel(model.id);
    expect(await service.customModels()).toEqual([]);
    expect((await service.catalog()).some((m) => m.id === model.id)).toBe(false);
  });

  it('returns a message per invalid field and saves nothing', async () => {
    const service = new WebLlmModelService(dbName());
    const result = await service.addCustomModel({
      id: 'bad id!',
      modelUrl: 'http://example.org/m',
      modelLibUrl: 'https://x.org/lib.js',
      contextWindow: 'lots',
      vramMB: '-5',
      needsShaderF16: false,
    });
    expect(result.ok).toBe(false);
    expect(Object.keys(result.ok ? {} : result.fieldErrors).sort()).toEqual([
      'contextWindow',
      'id',
      'modelLibUrl',
      'modelUrl',
      'vramMB',
    ]);
    expect(await service.customModels()).toEqual([]);
  });

  it('keeps the GPU memory need and the shader-f16 requirement in the record', async () => {
    const service = new WebLlmModelService(dbName());
    const needs = { vramMB: 2500, requiredFeatures: ['shader-f16'] };
    expect(await service.addCustomModel({ ...form, vramMB: ' 2500 ', needsShaderF16: true })).toEqual({
      ok: true,
      model: { ...model, ...needs },
    });
    expect(await service.customModels()).toEqual([{ ...model, ...needs }]);
    expect((await service.catalog()).find((m) => m.id === model.id)).toMatchObject({ vramMB: 2500 });
  });

  it('refuses an id the catalog or another custom model already uses', async () => {
    const service = new WebLlmModelService(dbName());
    const [catalogId] = (await service.catalog()).map((m) => m.id);
    expect(await service.addCustomModel({ ...form, id: catalogId ?? '' })).toMatchObject({
      ok: false,
      fieldErrors: { id: expect.stringMatching(/already in use/) },
    });
    await service.addCustomModel(form);
    expect(await service.addCustomModel(form)).toMatchObject({ ok: false });
    expect(await service.customModels()).toHaveLength(1);
  });
});
