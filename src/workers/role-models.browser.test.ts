import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfig, InitProgressCallback } from '@mlc-ai/web-llm';
import { InsufficientStorageError, ModelTooLargeError } from '../llm/errors';
import { deleteCachedModel } from '../llm/webllm-loader';
import { pairA, pairAppConfig, pairB, pairFetch } from '../llm/fixtures/tiny-pair';
import { DEFAULT_SETTINGS } from '../protocol/settings';
import { USE_LITE_DIMS, USE_LITE_ID, UseLiteEmbedder } from '../embed/use-lite-embedder';
import { USE_LITE_CACHE } from '../embed/use-lite-files';
import type { Progress } from '../core/progress';
import { createEmbedder, loadRoleModels, type RoleEngine } from './role-models';

/** What happened, in order: quota reads, weight downloads, engine reloads. */
type Step = 'quota' | 'download' | 'reload';

/** A WebLLM engine that loads nothing: records reloads, reports one progress step, or rejects as told. */
class FakeEngine implements RoleEngine {
  reloads: string[][] = [];
  /** What `reload` rejects with, as WebLLM's worker client does (a string). */
  failWith?: string;
  private progress?: InitProgressCallback;
  readonly chat = {
    completions: {
      create: (): Promise<never> => Promise.reject(new Error('The fake engine does not generate.')),
    },
  };
  constructor(private readonly steps: Step[]) {}
  setAppConfig(): void {}
  setInitProgressCallback(callback: InitProgressCallback): void {
    this.progress = callback;
  }
  async reload(ids: string | string[]): Promise<void> {
    this.steps.push('reload');
    this.reloads.push([ids].flat());
    if (this.failWith !== undefined) throw this.failWith;
    this.progress?.({ progress: 1, timeElapsed: 1, text: 'Finish loading on WebGPU' });
  }
  async unload(): Promise<void> {}
  interruptGenerate(): void {}
}

/** Both copies of the tiny model, each stating `vramMB` of GPU memory. */
function configWithVram(vramMB: number): AppConfig {
  return { model_list: pairAppConfig.model_list.map((r) => ({ ...r, vram_required_MB: vramMB })) };
}

describe('loadRoleModels with two different role models', () => {
  const roles = { manager: pairA.model_id, answer: pairB.model_id };
  let steps: Step[];
  let reports: Progress[];
  const storage = (freeBytes: number) => ({
    estimate: async () => {
      steps.push('quota');
      return { quota: 1e9 + freeBytes, usage: 1e9 };
    },
  });
  const fetchLogged: typeof fetch = (input, init) => {
    if (String(input).includes('params_shard')) steps.push('download');
    return pairFetch()(input, init);
  };
  const options = (appConfig: AppConfig, freeBytes = 1e9) => ({
    appConfig,
    storage: storage(freeBytes),
    fetch: fetchLogged,
    onLoading: (p: Progress) => reports.push(p),
  });
  const clean = async () => {
    for (const id of [pairA.model_id, pairB.model_id]) await deleteCachedModel(id, pairAppConfig);
  };
  beforeEach(async () => {
    steps = [];
    reports = [];
    await clean();
  });
  afterEach(clean);

  it('checks the disk quota before downloading and loading, and warns about GPU memory on every report', async () => {
    const engine = new FakeEngine(steps);
    const models = await loadRoleModels(engine, roles, options(configWithVram(3000)));
    expect(steps[0]).toBe('quota');
    expect(steps.slice(1, -1).every((s) => s === 'download')).toBe(true);
    expect(steps.at(-1)).toBe('reload');
    expect(engine.reloads).toEqual([[pairA.model_id, pairB.model_id]]);
    expect(models.manager).not.toBe(models.answer);
    expect(reports[0]).toMatchObject({
      fraction: 0,
      text: expect.stringMatching(/^Checking that .* fit on disk/),
    });
    expect(reports.length).toBeGreaterThan(2);
    for (const report of reports) {
      expect(report.warning).toBe(
        'The two models need about 5.9 GB of GPU memory together; if loading fails, use one model for both roles or smaller models.',
      );
    }
  });

  it('gives no warning when the two models stay below the threshold', async () => {
    await loadRoleModels(new FakeEngine(steps), roles, options(configWithVram(1000)));
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.every((r) => r.warning === undefined)).toBe(true);
  });

  it('stops before any download or load when the two models do not fit on disk', async () => {
    const engine = new FakeEngine(steps);
    const err = await loadRoleModels(engine, roles, options(configWithVram(3000), 1000)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InsufficientStorageError);
    expect((err as Error).message).toMatch(
      /pair-a-q4f16_1-MLC and pair-b-q4f16_1-MLC.*one model for both roles/,
    );
    expect(steps).toEqual(['quota']);
  });

  it("turns WebLLM's device-lost error while loading both into one that names both models", async () => {
    const engine = new FakeEngine(steps);
    engine.failWith =
      'DeviceLostError: The WebGPU device was lost while loading the model. This issue often occurs due to running out of memory (OOM). To resolve this, try reloading with a model that has fewer parameters or uses a smaller context length.';
    const err = await loadRoleModels(engine, roles, options(configWithVram(3000))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelTooLargeError);
    expect((err as Error).message).toBe(
      'The GPU ran out of memory loading pair-a-q4f16_1-MLC and pair-b-q4f16_1-MLC together (about 5.9 GB of GPU memory). Use one model for both roles, or pick smaller models; closing other GPU-heavy tabs may also help.',
    );
  });
});

describe('loadRoleModels with one model for both roles', () => {
  afterEach(() => deleteCachedModel(pairA.model_id, pairAppConfig));

  it('loads it once, without the two-model checks', async () => {
    const steps: Step[] = [];
    const reports: Progress[] = [];
    const engine = new FakeEngine(steps);
    const models = await loadRoleModels(
      engine,
      { manager: pairA.model_id, answer: pairA.model_id },
      {
        appConfig: configWithVram(3000),
        storage: { estimate: () => Promise.reject(new Error('The quota must not be read.')) },
        fetch: pairFetch(),
        onLoading: (p) => reports.push(p),
      },
    );
    expect(engine.reloads).toEqual([[pairA.model_id]]);
    expect(models.manager).toBe(models.answer);
    expect(reports.every((r) => r.warning === undefined)).toBe(true);
  });

  it('keeps the plain out-of-memory error, which suggests a smaller model', async () => {
    const engine = new FakeEngine([]);
    engine.failWith = 'DeviceLostError: The WebGPU device was lost while loading the model.';
    const err = await loadRoleModels(
      engine,
      { manager: pairA.model_id, answer: pairA.model_id },
      { appConfig: pairAppConfig, fetch: pairFetch() },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelTooLargeError);
    expect((err as Error).message).toBe(new ModelTooLargeError().message);
  });
});

describe('createEmbedder', () => {
  afterEach(() => caches.delete(USE_LITE_CACHE));

  it("gives Universal Sentence Encoder lite, read from the app's origin, for the Settings choice 'use-lite'", async () => {
    const embedder = await createEmbedder({ ...DEFAULT_SETTINGS, embeddingModel: USE_LITE_ID });
    expect(embedder).toBeInstanceOf(UseLiteEmbedder);
    expect(embedder?.id).toBe(USE_LITE_ID);
    const [vector] = await embedder!.embed(['Ana keeps bees.'], 'passage');
    expect(vector).toHaveLength(USE_LITE_DIMS);
    expect(await (await caches.open(USE_LITE_CACHE)).match('/use-lite/model.json')).toBeDefined();
    (embedder as UseLiteEmbedder).dispose();
  });
});
