/**
 * The CPU engine worker: downloads GGUF models into the cache and runs them with llama.cpp in WebAssembly
 * (wllama), answering `CpuEngineRpc` (see `src/llm/cpu-engine-service.ts`). A worker of its own, because wllama
 * advances generation only while its owner polls it and reads model files through its owner: here nothing else
 * competes with that loop, whatever the memory worker is busy with.
 */
import { serveRpc, type RpcEndpoint } from '../core/rpc';
import type { CpuEngineRpc } from '../core/cpu-engine-protocol';
import { createCpuEngineService } from '../llm/cpu-engine-service';

serveRpc<CpuEngineRpc>(self as unknown as RpcEndpoint, createCpuEngineService().handlers);
