/**
 * Conversations and their messages as plain records: what the chat keeps, what the memory worker stores and what
 * its protocol carries to the page. Types only; their zod schemas and the stores live in
 * `src/store/conversations-store.ts`.
 */
import type { AppliedOp } from './types';

/** One chat conversation. */
export interface Conversation {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
}

/** Where a reply stands: still streaming, finished, stopped by the user, or failed (its partial text kept). */
export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'error';

/** A memory the Answer Agent relied on for a reply. */
export interface UsedMemory {
  id: string;
  text: string;
}

/**
 * The outcome of the Memory Manager's pass over a user turn, shown under that turn. A `held` pass changed nothing
 * yet: `operations` are the changes it would make and `reason` why they wait for the user's review.
 */
export interface MemoryPassInfo {
  status: 'pending' | 'done' | 'failed' | 'off' | 'held';
  batchId?: string;
  operations: AppliedOp[];
  /** True once the user undid this pass's batch. */
  undone?: boolean;
  /** True when the user discarded the changes the pass held for review. */
  discarded?: boolean;
  reason?: string;
  error?: { name: string; code: string; message: string };
}

/** One message of a conversation. */
export interface StoredMessage {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  text: string;
  time: number;
  status: MessageStatus;
  /** For an assistant message: the user message it answers. */
  replyTo?: string;
  error?: { name: string; code: string; message: string };
  usedMemories?: UsedMemory[];
  /** For a user message: what the Memory Manager did with it. */
  memory?: MemoryPassInfo;
  modelId?: string;
}
