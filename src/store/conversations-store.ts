/**
 * Conversations and their messages, as the chat app keeps them: the records, their zod schemas (every record read
 * back from storage is validated) and the `ConversationStore` interface with an in-memory implementation that is
 * also the reference for tests. The IndexedDB implementation lives in `indexeddb-conversations.ts`.
 */
import { z } from 'zod';
import type { Conversation, StoredMessage } from '../core/conversation';

const errorShape = z.object({ name: z.string(), code: z.string(), message: z.string() });

/** Validates a conversation read back from storage. */
export const conversationSchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** Validates a message read back from storage. */
export const storedMessageSchema = z.object({
  id: z.string().min(1),
  conversationId: z.string().min(1),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  time: z.number(),
  status: z.enum(['streaming', 'complete', 'stopped', 'error']),
  replyTo: z.string().optional(),
  error: errorShape.optional(),
  usedMemories: z.array(z.object({ id: z.string(), text: z.string() })).optional(),
  memory: z
    .object({
      status: z.enum(['pending', 'done', 'failed', 'off', 'held']),
      batchId: z.string().optional(),
      operations: z.array(
        z.object({
          op: z.enum(['ADD', 'UPDATE', 'DELETE']),
          memoryId: z.string(),
          text: z.string().optional(),
          previousText: z.string().optional(),
        }),
      ),
      undone: z.boolean().optional(),
      discarded: z.boolean().optional(),
      reason: z.string().optional(),
      error: errorShape.optional(),
    })
    .optional(),
  modelId: z.string().optional(),
});

/** Where conversations and messages are kept. */
export interface ConversationStore {
  /** All conversations, most recently updated first. */
  listConversations(): Promise<Conversation[]>;
  getConversation(id: string): Promise<Conversation | undefined>;
  putConversation(conversation: Conversation): Promise<void>;
  /** Deletes a conversation and all its messages. */
  deleteConversation(id: string): Promise<void>;
  /** A conversation's messages, oldest first. */
  listMessages(conversationId: string): Promise<StoredMessage[]>;
  getMessage(id: string): Promise<StoredMessage | undefined>;
  putMessage(message: StoredMessage): Promise<void>;
  /** Deletes every conversation and message. */
  clear(): Promise<void>;
}

/** Orders messages oldest first (ties keep user before assistant). */
export function byTime(a: StoredMessage, b: StoredMessage): number {
  return a.time - b.time || (a.role === b.role ? 0 : a.role === 'user' ? -1 : 1);
}

/** A `ConversationStore` in memory: the reference implementation, used in tests and when IndexedDB is unavailable. */
export class InMemoryConversationStore implements ConversationStore {
  private readonly conversations = new Map<string, Conversation>();
  private readonly messages = new Map<string, StoredMessage>();

  async listConversations(): Promise<Conversation[]> {
    return [...this.conversations.values()].sort((a, b) => b.updatedAt - a.updatedAt).map((c) => ({ ...c }));
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const c = this.conversations.get(id);
    return c && { ...c };
  }

  async putConversation(conversation: Conversation): Promise<void> {
    this.conversations.set(conversation.id, conversationSchema.parse(conversation));
  }

  async deleteConversation(id: string): Promise<void> {
    this.conversations.delete(id);
    for (const [key, m] of this.messages) if (m.conversationId === id) this.messages.delete(key);
  }

  async listMessages(conversationId: string): Promise<StoredMessage[]> {
    return [...this.messages.values()]
      .filter((m) => m.conversationId === conversationId)
      .sort(byTime)
      .map((m) => structuredClone(m));
  }

  async getMessage(id: string): Promise<StoredMessage | undefined> {
    const m = this.messages.get(id);
    return m && structuredClone(m);
  }

  async putMessage(message: StoredMessage): Promise<void> {
    this.messages.set(message.id, structuredClone(storedMessageSchema.parse(message)));
  }

  async clear(): Promise<void> {
    this.conversations.clear();
    this.messages.clear();
  }
}
