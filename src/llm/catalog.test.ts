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
} from './catalog';
import { ModelTooLargeError } from './errors';

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

describe('role models in VRAM together', () => {
  const vram = (id: string) => findCatalogEntry(id)?.vramMB;

  it('counts a model shared by both roles once', () => {
    const a = { manager: DEFAULT_MODEL_ID, answer: DEFAULT_MODEL_ID };
    expect(modelsToLoad(a)).toEqual([DEFAULT_MODEL_ID]);
    expect(checkRolesFitTogether(a, vram, vram(DEFAULT_MODEL_ID) ?? 0).totalMB).toBe(vram(DEFAULT_MODEL_ID));
  });

  it('refuses two different models whose VRAM needs exceed the budget, naming both', () => {
    const a = { manager: DEFAULT_MODEL_ID, answer: 'Llama-3.2-3B-Instruct-q4f16_1-MLC' };
    const budget = (vram(DEFAULT_MODEL_ID) ?? 0) + 1;
    expect(() => checkRolesFitTogether(a, vram, budget)).toThrow(ModelTooLargeError);
    expect(() => checkRolesFitTogether(a, vram, budget)).toThrow(
      /Llama-3\.2-3B.*Use one model for both roles/,
    );
  });

  it('accepts two models that fit and lists models of unknown size', () => {
    const a = { manager: DEFAULT_MODEL_ID, answer: 'my-custom' };
    expect(checkRolesFitTogether(a, vram, 100_000)).toEqual({
      totalMB: vram(DEFAULT_MODEL_ID),
      unknown: ['my-custom'],
    });
  });
});
