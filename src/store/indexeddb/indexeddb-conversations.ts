/**
 * `ConversationStore` in IndexedDB: the `conversations` and `messages` stores of the app database (created by
 * `idb-schema.ts`; this module only reads and writes them). Every record read back is validated, so a damaged
 * record is reported instead of breaking the chat.
 */
import { readRecord, DEFAULT_DB_NAME, type MemoryDb } from './idb-schema';
import { openMemoryDb } from './idb-upgrades';
import {
  byTime,
  conversationSchema,
  storedMessageSchema,
  type ConversationStore,
} from '../conversations-store';
import { type Conversation, type StoredMessage } from '../../core/conversation';

/** Conversations and messages in the app's IndexedDB database. */
export class IndexedDbConversationStore implements ConversationStore {
  private constructor(private readonly db: MemoryDb) {}

  /** Opens (creating or upgrading) the database `name`. */
  static async open(name: string = DEFAULT_DB_NAME): Promise<IndexedDbConversationStore> {
    return new IndexedDbConversationStore(await openMemoryDb(name));
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }

  async listConversations(): Promise<Conversation[]> {
    const rows = await this.db.getAllFromIndex('conversations', 'updatedAt');
    return rows.map((r) => readRecord(conversationSchema, 'conversations', r)).reverse();
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    const row = await this.db.get('conversations', id);
    return row === undefined ? undefined : readRecord(conversationSchema, 'conversations', row, id);
  }

  async putConversation(conversation: Conversation): Promise<void> {
    await this.db.put('conversations', conversationSchema.parse(conversation));
  }

  async deleteConversation(id: string): Promise<void> {
    const tx = this.db.transaction(['conversations', 'messages'], 'readwrite');
    const keys = await tx.objectStore('messages').index('conversationId').getAllKeys(id);
    await Promise.all([
      tx.objectStore('conversations').delete(id),
      ...keys.map((key) => tx.objectStore('messages').delete(key)),
    ]);
    await tx.done;
  }

  async listMessages(conversationId: string): Promise<StoredMessage[]> {
    const rows = await this.db.getAllFromIndex('messages', 'conversationId', conversationId);
    return rows.map((r) => readRecord(storedMessageSchema, 'messages', r)).sort(byTime);
  }

  async getMessage(id: string): Promise<StoredMessage | undefined> {
    const row = await this.db.get('messages', id);
    return row === undefined ? undefined : readRecord(storedMessageSchema, 'messages', row, id);
  }

  async putMessage(message: StoredMessage): Promise<void> {
    await this.db.put('messages', storedMessageSchema.parse(message));
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(['conversations', 'messages'], 'readwrite');
    await Promise.all([tx.objectStore('conversations').clear(), tx.objectStore('messages').clear()]);
    await tx.done;
  }
}
