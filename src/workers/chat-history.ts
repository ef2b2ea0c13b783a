/**
 * The earlier messages of a conversation as the agents see them: finished messages as chat history, at most
 * `HISTORY_MESSAGES` of them (the Answer Agent's history and the Memory Manager's extraction context).
 */
import type { ChatMessage } from '../core/types';
import type { StoredMessage } from '../core/conversation';

/** Earlier messages shown to the agents. */
export const HISTORY_MESSAGES = 8;

/** Finished messages as chat history (failed replies and empty ones are left out). */
export function toChat(messages: StoredMessage[]): ChatMessage[] {
  return messages
    .filter((m) => m.text && (m.role === 'user' || m.status === 'complete'))
    .map((m) => ({ role: m.role, content: m.text }));
}
