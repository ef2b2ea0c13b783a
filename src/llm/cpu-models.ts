/**
 * The role models of the On-device (CPU) provider: one GGUF for chat, optionally different ones for the Memory
 * Manager and the Answer Agent, loaded together into the CPU engine worker (checked together for memory and disk
 * first) and returned as `ChatModel`s, one instance per distinct model. This is what the memory worker's
 * `role-models.ts` calls with the settings' choices; the caller creates the worker
 * (`new Worker(new URL('../workers/cpu-engine.worker.ts', import.meta.url), { type: 'module' })`).
 */
import type { ChatModel } from '../core/types';
import type { CpuEngineClient } from './cpu-engine-client';
import type { CpuLoadPhase, CpuModelRef } from '../core/cpu-engine-protocol';
import type { Progress } from '../core/progress';
import { WllamaChatModel } from './wllama-chat-model';

/** Which GGUF serves each role (`manager` and `answer` default to `chat`). */
export interface CpuRoleChoice {
  chat: CpuModelRef;
  manager?: CpuModelRef;
  answer?: CpuModelRef;
  /** Context window in tokens; default 4,096 (capped at each model's own). */
  contextWindow?: number;
  /** llama.cpp threads when the page is cross-origin isolated; default `defaultThreads(cores)`. */
  threads?: number;
}

/** Options of `createCpuRoleModels`. */
export interface CpuRoleOptions {
  signal?: AbortSignal;
  /** Loading: fraction over check, download and load, its text, and once per engine the thread `notice`. */
  onLoading?: (progress: Progress) => void;
}

/** The loaded role models and how the engine runs. */
export interface CpuRoleModels {
  manager: ChatModel;
  answer: ChatModel;
  /** Threads llama.cpp uses (1 when the page is not cross-origin isolated). */
  threads: number;
  multiThread: boolean;
}

/** Loads the chosen GGUFs into the CPU engine and returns a `ChatModel` per role. */
export async function createCpuRoleModels(
  engine: CpuEngineClient,
  choice: CpuRoleChoice,
  opts: CpuRoleOptions = {},
): Promise<CpuRoleModels> {
  const manager = choice.manager ?? choice.chat;
  const answer = choice.answer ?? choice.chat;
  const toProgress = (p: Progress<CpuLoadPhase>): Progress => ({
    fraction: p.fraction,
    text: p.text,
    ...(p.notice !== undefined && { notice: p.notice }),
  });
  const result = await engine.load(
    {
      models: [manager, answer],
      ...(choice.contextWindow !== undefined && { contextWindow: choice.contextWindow }),
      ...(choice.threads !== undefined && { threads: choice.threads }),
    },
    { ...(opts.signal && { signal: opts.signal }), onProgress: (p) => opts.onLoading?.(toProgress(p)) },
  );
  const models = new Map(result.models.map((m) => [m.url, new WllamaChatModel({ engine, model: m })]));
  const of = (ref: CpuModelRef): ChatModel => {
    const model = models.get(ref.url);
    if (!model) throw new Error(`The CPU engine did not load ${ref.url}.`);
    return model;
  };
  return {
    manager: of(manager),
    answer: of(answer),
    threads: result.threads,
    multiThread: result.multiThread,
  };
}
