// <mr-model-manager> in Chromium with the real model service (its own IndexedDB database): the custom model form's
// GPU memory field and shader-f16 box, found by role and name as the end-to-end tests find the form's fields.
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { DEFAULT_SETTINGS } from '../protocol/settings';
import { mountView, removeViews } from './fixtures/mount-view';
import { MrModelManager } from './mr-model-manager';
import { WebLlmModelService } from '../workers/webllm-model-service';

if (!customElements.get('mr-model-manager')) customElements.define('mr-model-manager', MrModelManager);

afterEach(removeViews);

/** Renders the model manager over a model service with an empty database of its own. */
async function mount(): Promise<{ element: MrModelManager; service: WebLlmModelService }> {
  const service = new WebLlmModelService(`model-manager-test-${crypto.randomUUID()}`);
  const { element } = await mountView('mr-model-manager', DEFAULT_SETTINGS, { models: service });
  return { element, service };
}

const form = page.getByRole('region', { name: 'Add custom model' });
const modelId = form.getByRole('textbox', { name: 'Model ID' });
const modelUrl = form.getByRole('textbox', { name: 'Model URL' });
const libUrl = form.getByRole('textbox', { name: 'Model library URL' });
const vram = form.getByRole('textbox', { name: 'GPU memory needed (MB)' });
const shaderF16 = form.getByRole('checkbox', { name: 'Needs shader-f16 (q4f16 builds)' });

describe('<mr-model-manager> custom model form', () => {
  it('ticks shader-f16 for a q4f16 build until the user sets the box', async () => {
    await mount();
    await expect.element(shaderF16).not.toBeChecked();
    await modelId.fill('Memory-R1-3B-q4f16_1-MLC');
    await expect.element(shaderF16).toBeChecked();
    await modelId.fill('Memory-R1-3B-q4f32_1-MLC');
    await expect.element(shaderF16).not.toBeChecked();
    await libUrl.fill('https://huggingface.co/me/libs/resolve/main/Qwen2.5-3B-Instruct-q4f16_1-webgpu.wasm');
    await expect.element(shaderF16).toBeChecked();

    await shaderF16.click();
    await expect.element(shaderF16).not.toBeChecked();
    await modelUrl.fill('https://huggingface.co/me/memory-r1-q4f16_1-MLC');
    await expect.element(shaderF16).not.toBeChecked();
  });

  it('refuses a bad GPU memory beside its field, then saves both in the record', async () => {
    const { element, service } = await mount();
    const id = 'Memory-R1-Test-3B-q4f16_1-MLC';
    await modelId.fill(id);
    await modelUrl.fill('https://huggingface.co/me/memory-r1-test-MLC');
    await libUrl.fill('https://huggingface.co/me/libs/resolve/main/Qwen2.5-3B-Instruct-q4f16_1-webgpu.wasm');
    await vram.fill('lots');
    await form.getByRole('button', { name: 'Add model' }).click();
    await expect.element(vram).toHaveAttribute('aria-invalid', 'true');
    await expect
      .element(vram)
      .toHaveAccessibleDescription(/^GPU memory needed \(MB\) must be a number of megabytes/);
    await expect.poll(() => element.shadowRoot?.activeElement?.id).toBe('custom-vramMB');
    expect(await service.customModels()).toEqual([]);

    await vram.fill('2500');
    await form.getByRole('button', { name: 'Add model' }).click();
    await expect.element(form.getByRole('status')).toHaveTextContent(`Added ${id}`);
    expect(await service.customModels()).toMatchObject([
      { id, vramMB: 2500, requiredFeatures: ['shader-f16'] },
    ]);
    await expect.element(vram).toHaveValue('');
    await expect.element(vram).toHaveAttribute('aria-invalid', 'false');
    await expect.element(shaderF16).not.toBeChecked();
  });
});
