import { describe, expect, it } from 'vitest';
import { prebuiltAppConfig } from '@mlc-ai/web-llm';
import {
  DEFAULT_MODEL_ID,
  buildCatalog,
  catalog,
  checkRolesFitTogether,
  defaultAssignment,
  findCatalogEntry,
  modelsToLoad,
  recommendModel,
  TWO_MODELS_WARNING_MB,
} from './catalog';

const prebuilt = (id: string) => prebuiltAppConfig.model_list.find((r) => r.model_id === id);

describe('catalog derived from WebLLM prebuiltAppConfig', () => {
  it('finds every wanted model in the installed WebLLM config', () => {
    const { entries, missing } = buildCatalog();
    expect(missing).toEqual([]);
    expect(entries.map((e) => e.id).sort()).toEqual(
      [
        'Qwen2.5-3B-Instruct-q4f16_1-MLC',
        'Qwen2.5-3B-Instruct-q4f32_1-MLC',
        'Llama-3.2-3B-Instruct-q4f16_1-MLC',
        'Llama-3.2-3B-Instruct-q4f32_1-MLC',
        'Qwen2.5-1.5B-Instruct-q4f16_1-MLC',
        'Qwen2.5-1.5B-Instruct-q4f32_1-MLC',
        'Llama-3.2-1B-Instruct-q4f16_1-MLC',
        'Llama-3.2-1B-Instruct-q4f32_1-MLC',
        'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
        'Qwen2.5-0.5B-Instruct-q4f32_1-MLC',
      ].sort(),
    );
  });

  it('reads VRAM, low-resource flag, context size and features from the WebLLM record itself', () => {
    for (const entry of catalog) {
      const record = prebuilt(entry.id);
      expect(record).toBeDefined();
      expect(entry.record).toBe(record);
      expect(entry.vramMB).toBe(record?.vram_required_MB);
      expect(entry.lowResource).toBe(record?.low_resource_required === true);
      expect(entry.contextWindow).toBe(record?.overrides?.context_window_size);
      for (const f of record?.required_features ?? []) expect(entry.requiredFeatures).toContain(f);
    }
  });

  it('marks f16 builds as needing shader-f16 and points them at their f32 build', () => {
    const f16 = findCatalogEntry(DEFAULT_MODEL_ID);
    expect(f16?.requiredFeatures).toContain('shader-f16');
    expect(f16?.f32Alternative).toBe('Qwen2.5-3B-Instruct-q4f32_1-MLC');
    expect(findCatalogEntry('Qwen2.5-3B-Instruct-q4f32_1-MLC')?.requiredFeatures).not.toContain('shader-f16');
  });

  it('reports ids a config lacks instead of inventing records', () => {
    const { entries, missing } = buildCatalog({
      model_list: prebuiltAppConfig.model_list.filter((r) => !r.model_id.startsWith('Llama-3.2-1B')),
    });
    expect(missing).toEqual(['Llama-3.2-1B-Instruct-q4f16_1-MLC', 'Llama-3.2-1B-Instruct-q4f32_1-MLC']);
    expect(entries).toHaveLength(8);
  });
});

describe('recommendModel', () => {
  it('recommends Qwen2.5-3B q4f16_1 for both roles on a GPU with shader-f16', () => {
    expect(recommendModel({ shaderF16: true }).modelId).toBe('Qwen2.5-3B-Instruct-q4f16_1-MLC');
    expect(defaultAssignment({ shaderF16: true })).toEqual({
      manager: 'Qwen2.5-3B-Instruct-q4f16_1-MLC',
      answer: 'Qwen2.5-3B-Instruct-q4f16_1-MLC',
    });
  });

  it('recommends the q4f32_1 build when the GPU lacks shader-f16', () => {
    const r = recommendModel({ shaderF16: false });
    expect(r.modelId).toBe('Qwen2.5-3B-Instruct-q4f32_1-MLC');
    expect(r.reason).toMatch(/shader-f16/);
  });

  it('steps down to a smaller model when the VRAM budget is below the default model', () => {
    const default3b = findCatalogEntry(DEFAULT_MODEL_ID)?.vramMB ?? 0;
    const small = findCatalogEntry('Qwen2.5-1.5B-Instruct-q4f16_1-MLC')?.vramMB ?? 0;
    expect(recommendModel({ shaderF16: true, vramBudgetMB: (default3b + small) / 2 }).modelId).toBe(
      'Qwen2.5-1.5B-Instruct-q4f16_1-MLC',
    );
    expect(recommendModel({ shaderF16: true, vramBudgetMB: 1 }).modelId).toBe(
      'Qwen2.5-0.5B-Instruct-q4f16_1-MLC',
    );
  });
});

describe('role models in GPU memory together', () => {
  const vram = (id: string) => findCatalogEntry(id)?.vramMB;
  const LLAMA_3B = 'Llama-3.2-3B-Instruct-q4f16_1-MLC';
  const LLAMA_1B = 'Llama-3.2-1B-Instruct-q4f16_1-MLC';

  it('counts a model shared by both roles once and never warns about it', () => {
    const a = { manager: DEFAULT_MODEL_ID, answer: DEFAULT_MODEL_ID };
    expect(modelsToLoad(a)).toEqual([DEFAULT_MODEL_ID]);
    expect(checkRolesFitTogether(a, vram, 1)).toEqual({
      modelIds: [DEFAULT_MODEL_ID],
      totalMB: vram(DEFAULT_MODEL_ID),
      unknown: [],
    });
  });

  it('keeps every single catalog model below the warning threshold', () => {
    for (const e of catalog) expect(e.vramMB ?? 0).toBeLessThan(TWO_MODELS_WARNING_MB);
  });

  it('warns, without refusing, when two different models need more than the threshold together', () => {
    const fit = checkRolesFitTogether({ manager: DEFAULT_MODEL_ID, answer: LLAMA_3B }, vram);
    const total = (vram(DEFAULT_MODEL_ID) ?? 0) + (vram(LLAMA_3B) ?? 0);
    expect(total).toBeGreaterThan(TWO_MODELS_WARNING_MB);
    expect(fit).toMatchObject({ modelIds: [DEFAULT_MODEL_ID, LLAMA_3B], totalMB: total, unknown: [] });
    expect(fit.warning).toBe(
      `The two models need about ${(total / 1024).toFixed(1)} GB of GPU memory together; if loading fails, use one model for both roles or smaller models.`,
    );
  });

  it('does not warn about two models that stay below the threshold', () => {
    const fit = checkRolesFitTogether({ manager: DEFAULT_MODEL_ID, answer: LLAMA_1B }, vram);
    expect(fit.totalMB).toBeLessThanOrEqual(TWO_MODELS_WARNING_MB);
    expect(fit.warning).toBeUndefined();
  });

  it('counts an unknown need as unknown: warns that it is unknown, or that the known part is already too much', () => {
    const small = checkRolesFitTogether({ manager: LLAMA_1B, answer: 'my-custom' }, vram);
    expect(small).toMatchObject({ totalMB: vram(LLAMA_1B), unknown: ['my-custom'] });
    expect(small.warning).toMatch(
      /^The GPU memory needed by my-custom is unknown.*use one model for both roles/,
    );
    const large = checkRolesFitTogether({ manager: DEFAULT_MODEL_ID, answer: 'my-custom' }, vram, 1000);
    expect(large.warning).toMatch(/^The two models need more than 2\.4 GB of GPU memory together/);
  });
});
