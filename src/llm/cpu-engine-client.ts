/**
 * The thin client of the CPU engine worker (`CpuEngineRpc` over `RpcClient`): load with progress, chat with the
 * text streamed piece by piece, unload; list, download and delete cached GGUFs. Aborting a call tells the worker to stop (for a chat: llama.cpp cancels
 * the request and frees its slot).
 */
import { RpcClient, type RpcEndpoint } from '../core/rpc';
import type { ChatRequest } from '../core/types';
import type { Progress } from '../core/progress';
import type { CpuEngineRpc, CpuLoadParams, CpuLoadPhase, CpuLoadResult } from '../core/cpu-engine-protocol';
import type { CachedGgufStatus } from '../core/cpu-engine-protocol';
import type { CompletionEnd } from '../core/cpu-engine-protocol';

/** The engine calls a `WllamaChatModel` makes (the client implements them; tests pass fakes). */
export interface CpuChatEngine {
  chat(
    url: string,
    request: ChatRequest,
    opts: { signal?: AbortSignal; onText: (text: string) => void },
  ): Promise<CompletionEnd>;
}

/** A client of `src/workers/cpu-engine.worker.ts`. */
export class CpuEngineClient implements CpuChatEngine {
  private readonly rpc: RpcClient<CpuEngineRpc>;

  constructor(endpoint: RpcEndpoint) {
    this.rpc = new RpcClient<CpuEngineRpc>(endpoint);
  }

  /** Downloads (or resumes), checks and loads models, replacing what was loaded. */
  load(
    params: CpuLoadParams,
    opts: { signal?: AbortSignal; onProgress?: (progress: Progress<CpuLoadPhase>) => void } = {},
  ): Promise<CpuLoadResult> {
    return this.rpc.call('load', params, opts);
  }

  /** Streams a completion of a loaded model. */
  chat(
    url: string,
    request: ChatRequest,
    opts: { signal?: AbortSignal; onText: (text: string) => void },
  ): Promise<CompletionEnd> {
    return this.rpc.call(
      'chat',
      { url, request },
      { ...(opts.signal && { signal: opts.signal }), onProgress: opts.onText },
    );
  }

  /** Frees every loaded model. */
  async unload(): Promise<void> {
    await this.rpc.call('unload', null);
  }

  /** The GGUFs in the cache, complete or partly downloaded. */
  cached(): Promise<CachedGgufStatus[]> {
    return this.rpc.call('cached', null);
  }

  /** Checks and downloads (or resumes) a GGUF into the cache without loading it. */
  download(
    url: string,
    opts: { signal?: AbortSignal; onProgress?: (progress: Progress<CpuLoadPhase>) => void } = {},
  ): Promise<CachedGgufStatus> {
    return this.rpc.call('download', { url }, opts);
  }

  /** Deletes a GGUF from the cache. */
  async remove(url: string): Promise<void> {
    await this.rpc.call('remove', { url });
  }

  /** Stops listening to the worker (pending calls reject). */
  dispose(): void {
    this.rpc.dispose();
  }
}
