/**
 * The protocol between the CPU engine worker (`src/workers/cpu-engine.worker.ts`) and its client (in the memory or
 * benchmark worker, or a page): load GGUF models (download or resume into the cache, check, load into llama.cpp),
 * stream chat completions, unload; and for the model manager list, download and delete cached GGUFs. Types only; the RPC mechanics are `src/core/rpc.ts`'s.
 */
import type { Progress } from './progress';
import type { ChatRequest, FinishReason, TokenUsage } from './types';

/** What the model manager shows for one cached GGUF. */
export interface CachedGgufStatus {
  url: string;
  name?: string;
  architecture?: string;
  /** Bytes stored (complete parts). */
  cachedBytes: number;
  totalBytes: number;
  /** Every byte is stored and checked: the model loads without network. */
  availableOffline: boolean;
}

/** Speeds llama.cpp measured for one completion. */
export interface CompletionTimings {
  promptTokens: number;
  promptTokensPerSecond: number;
  completionTokens: number;
  decodeTokensPerSecond: number;
}

/** How a completion ended. */
export interface CompletionEnd {
  finishReason: FinishReason;
  usage?: TokenUsage;
  timings?: CompletionTimings;
}

/** A GGUF to load: its URL (the cache key) and the id shown in the app and recorded in audit events. */
export interface CpuModelRef {
  url: string;
  /** Default: the URL's file name without `.gguf`. */
  id?: string;
}

/** Parameters of `load`. */
export interface CpuLoadParams {
  /** One model, or one per role; the same URL twice loads it once. */
  models: CpuModelRef[];
  /** Context window in tokens (capped at each model's training context); default 4,096. */
  contextWindow?: number;
  /** Threads for llama.cpp (only when cross-origin isolated); default `defaultThreads(cores)`. */
  threads?: number;
}

/** The tokenizer metadata of a GGUF (`tokenizer.ggml.*`), so the client can count tokens without a round trip. */
export type TokenizerMetadata = Record<string, string | number | boolean | (string | number)[]>;

/** One loaded model. */
export interface CpuLoadedModel {
  url: string;
  id: string;
  /** The context llama.cpp was given. */
  contextWindow: number;
  name?: string;
  architecture?: string;
  fileBytes: number;
  tokenizer: TokenizerMetadata;
}

/** What `load` did. */
export interface CpuLoadResult {
  models: CpuLoadedModel[];
  threads: number;
  multiThread: boolean;
}

/**
 * The steps of `load` (checking URLs, downloading, then loading into llama.cpp), named in its `Progress`; the
 * progress's `notice` is said once per engine worker: the single-thread fallback and why.
 */
export type CpuLoadPhase = 'check' | 'download' | 'load';

/** Every method of the CPU engine worker. */
export type CpuEngineRpc = {
  load: { params: CpuLoadParams; result: CpuLoadResult; progress: Progress<CpuLoadPhase> };
  /** Streams a completion of the model loaded from `url`; progress carries the text pieces. */
  chat: { params: { url: string; request: ChatRequest }; result: CompletionEnd; progress: string };
  /** Frees every loaded model. */
  unload: { params: null; result: null };
  /** The GGUFs in the cache (complete or partly downloaded), for the model manager. */
  cached: { params: null; result: CachedGgufStatus[] };
  /** Checks and downloads (or resumes) a GGUF into the cache without loading it. */
  download: { params: { url: string }; result: CachedGgufStatus; progress: Progress<CpuLoadPhase> };
  /** Deletes a GGUF from the cache (a partial download too). */
  remove: { params: { url: string }; result: null };
};
