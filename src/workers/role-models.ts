/**
 * The chat models and the embedder the settings select, built inside a worker. Local server: one
 * `OpenAICompatibleChatModel` per distinct model name, fetching from the worker. On-device: `WebLlmChatModel`s over
 * one WebLLM engine in a nested engine worker that holds every role's model (custom models added by URL included,
 * read from IndexedDB); two different role models are checked for disk and GPU memory together before they load.
 * On-device (CPU): `WllamaChatModel`s over llama.cpp in a nested CPU engine worker (`cpuModels`).
 * Heavy libraries (WebLLM, transformers.js, TensorFlow.js) are imported only when the settings need them. Shared by
 * the memory worker and the benchmark worker.
 */
import type { Settings } from '../protocol/settings';
import { NO_EMBEDDINGS } from '../protocol/settings';
import { DEFAULT_CPU_MODEL_ID, cpuModelLabel, cpuModelUrl } from '../protocol/cpu-catalog';
import type { Progress } from '../core/progress';
import type { ChatModel, Embedder } from '../core/types';
import type { AppConfig } from '@mlc-ai/web-llm';
import type { CapabilityEnv } from '../llm/capabilities';
import type { RoleAssignment } from '../llm/catalog';
import type { ModelCacheBackend } from '../llm/model-cache';
import type { ChatEngine } from '../llm/webllm-chat-model';
import type { LoadableEngine } from '../llm/webllm-loader';

/** The models serving each role (the same instance when one model serves both). */
export interface RoleModels {
  manager: ChatModel;
  answer: ChatModel;
}

/** Options of `createRoleModels`. */
export interface RoleModelOptions {
  signal?: AbortSignal;
  /**
   * On-device model loading: fraction over download, then compile, WebLLM's or the downloader's text, and the
   * `warning` shown for the whole load (two role models that may not fit in GPU memory together).
   */
  onLoading?: (progress: Progress) => void;
}

/** The engine the role models are loaded into and generate with (a `WebWorkerMLCEngine` in the app). */
export type RoleEngine = LoadableEngine & ChatEngine;

/** Options of `loadRoleModels`. */
export interface RoleLoadOptions extends RoleModelOptions {
  /** WebLLM's prebuilt models plus the custom ones. */
  appConfig: AppConfig;
  backend?: ModelCacheBackend;
  /** The storage quota the downloads are checked against; default `navigator.storage`. */
  storage?: CapabilityEnv['storage'];
  /** Injected for tests: the fetch downloads use. */
  fetch?: typeof fetch;
}

/** Models for the Local server provider: one HTTP client per distinct model name. */
async function localModels(settings: Settings): Promise<RoleModels> {
  const { OpenAICompatibleChatModel } = await import('../llm/openai-compatible');
  const make = (model: string): ChatModel =>
    new OpenAICompatibleChatModel({ baseUrl: settings.baseUrl, model });
  const chat = make(settings.model);
  return {
    manager: settings.managerModel ? make(settings.managerModel) : chat,
    answer: settings.answerModel ? make(settings.answerModel) : chat,
  };
}

/**
 * Loads the role models into one engine. Two different models are checked together first: GPU memory (WebGPU does
 * not report VRAM, so only a warning, sent with every progress report, when they may not fit) and disk (an
 * `InsufficientStorageError` before any weights are downloaded). A GPU that runs out of memory loading both gives
 * a `ModelTooLargeError` naming them.
 */
export async function loadRoleModels(
  engine: RoleEngine,
  roles: RoleAssignment,
  opts: RoleLoadOptions,
): Promise<RoleModels> {
  const [
    { checkModelsFitOnDisk, findRecord, loadModels },
    { WebLlmChatModel },
    { checkRolesFitTogether },
    { ModelTooLargeError, modelsTooLargeTogether },
  ] = await Promise.all([
    import('../llm/webllm-loader'),
    import('../llm/webllm-chat-model'),
    import('../llm/catalog'),
    import('../llm/errors'),
  ]);
  const { appConfig, backend, signal, fetch } = opts;
  const fit = checkRolesFitTogether(roles, (id) => findRecord(id, appConfig).vram_required_MB);
  const report = (fraction: number, text: string): void =>
    opts.onLoading?.({ fraction, text, ...(fit.warning !== undefined && { warning: fit.warning }) });
  if (fit.modelIds.length > 1) {
    report(0, `Checking that ${fit.modelIds.join(' and ')} fit on disk together`);
    await checkModelsFitOnDisk(fit.modelIds, { appConfig, backend, signal, storage: opts.storage, fetch });
  }
  try {
    await loadModels(engine, fit.modelIds, {
      appConfig,
      backend,
      signal,
      onProgress: (p) => report(p.fraction, p.text),
      ...(fetch && { download: { fetch } }),
    });
  } catch (err) {
    throw err instanceof ModelTooLargeError && fit.modelIds.length > 1 ? modelsTooLargeTogether(fit) : err;
  }
  const models = new Map<string, ChatModel>();
  const make = (modelId: string): ChatModel => {
    const model =
      models.get(modelId) ??
      new WebLlmChatModel({
        engine,
        modelId,
        contextWindow: findRecord(modelId, appConfig).overrides?.context_window_size,
      });
    models.set(modelId, model);
    return model;
  };
  return { manager: make(roles.manager), answer: make(roles.answer) };
}

/** Models for the On-device provider: WebLLM in a nested engine worker, one engine holding every role's model. */
async function onDeviceModels(settings: Settings, opts: RoleModelOptions): Promise<RoleModels> {
  const [{ WebWorkerMLCEngine, prebuiltAppConfig }, catalog, { withCustomModels }] = await Promise.all([
    import('@mlc-ai/web-llm'),
    import('../llm/catalog'),
    import('../llm/custom-model'),
  ]);
  const chatId = settings.onDeviceModel || catalog.DEFAULT_MODEL_ID;
  const roles = { manager: settings.managerModel || chatId, answer: settings.answerModel || chatId };
  // Custom models (added by URL in the model manager) live in IndexedDB; read them only when a role needs one.
  const needsCustom = catalog.modelsToLoad(roles).some((id) => !catalog.findCatalogEntry(id));
  const custom = needsCustom
    ? await (await import('../store/indexeddb/indexeddb-custom-models')).readCustomModels()
    : [];
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  return loadRoleModels(new WebWorkerMLCEngine(worker), roles, {
    ...opts,
    appConfig: withCustomModels(prebuiltAppConfig, custom),
  });
}

/**
 * Models for the On-device (CPU) provider: llama.cpp in WebAssembly in a nested CPU engine worker, one GGUF per
 * distinct role model (catalog ids become their URLs). The single-thread notice the engine says once is kept on
 * every report of that load, as the two-model warning is for WebLLM.
 */
async function cpuModels(settings: Settings, opts: RoleModelOptions): Promise<RoleModels> {
  const [{ CpuEngineClient }, { createCpuRoleModels }] = await Promise.all([
    import('../llm/cpu-engine-client'),
    import('../llm/cpu-models'),
  ]);
  const ref = (choice: string) => ({ url: cpuModelUrl(choice), id: cpuModelLabel(choice) });
  const chat = ref(settings.cpuModel || DEFAULT_CPU_MODEL_ID);
  const worker = new Worker(new URL('./cpu-engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'cpu-engine',
  });
  let notice: string | undefined;
  try {
    return await createCpuRoleModels(
      new CpuEngineClient(worker),
      {
        chat,
        ...(settings.managerModel && { manager: ref(settings.managerModel) }),
        ...(settings.answerModel && { answer: ref(settings.answerModel) }),
      },
      {
        ...(opts.signal && { signal: opts.signal }),
        onLoading: (p) => {
          notice ??= p.notice;
          opts.onLoading?.({
            fraction: p.fraction,
            text: p.text,
            ...(notice !== undefined && { warning: notice }),
          });
        },
      },
    );
  } catch (err) {
    worker.terminate();
    throw err;
  }
}

/** Creates (and for On-device, GPU or CPU, loads) the models the settings select. */
export function createRoleModels(settings: Settings, opts: RoleModelOptions = {}): Promise<RoleModels> {
  if (settings.provider === 'local') return localModels(settings);
  return settings.provider === 'cpu' ? cpuModels(settings, opts) : onDeviceModels(settings, opts);
}

/**
 * The embedder the settings name, none when turned off: a transformers.js model (downloaded once from the model
 * host, then cached), or Universal Sentence Encoder lite (read once from the app's own origin, then cached). Each
 * runtime is imported only when chosen. `wasmPaths` is where ONNX Runtime's files are served (default `/ort/`, the
 * app's).
 */
export async function createEmbedder(
  settings: Settings,
  opts: { signal?: AbortSignal; wasmPaths?: string } = {},
): Promise<Embedder | undefined> {
  if (settings.embeddingModel === NO_EMBEDDINGS) return undefined;
  const { DEFAULT_EMBEDDING_MODEL, resolveEmbeddingModel } = await import('../core/embedding-models');
  const spec = resolveEmbeddingModel(settings.embeddingModel || DEFAULT_EMBEDDING_MODEL);
  if (spec.runtime === 'use-lite') {
    const [{ UseLiteEmbedder }, { fetchUseLiteFiles, USE_LITE_URL_PATH }] = await Promise.all([
      import('../embed/use-lite-embedder'),
      import('../embed/use-lite-files'),
    ]);
    return UseLiteEmbedder.create({
      files: fetchUseLiteFiles(),
      wasmPaths: USE_LITE_URL_PATH,
      signal: opts.signal,
    });
  }
  const { TransformersEmbedder } = await import('../embed/transformers-embedder');
  return TransformersEmbedder.create({
    model: spec,
    allowRemote: true,
    signal: opts.signal,
    ...(opts.wasmPaths && { wasmPaths: opts.wasmPaths }),
  });
}
