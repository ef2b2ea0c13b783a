/**
 * The page's `ModelService`: a thin client of the model worker (`src/workers/model.worker.ts`), which holds WebLLM,
 * the model cache and the custom models in IndexedDB. The worker starts on the first call, so a page that never
 * looks at on-device models never loads WebLLM's code.
 */
import type {
  AddCustomModelResult,
  CapabilityReport,
  CatalogItem,
  CustomModelForm,
  CustomModelInfo,
  ModelRpc,
  ModelService,
} from '../protocol/model-protocol';
import type { Progress } from '../core/progress';
import { RpcClient, type RpcEndpoint } from '../core/rpc';

/** Starts the model worker. */
function startModelWorker(): RpcEndpoint {
  return new Worker(new URL('../workers/model.worker.ts', import.meta.url), {
    type: 'module',
    name: 'models',
  });
}

/** `ModelService` over the model worker's RPC. */
export class ModelClient implements ModelService {
  private client?: RpcClient<ModelRpc>;

  /** `connect` opens the endpoint on first use (the model worker by default; tests pass their own). */
  constructor(private readonly connect: () => RpcEndpoint = startModelWorker) {}

  private get rpc(): RpcClient<ModelRpc> {
    this.client ??= new RpcClient<ModelRpc>(this.connect());
    return this.client;
  }

  checkCapabilities(): Promise<CapabilityReport> {
    return this.rpc.call('checkCapabilities', {});
  }

  recommend(report: CapabilityReport): Promise<{ modelId: string; reason: string }> {
    return this.rpc.call('recommend', { report });
  }

  catalog(): Promise<CatalogItem[]> {
    return this.rpc.call('catalog', {});
  }

  download(
    modelId: string,
    opts: { signal?: AbortSignal; onProgress?: (p: Progress) => void },
  ): Promise<void> {
    return this.rpc.call('download', { modelId }, opts);
  }

  deleteModel(modelId: string): Promise<void> {
    return this.rpc.call('deleteModel', { modelId });
  }

  customModels(): Promise<CustomModelInfo[]> {
    return this.rpc.call('customModels', {});
  }

  addCustomModel(form: CustomModelForm): Promise<AddCustomModelResult> {
    return this.rpc.call('addCustomModel', { form });
  }

  removeCustomModel(modelId: string): Promise<void> {
    return this.rpc.call('removeCustomModel', { modelId });
  }

  checkCustomModel(modelId: string, opts: { signal?: AbortSignal }): Promise<string> {
    return this.rpc.call('checkCustomModel', { modelId }, opts);
  }
}
