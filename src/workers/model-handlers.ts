/**
 * The model worker's request handlers: each `ModelRpc` method's params are checked first (`modelRpcParams`), then
 * it calls the `ModelService` the worker holds; a download reports progress and stops when the page aborts the call.
 */
import { checkedHandlers } from '../core/parse-input';
import type { ModelRpc, ModelService } from '../protocol/model-protocol';
import { modelRpcParams } from '../protocol/model-rpc-params';
import type { RpcHandlers } from '../core/rpc';

/** The handlers of `ModelRpc` over `service`, each checking its params first. */
export function modelHandlers(service: ModelService): RpcHandlers<ModelRpc> {
  return checkedHandlers(modelRpcParams, {
    checkCapabilities: () => service.checkCapabilities(),
    recommend: ({ report }) => service.recommend(report),
    catalog: () => service.catalog(),
    download: ({ modelId }, ctx) =>
      service.download(modelId, { signal: ctx.signal, onProgress: ctx.progress }),
    deleteModel: ({ modelId }) => service.deleteModel(modelId),
    customModels: () => service.customModels(),
    addCustomModel: ({ form }) => service.addCustomModel(form),
    removeCustomModel: ({ modelId }) => service.removeCustomModel(modelId),
    checkCustomModel: ({ modelId }, ctx) => service.checkCustomModel(modelId, { signal: ctx.signal }),
  });
}
