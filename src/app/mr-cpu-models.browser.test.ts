// The On-device (CPU) provider in the UI, in Chromium with a scripted CpuModelService (the real one is tested in
// src/client/cpu-models-client.browser.test.ts): Settings offers the provider with its model field and says whether
// llama.cpp runs multi- or single-threaded; the model manager lists the catalog and cached GGUFs with sizes,
// resumes, deletes, uses one, and shows the engine's error for a URL that is not a GGUF; onboarding without WebGPU
// offers the CPU with a speed hint and sets it up after the download.
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { CPU_CATALOG, DEFAULT_CPU_MODEL_ID } from '../protocol/cpu-catalog';
import { cpuModelItems, type CpuModelService } from '../agent/cpu-models-client';
import { SINGLE_THREAD_NOTICE, type CpuThreading } from '../core/cpu-threads';
import { DEFAULT_SETTINGS, type Settings } from '../protocol/settings';
import { mountView, noWebGpuModels, removeViews } from './fixtures/mount-view';
import { MrCpuModels } from './mr-cpu-models';
import { MrOnboarding } from './mr-onboarding';
import { MrSettings } from './mr-settings';

for (const [tag, ctor] of [
  ['mr-settings', MrSettings],
  ['mr-onboarding', MrOnboarding],
  ['mr-cpu-models', MrCpuModels],
] as const) {
  if (!customElements.get(tag)) customElements.define(tag, ctor);
}

const CUSTOM = 'https://huggingface.co/me/memory-r1/resolve/main/memory-r1-answer-q4_k_m.gguf';
const MB = 1024 * 1024;

/** A scripted CPU model service: one partial catalog download and one complete custom GGUF in the "cache". */
class FakeCpuModels implements CpuModelService {
  readonly calls: string[] = [];
  failWith?: Error;
  cached = [
    { url: CPU_CATALOG[0]?.url ?? '', cachedBytes: 64 * MB, totalBytes: 491 * MB, availableOffline: false },
    {
      url: CUSTOM,
      cachedBytes: 900 * MB,
      totalBytes: 900 * MB,
      availableOffline: true,
      architecture: 'qwen2',
    },
  ];
  constructor(private readonly threads: CpuThreading) {}
  models = async () => cpuModelItems(this.cached);
  async download(
    choice: string,
    opts: { onProgress?: (p: { phase: 'download'; fraction: number; text: string }) => void },
  ) {
    this.calls.push(`download ${choice}`);
    opts.onProgress?.({ phase: 'download', fraction: 0.5, text: 'Downloading 245 MB of 491 MB' });
    if (this.failWith) throw this.failWith;
  }
  async remove(choice: string) {
    this.calls.push(`remove ${choice}`);
    this.cached = this.cached.filter((c) => c.url !== choice);
  }
  threading = () => this.threads;
}

afterEach(removeViews);

/** Renders `tag` over `cpu`, on a browser without WebGPU. */
const mount = (
  tag: 'mr-settings' | 'mr-onboarding' | 'mr-cpu-models',
  settings: Settings,
  cpu: CpuModelService,
) => mountView(tag, settings, { cpu, models: noWebGpuModels });

const TWO_THREADS: CpuThreading = { threads: 2, multiThread: true };
const ONE_THREAD: CpuThreading = { threads: 1, multiThread: false, notice: SINGLE_THREAD_NOTICE };

describe('Settings with the On-device (CPU) provider', () => {
  it('offers the provider, its model field and says the engine is multi-threaded', async () => {
    const { saved } = await mount(
      'mr-settings',
      { ...DEFAULT_SETTINGS, onboarded: true },
      new FakeCpuModels(TWO_THREADS),
    );
    await page.getByRole('combobox', { name: 'Provider' }).selectOptions('On-device (CPU)');
    const model = page.getByRole('combobox', { name: 'CPU model' });
    await expect.element(model).toHaveAccessibleDescription(/URL of a \.gguf file/);
    await expect.element(page.getByText('Multi-threaded: llama.cpp runs on 2 threads')).toBeVisible();

    await model.fill('https://example.com/m.gguf');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.element(model).toHaveAttribute('aria-invalid', 'true');
    await expect.element(model).toHaveAccessibleDescription(/Hugging Face or this machine/);
    expect(saved).toEqual([]);

    await model.fill(CUSTOM.replace('/resolve/', '/blob/'));
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => saved).toMatchObject([{ provider: 'cpu', cpuModel: CUSTOM, onboarded: true }]);
  });

  it('says once, beside the model, why it runs on one thread when the page is not isolated', async () => {
    await mount(
      'mr-settings',
      { ...DEFAULT_SETTINGS, provider: 'cpu', onboarded: true },
      new FakeCpuModels(ONE_THREAD),
    );
    const notice = page.getByText(/Single-threaded: This page is not cross-origin isolated/);
    await expect.element(notice).toBeVisible();
    expect(notice.elements()).toHaveLength(1);
  });
});

describe('<mr-cpu-models>', () => {
  it('lists the catalog with sizes and the cached GGUFs, resumes, uses and deletes', async () => {
    const cpu = new FakeCpuModels(TWO_THREADS);
    const { saved } = await mount(
      'mr-cpu-models',
      { ...DEFAULT_SETTINGS, provider: 'cpu', onboarded: true },
      cpu,
    );
    const list = page.getByRole('list', { name: 'CPU models' });
    await expect
      .element(list.getByRole('listitem').nth(CPU_CATALOG.length))
      .toHaveTextContent(/memory-r1-answer-q4_k_m.*custom.*Downloaded.*900 MB download · qwen2/);
    await expect
      .element(list.getByRole('listitem').first())
      .toHaveTextContent(/491 MB download · 650 MB memory/);
    await expect.element(list.getByRole('listitem').first()).toHaveTextContent(/In use/);

    await page.getByRole('button', { name: `Resume download of ${DEFAULT_CPU_MODEL_ID}` }).click();
    await expect.poll(() => cpu.calls).toContain(`download ${DEFAULT_CPU_MODEL_ID}`);

    await page.getByRole('button', { name: 'Use memory-r1-answer-q4_k_m' }).click();
    expect(saved).toMatchObject([{ provider: 'cpu', cpuModel: CUSTOM }]);

    await page.getByRole('button', { name: 'Delete memory-r1-answer-q4_k_m' }).click();
    await expect.poll(() => cpu.calls).toContain(`remove ${CUSTOM}`);
    await expect.element(list.getByRole('listitem')).toHaveLength(CPU_CATALOG.length);
  });

  it("shows the engine's message when a URL is not a GGUF", async () => {
    const cpu = new FakeCpuModels(TWO_THREADS);
    cpu.failWith = Object.assign(
      new Error('The file at https://huggingface.co/x is a web page, not a GGUF model.'),
      { name: 'NotGgufError' },
    );
    await mount('mr-cpu-models', { ...DEFAULT_SETTINGS, onboarded: true }, cpu);
    await page.getByRole('textbox', { name: 'Add a GGUF by URL' }).fill('https://huggingface.co/x');
    await page.getByRole('button', { name: 'Check and download' }).click();
    await expect.element(page.getByRole('alert')).toHaveTextContent(/a web page, not a GGUF model/);
  });
});

describe('onboarding without WebGPU', () => {
  it('offers the CPU with a speed hint, downloads the smallest model and sets the provider up', async () => {
    const cpu = new FakeCpuModels(ONE_THREAD);
    const { saved } = await mount('mr-onboarding', DEFAULT_SETTINGS, cpu);
    await expect.element(page.getByText(/Honest speed hint: a CPU is far slower than a GPU/)).toBeVisible();
    await expect.element(page.getByText(/only one thread here/)).toBeVisible();
    await page.getByRole('button', { name: /and use the CPU/ }).click();
    await page.getByRole('button', { name: 'Start chatting on the CPU' }).click();
    expect(cpu.calls).toEqual([`download ${DEFAULT_CPU_MODEL_ID}`]);
    expect(saved).toMatchObject([{ provider: 'cpu', cpuModel: DEFAULT_CPU_MODEL_ID, onboarded: true }]);
  });
});
