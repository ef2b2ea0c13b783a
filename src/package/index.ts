/**
 * `memory-r1-web`: the headless API for bundlers. `createMemoryAgent()` starts a private Memory-R1 agent in the page
 * (its memory worker, its memory bank in IndexedDB) with no DOM of its own; `memory-r1-web/element` adds the
 * elements. See docs/embedding.md.
 */
export {
  createMemoryAgent,
  MemoryAgent,
  type AgentMemories,
  type AgentReply,
  type AgentSettings,
  type EmbedderOptions,
  type ListOptions,
  type MemoryAgentEventMap,
  type MemoryAgentOptions,
  type MemoryChange,
  type MemoryPassInfo,
  type MemoryPassResult,
  type ProviderOptions,
  type SendOptions,
  type UsedMemory,
} from '../agent/memory-agent';
export { AppError, NotFoundError, ImportError, QuotaError, ModelOutputError } from '../core/errors';
export { SettingsError } from '../protocol/settings';
export type { Progress } from '../core/progress';
export type {
  ChatDelta,
  ChatMessage,
  ChatModel,
  ChatRequest,
  ChatResult,
  ImportReport,
  MemoryExport,
  MemoryRecord,
} from '../core/types';
