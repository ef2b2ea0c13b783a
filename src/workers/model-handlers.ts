/**
 * The model worker's request handlers: each `ModelRpc` method validates its params (zod) and calls the
 * `ModelService` the worker holds; a download reports progress and stops when the page aborts the call.
 */
import { z } from 'zod';
import { parseInput } from '../core/parse-input';
import type { ModelRpc, ModelService } from '../protocol/model-protocol';
import type { RpcHandlers } from '../core/rpc';

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

/** The handlers of `ModelRpc` over `service`. */
export function modelHandlers(service: ModelService): RpcHandlers<ModelRpc> {
  return {
    checkCapabilities: () => service.checkCapabilities(),
    recommend: (params) =>
      service.recommend(parseInput(z.object({ report: capabilityReport }), params, 'recommend').report),
    catalog: () => service.catalog(),
    download: (params, ctx) =>
      service.download(parseInput(modelId, params, 'download').modelId, {
        signal: ctx.signal,
        onProgress: ctx.progress,
      }),
    deleteModel: (params) => service.deleteModel(parseInput(modelId, params, 'deleteModel').modelId),
    customModels: () => service.customModels(),
    addCustomModel: (params) =>
      service.addCustomModel(parseInput(z.object({ form: customModelForm }), params, 'addCustomModel').form),
    removeCustomModel: (params) =>
      service.removeCustomModel(parseInput(modelId, params, 'removeCustomModel').modelId),
    checkCustomModel: (params, ctx) =>
      service.checkCustomModel(parseInput(modelId, params, 'checkCustomModel').modelId, {
        signal: ctx.signal,
      }),
  };
}
