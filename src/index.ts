/** Public API of Memory-R1 Web's core library (Node and browser): agents, stores and model clients. */
export type * from './core/types';
export * from './core/errors';
export { OpenAICompatibleChatModel } from './llm/openai-compatible';
export * from './llm/errors';
export { ReplyDeadlineError, ReplyTooLongError } from './llm/reply-limits';
export { MAX_TURN_TEXT_BYTES, MemoryManager, resolveOperations } from './core/memory-manager';
export type {
  MemoryManagerOptions,
  MemoryScope,
  ProcessTurnOptions,
  ProcessTurnResult,
  RejectedOperation,
  TurnInput,
  TurnStage,
} from './core/memory-manager';
export { DEFAULT_REVIEW_THRESHOLD, previewOps, reviewReason } from './core/review-guard';
export type { ReviewThreshold } from './core/review-guard';
export { applyHeldPass, discardHeldPass } from './core/held-pass';
export type { HeldApplyResult } from './core/held-pass';
export { AnswerAgent } from './core/answer-agent';
export type {
  AnswerAgentOptions,
  AnswerCandidate,
  AnswerEvent,
  AnswerInput,
  AnswerResult,
} from './core/answer-agent';
export type { AnswerMode } from './core/prompts/answer-agent';
export {
  MEMORY_FACTS,
  MEMORY_OPERATIONS,
  memoryFactsSchema,
  memoryOperationsSchema,
  MAX_FACTS_PER_TURN,
  MAX_FACT_CHARS,
  MAX_MEMORY_CHARS,
  MAX_OPERATIONS,
} from './core/schemas';
export type { DecidedOperation, MemoryFacts, MemoryOperations, StructuredOutputSpec } from './core/schemas';
export { completeStructured, extractJson, parseStructured } from './core/structured-output';
export { TokenCounter, estimateTokens, packPrompt } from './core/token-budget';
export { ScriptedChatModel } from './testing/scripted-chat-model';
export type {
  ScriptedChatModelOptions,
  ScriptedReply,
  ScriptedResponder,
} from './testing/scripted-chat-model';
export { InMemoryStore } from './store/in-memory-store';
export { LEXICAL_WEIGHT } from './store/search/fusion';
export { IndexedDbStore } from './store/indexeddb/indexeddb-store';
export { TransformersEmbedder } from './embed/transformers-embedder';
export { UseLiteEmbedder, USE_LITE_ID, type UseLiteFileSource } from './embed/use-lite-embedder';
export { fetchUseLiteFiles } from './embed/use-lite-files';
export { CachedEmbedder } from './embed/embedding-cache';
export { runBackfill } from './embed/backfill';
export type { Progress } from './core/progress';
export { EMBEDDING_MODELS, DEFAULT_EMBEDDING_MODEL } from './core/embedding-models';
export * from './embed/errors';
export { WebLlmChatModel } from './llm/webllm-chat-model';
export { EngineClient } from './llm/engine-client';
