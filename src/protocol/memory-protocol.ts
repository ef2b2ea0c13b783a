/**
 * The protocol between the page and the memory worker (`src/workers/memory.worker.ts`): every method with its
 * params, result and progress, and the events the worker pushes on its own (a background memory pass finished,
 * memories changed, the on-device model is loading). Types only; the page talks through `MemoryWorkerClient`.
 */
import type {
  AppliedBatch,
  AppliedOp,
  ImportReport,
  MemoryEvent,
  MemoryExport,
  MemoryFilter,
  MemoryPage,
  TurnFailure,
} from '../core/types';
import type { Conversation, MemoryPassInfo, StoredMessage, UsedMemory } from '../core/conversation';
import type { Progress } from '../core/progress';
import type { Settings } from './settings';

/** What a reply reports while it is produced: the stored messages, the memories it uses, its text piece by piece. */
export type ReplyEvent =
  | { type: 'user'; message: StoredMessage }
  | { type: 'assistant'; message: StoredMessage }
  | { type: 'used'; memories: UsedMemory[] }
  | { type: 'delta'; text: string };

/** Lists memories: a store filter plus an optional search text (ranked by the store's hybrid search). */
export interface ListMemoriesParams extends MemoryFilter {
  query?: string;
  /**
   * Most memories to return, newest first (best first for a search), default 50. The result's `total` says how many
   * match in all (for a search, how many it found: at most 200); its `speakers` are those of all live memories.
   */
  limit?: number;
}

/** A memory pass held for review, as the Memories view lists it: its turn, why, and the changes it would make. */
export interface HeldChange {
  turnId: string;
  conversationId?: string;
  /** The turn's text. */
  text: string;
  turnTime: number;
  reason: string;
  operations: AppliedOp[];
}

/** Every method of the memory worker. */
export type MemoryRpc = {
  configure: { params: { settings: Settings }; result: { modelId: string | null } };
  listConversations: { params: null; result: Conversation[] };
  createConversation: { params: { title?: string }; result: Conversation };
  renameConversation: { params: { id: string; title: string }; result: Conversation };
  deleteConversation: { params: { id: string }; result: null };
  listMessages: { params: { conversationId: string }; result: StoredMessage[] };
  /** Saves the user's message, starts the background memory pass and streams the reply. */
  send: {
    params: { conversationId: string; text: string };
    result: { user: StoredMessage; assistant: StoredMessage };
    progress: ReplyEvent;
  };
  /** Produces the reply to `userMessageId` again, replacing the previous reply. */
  retryReply: { params: { assistantMessageId: string }; result: StoredMessage; progress: ReplyEvent };
  listMemories: { params: ListMemoriesParams; result: MemoryPage };
  editMemory: { params: { id: string; text: string }; result: AppliedBatch };
  deleteMemory: { params: { id: string }; result: AppliedBatch };
  /** Reverses a batch; with `messageId`, also marks that turn's memory events as undone. */
  undo: { params: { batchId: string; messageId?: string }; result: AppliedBatch };
  history: { params: { memoryId?: string }; result: MemoryEvent[] };
  failures: { params: null; result: TurnFailure[] };
  retryFailure: { params: { turnId: string }; result: MemoryPassInfo };
  /** Memory passes held for review (they would delete more than the review threshold allows), oldest first. */
  heldChanges: { params: null; result: HeldChange[] };
  /** Applies a held pass, re-checking every memory it changes; a memory changed since fails it (with Retry). */
  applyHeld: { params: { turnId: string }; result: MemoryPassInfo };
  /** Discards a held pass: nothing is changed and the turn counts as processed. */
  discardHeld: { params: { turnId: string }; result: MemoryPassInfo };
  exportMemories: { params: null; result: MemoryExport };
  importMemories: { params: { data: unknown }; result: ImportReport };
  /** Deletes every memory, event, failure, conversation and message. */
  clearAll: { params: null; result: null };
};

/** Events the worker pushes outside any call. */
export type MemoryWorkerEvent =
  | { type: 'memory-pass'; conversationId: string; messageId: string; memory: MemoryPassInfo }
  | { type: 'memories-changed' }
  /** Loading the on-device model (download, then compile); `warning` when the role models may not fit together. */
  | { type: 'model-loading'; progress: Progress }
  | { type: 'embedder-status'; status: 'loading' | 'ready' | 'unavailable'; message?: string };
