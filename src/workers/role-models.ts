/**
 * The chat models and the embedder the settings select, built inside a worker. Local server: one
 * `OpenAICompatibleChatModel` per distinct model name, fetching from the worker. On-device: `WebLlmChatModel`s over
 * one WebLLM engine in a nested engine worker that holds every role's model (custom models added by URL included,
 * read from IndexedDB). Heavy libraries (WebLLM, transformers.js) are imported only when the settings need them.
 * Shared by the memory worker and the benchmark worker.
 */
import type { Settings } from '../client/settings';
import { NO_EMBEDDINGS } from '../client/settings';
import type { ChatModel, Embedder } from '../core/types';

/** The models serving each role (the same instance when one model serves both). */
export interface RoleModels {
  manager: ChatModel;
  answer: ChatModel;
}

/** Options of `createRoleModels`. */
export interface RoleModelOptions {
  signal?: AbortSignal;
  /** On-device model loading (download, then compile), 0..1 with WebLLM's description. */
  onLoading?: (progress: { fraction: number; text: string }) => void;
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

/** Models for the On-device provider: WebLLM in a nested engine worker, one engine holding every role's model. */
async function onDeviceModels(settings: Settings, opts: RoleModelOptions): Promise<RoleModels> {
  const [
    { WebWorkerMLCEngine, prebuiltAppConfig },
    { loadModels },
    { WebLlmChatModel },
    catalog,
    { withCustomModels },
  ] = await Promise.all([
    import('@mlc-ai/web-llm'),
    import('../llm/webllm-loader'),
    import('../llm/webllm-chat-model'),
    import('../llm/catalog'),
    import('../llm/custom-model'),
  ]);
  const chatId = settings.onDeviceModel || catalog.DEFAULT_MODEL_ID;
  const roles = { manager: settings.managerModel || chatId, answer: settings.answerModel || chatId };
  // Custom models (added by URL in the model manager) live in IndexedDB; read them only when a role needs one.
  const needsCustom = catalog.modelsToLoad(roles).some((id) => !catalog.findCatalogEntry(id));
  const custom = needsCustom
    ? await (await import('../store/indexeddb-custom-models')).readCustomModels()
    : [];
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  const engine = new WebWorkerMLCEngine(worker);
  await loadModels(engine, catalog.modelsToLoad(roles), {
    appConfig: withCustomModels(prebuiltAppConfig, custom),
    signal: opts.signal,
    onProgress: (p) => opts.onLoading?.({ fraction: p.fraction, text: p.text }),
  });
  const models = new Map<string, ChatModel>();
  const make = (modelId: string): ChatModel => {
    const existing = models.get(modelId);
    if (existing) return existing;
    const model = new WebLlmChatModel({
      engine,
      modelId,
      contextWindow:
        catalog.findCatalogEntry(modelId)?.contextWindow ??
        custom.find((m) => m.id === modelId)?.contextWindow,
    });
    models.set(modelId, model);
    return model;
  };
  return { manager: make(roles.manager), answer: make(roles.answer) };
}

/** Creates (and for On-device, loads) the models the settings select. */
export function createRoleModels(settings: Settings, opts: RoleModelOptions = {}): Promise<RoleModels> {
  return settings.provider === 'local' ? localModels(settings) : onDeviceModels(settings, opts);
}

/** The embedder the settings name (downloaded once from the model host, then cached); none when turned off. */
export async function createEmbedder(
  settings: Settings,
  opts: { signal?: AbortSignal } = {},
): Promise<Embedder | undefined> {
  if (settings.embeddingModel === NO_EMBEDDINGS) return undefined;
  const [{ TransformersEmbedder }, { DEFAULT_EMBEDDING_MODEL }] = await Promise.all([
    import('../embed/transformers-embedder'),
    import('../embed/embedding-models'),
  ]);
  return TransformersEmbedder.create({
    model: settings.embeddingModel || DEFAULT_EMBEDDING_MODEL,
    allowRemote: true,
    signal: opts.signal,
  });
}
