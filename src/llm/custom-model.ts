/**
 * Custom on-device models added by URL (for example RL-fine-tuned Memory-R1 checkpoints converted to MLC format):
 * the record users enter, its validation (zod; https or localhost URLs only), an optional check that the files are
 * really there in MLC layout (`mlc-chat-config.json` + `tensor-cache.json` where WebLLM will look), and the WebLLM
 * `ModelRecord` it becomes. Records are plain data, ready for the store layer to persist.
 */
import type { AppConfig, ModelRecord } from '@mlc-ai/web-llm';
import { customModelSchema, type CustomModel } from '../core/custom-model-schema';
import { throwIfAborted } from '../core/errors';
import {
  CHAT_CONFIG_FILE,
  LEGACY_TENSOR_CACHE_FILE,
  TENSOR_CACHE_FILE,
  chatConfigSchema,
  resolveModelBaseUrl,
  tensorCacheSchema,
  weightBytes,
} from './model-files';
import { CustomModelError, normalizeWebLlmError } from './errors';

/**
 * Validates user input (or a stored record) as a custom model; `takenIds` are ids already in use (catalog and other
 * custom models). Throws `CustomModelError` listing every problem with the field it concerns.
 */
export function parseCustomModel(input: unknown, takenIds: Iterable<string> = []): CustomModel {
  const result = customModelSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'record'} ${i.message}`);
    throw new CustomModelError(
      `The custom model is invalid: ${problems.join('; ')}. Fix these fields and save again.`,
    );
  }
  if (new Set(takenIds).has(result.data.id)) {
    throw new CustomModelError(`A model with id "${result.data.id}" already exists. Choose another id.`);
  }
  return result.data;
}

/**
 * The problems of user input as a custom model, one message per field (`id`, `modelUrl`, `modelLibUrl`,
 * `contextWindow`, ...; `record` for the whole); empty when `parseCustomModel` would accept it. For forms that show
 * each message beside its field.
 */
export function customModelFieldErrors(
  input: unknown,
  takenIds: Iterable<string> = [],
): Record<string, string> {
  const result = customModelSchema.safeParse(input);
  const errors: Record<string, string> = {};
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? 'record');
      errors[field] ??= issue.message;
    }
  } else if (new Set(takenIds).has(result.data.id)) {
    errors.id = 'is already in use by another model; choose another id';
  }
  return errors;
}

/** The WebLLM record for a custom model. */
export function toModelRecord(model: CustomModel): ModelRecord {
  return {
    model: model.modelUrl,
    model_id: model.id,
    model_lib: model.modelLibUrl,
    ...(model.contextWindow !== undefined && { overrides: { context_window_size: model.contextWindow } }),
    ...(model.vramMB !== undefined && { vram_required_MB: model.vramMB }),
    ...(model.requiredFeatures !== undefined && { required_features: model.requiredFeatures }),
  };
}

/** An app config holding the given base config's models plus custom models. */
export function withCustomModels(base: AppConfig, models: CustomModel[]): AppConfig {
  return { ...base, model_list: [...base.model_list, ...models.map(toModelRecord)] };
}

/** What `checkCustomModelFiles` found on the server. */
export interface CustomModelFilesReport {
  /** Where WebLLM reads the files from. */
  baseUrl: string;
  weightBytes: number;
  shards: number;
  contextWindow: number;
  tokenizerFiles: string[];
}

async function getJson(
  url: string,
  fetchFn: typeof fetch,
  signal?: AbortSignal,
): Promise<{ status: number; json?: unknown }> {
  let res: Response;
  try {
    res = await fetchFn(url, { signal });
  } catch (err) {
    throwIfAborted(signal);
    throw normalizeWebLlmError(err);
  }
  if (!res.ok) return { status: res.status };
  try {
    return { status: res.status, json: await res.json() };
  } catch {
    throw new CustomModelError(`${url} is not valid JSON. Check that the URL points at an MLC-format model.`);
  }
}

/**
 * Fetches a custom model's manifests from where WebLLM will look (WebLLM appends `resolve/main/` to a model URL
 * without a `/resolve/<branch>/` folder) and checks the MLC layout and that the model library answers.
 */
export async function checkCustomModelFiles(
  model: CustomModel,
  opts: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<CustomModelFilesReport> {
  const fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const baseUrl = resolveModelBaseUrl(model.modelUrl);
  const where = `WebLLM reads a model's files from ${baseUrl} (it appends "resolve/main/" when the URL has no "/resolve/<branch>/" part)`;
  const configUrl = new URL(CHAT_CONFIG_FILE, baseUrl).href;
  const config = await getJson(configUrl, fetchFn, opts.signal);
  if (config.json === undefined) {
    throw new CustomModelError(
      `${configUrl} answered HTTP ${config.status}. ${where}; put mlc-chat-config.json there or fix the model URL.`,
    );
  }
  const parsedConfig = chatConfigSchema.safeParse(config.json);
  if (!parsedConfig.success) {
    throw new CustomModelError(
      `${configUrl} is not an MLC chat config (${parsedConfig.error.issues[0]?.message}). Convert the model with MLC-LLM.`,
    );
  }
  const tensorUrl = new URL(TENSOR_CACHE_FILE, baseUrl).href;
  const tensors = await getJson(tensorUrl, fetchFn, opts.signal);
  if (tensors.json === undefined) {
    const legacy = await getJson(new URL(LEGACY_TENSOR_CACHE_FILE, baseUrl).href, fetchFn, opts.signal).catch(
      () => ({ status: 0 }),
    );
    throw new CustomModelError(
      legacy.status === 200
        ? `The model has ${LEGACY_TENSOR_CACHE_FILE} but this WebLLM version reads ${TENSOR_CACHE_FILE}. Re-convert it with a current MLC-LLM (or rename the file).`
        : `${tensorUrl} answered HTTP ${tensors.status}. ${where}; put the weights and ${TENSOR_CACHE_FILE} there.`,
    );
  }
  const parsedTensors = tensorCacheSchema.safeParse(tensors.json);
  if (!parsedTensors.success || parsedTensors.data.records.length === 0) {
    throw new CustomModelError(
      `${tensorUrl} lists no weight shards. Convert the model weights with MLC-LLM.`,
    );
  }
  let lib: Response;
  try {
    lib = await fetchFn(model.modelLibUrl, { method: 'HEAD', signal: opts.signal });
  } catch (err) {
    throwIfAborted(opts.signal);
    throw normalizeWebLlmError(err);
  }
  if (!lib.ok) {
    throw new CustomModelError(
      `The model library ${model.modelLibUrl} answered HTTP ${lib.status}. Check the library URL.`,
    );
  }
  return {
    baseUrl,
    weightBytes: weightBytes(parsedTensors.data),
    shards: parsedTensors.data.records.length,
    contextWindow: model.contextWindow ?? parsedConfig.data.context_window_size,
    tokenizerFiles: parsedConfig.data.tokenizer_files,
  };
}
