/**
 * The engine worker: WebLLM's own handler runs the `MLCEngine` (WebGPU, model weights, generation) off the main
 * thread. The page talks to it through `WebWorkerMLCEngine` (see `src/llm/webllm-chat-model.ts` and
 * `src/llm/webllm-loader.ts`); the protocol is WebLLM's.
 */
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm';

const handler = new WebWorkerMLCEngineHandler();
self.onmessage = (event: MessageEvent) => handler.onmessage(event);
