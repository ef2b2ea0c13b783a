/**
 * The model worker: serves `ModelRpc` (capability check, catalog, downloads, cache deletion, custom models) with the
 * WebLLM-backed `WebLlmModelService`, so the page never loads WebLLM or opens IndexedDB. `ModelClient` starts it on
 * first use; WebGPU, the Cache API and IndexedDB all work in a dedicated worker.
 */
import type { ModelRpc } from '../protocol/model-protocol';
import { serveRpc, type RpcEndpoint } from '../core/rpc';
import { modelHandlers } from './model-handlers';
import { WebLlmModelService } from './webllm-model-service';

serveRpc<ModelRpc>(self as unknown as RpcEndpoint, modelHandlers(new WebLlmModelService()));
