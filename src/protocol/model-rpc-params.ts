/**
 * The zod schemas of the model worker's request params (`ModelRpc`), which the worker checks before any work
 * (`checkedHandlers`), so a wrong param is refused with the method and the field named. Kept apart from the
 * protocol's types, which the page imports, so the page's bundle never carries them.
 */
import { z } from 'zod';
import type { ParamSchemas } from '../core/parse-input';
import type { ModelRpc } from './model-protocol';

const none = z.object({});
const modelId = z.object({ modelId: z.string().min(1) });
const capabilityReport = z.object({
  ok: z.boolean(),
  webgpu: z.boolean(),
  shaderF16: z.boolean(),
  message: z.string().optional(),
  code: z.string().optional(),
});
const customModelForm = z.object({
  id: z.string(),
  modelUrl: z.string(),
  modelLibUrl: z.string(),
  contextWindow: z.string(),
  vramMB: z.string(),
  needsShaderF16: z.boolean(),
});

/** The params of each `ModelRpc` method. */
export const modelRpcParams: ParamSchemas<ModelRpc> = {
  checkCapabilities: none,
  recommend: z.object({ report: capabilityReport }),
  catalog: none,
  download: modelId,
  deleteModel: modelId,
  customModels: none,
  addCustomModel: z.object({ form: customModelForm }),
  removeCustomModel: modelId,
  checkCustomModel: modelId,
};
