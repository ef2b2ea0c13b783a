/**
 * The benchmark worker: benchmarks a LoCoMo conversation with the models the settings select (see
 * `benchmark-worker-handlers.ts`). The page starts one per call and ends it afterwards (`BenchmarkClient`), which also ends
 * the nested WebLLM engine worker and frees the GPU memory of its model copy.
 */
import type { BenchmarkRpc } from '../protocol/benchmark-protocol';
import { serveRpc, type RpcEndpoint } from '../core/rpc';
import { benchmarkWorkerHandlers } from './benchmark-worker-handlers';
import { createEmbedder, createRoleModels } from './role-models';

serveRpc<BenchmarkRpc>(
  self as unknown as RpcEndpoint,
  benchmarkWorkerHandlers({ createModels: createRoleModels, createEmbedder }),
);
