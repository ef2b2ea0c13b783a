/**
 * The public types of the Memory Manager (memory-manager.ts): its options, one turn's input, the stages reported
 * while a turn is processed, and what processing it produced. Kept apart so the helpers of the manager
 * (resolve-operations.ts, extract-facts.ts, decision-prompt.ts) and its callers share them without the class.
 */
import type { ErrorData } from './errors';
import type { ReviewThreshold } from './review-guard';
import type { AppliedOp, CallOptions, ChatMessage, ChatModel, Embedder, MemoryStore } from './types';

/** Which memories a turn's facts are compared with: the speaker's, the conversation's, or all. */
export type MemoryScope = 'speaker' | 'conversation' | 'all';

/** Options of `MemoryManager`; defaults are stated beside each field. */
export interface MemoryManagerOptions {
  model: ChatModel;
  store: MemoryStore;
  /** Enables dense retrieval and stores embeddings of written texts. */
  embedder?: Embedder;
  /** Related memories retrieved per fact. Default 5. */
  relatedPerFact?: number;
  /** Most related memories shown to the decision call. Default 30. */
  maxRelated?: number;
  /** Earlier messages of the conversation shown to extraction. Default 4. */
  contextTurns?: number;
  /** Which memories facts are compared with. Default `all` (memories are about the user across conversations). */
  scope?: MemoryScope;
  /** Model context window in tokens. Default: the model's, else 4,096. */
  contextWindow?: number;
  /** Tokens reserved for the model's JSON reply. Default `MANAGER_RESERVED_OUTPUT` (1,024). */
  reservedOutput?: number;
  /** Sampling temperature of both calls. Default 0. */
  temperature?: number;
  /** IANA time zone the prompts show times in. Default `UTC`. */
  timeZone?: string;
  /** Holds a pass that deletes more than this allows for the user's review. Default: none, every pass applies. */
  review?: ReviewThreshold;
}

/** One turn to process. `time` is epoch milliseconds. */
export interface TurnInput {
  conversationId: string;
  turnId: string;
  speaker: string;
  text: string;
  time: number;
  /** Earlier messages, oldest first; the last `contextTurns` help resolve references. */
  context?: ChatMessage[];
}

/** The stages of processing a turn, reported as they start. */
export type TurnStage = 'extract' | 'retrieve' | 'decide' | 'apply';

/** Options of one `processTurn` call. */
export interface ProcessTurnOptions extends CallOptions {
  onStage?: (stage: TurnStage) => void;
}

/** An operation the model proposed that was not applied, and why. */
export interface RejectedOperation {
  op: unknown;
  reason: string;
}

/**
 * What processing one turn did. A `held` pass applied nothing: `operations` are the changes it would make and
 * `reason` says why they wait for the user's review (the pass journal keeps them).
 */
export interface ProcessTurnResult {
  status: 'applied' | 'failed' | 'skipped' | 'held';
  facts: string[];
  batchId?: string;
  operations: AppliedOp[];
  rejected: RejectedOperation[];
  error?: ErrorData;
  reason?: string;
}
