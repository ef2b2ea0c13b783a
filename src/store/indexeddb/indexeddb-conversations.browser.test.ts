import { afterEach, describe, expect, it } from 'vitest';
import { IndexedDbConversationStore } from './indexeddb-conversations';
import type { StoredMessage } from '../../core/conversation';

const opened: IndexedDbConversationStore[] = [];

async function open(): Promise<IndexedDbConversationStore> {
  const store = await IndexedDbConversationStore.open(`conversations-test-${crypto.randomUUID()}`);
  opened.push(store);
  return store;
}

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function message(
  id: string,
  conversationId: string,
  time: number,
  role: 'user' | 'assistant',
): StoredMessage {
  return { id, conversationId, role, text: `${role} ${id}`, time, status: 'complete' };
}

describe('IndexedDbConversationStore', () => {
  it('lists conversations most recently updated first and messages oldest first', async () => {
    const store = await open();
    await store.putConversation({ id: 'a', title: 'A', createdAt: 1, updatedAt: 5 });
    await store.putConversation({ id: 'b', title: 'B', createdAt: 2, updatedAt: 9 });
    await store.putMessage(message('m2', 'a', 20, 'assistant'));
    await store.putMessage(message('m1', 'a', 10, 'user'));
    await store.putMessage(message('x', 'b', 15, 'user'));
    expect((await store.listConversations()).map((c) => c.id)).toEqual(['b', 'a']);
    expect((await store.listMessages('a')).map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('deletes a conversation together with its messages only', async () => {
    const store = await open();
    await store.putConversation({ id: 'a', title: 'A', createdAt: 1, updatedAt: 1 });
    await store.putConversation({ id: 'b', title: 'B', createdAt: 1, updatedAt: 1 });
    await store.putMessage(message('m1', 'a', 1, 'user'));
    await store.putMessage(message('m2', 'b', 1, 'user'));
    await store.deleteConversation('a');
    expect(await store.getConversation('a')).toBeUndefined();
    expect(await store.getMessage('m1')).toBeUndefined();
    expect(await store.getMessage('m2')).toBeDefined();
  });

  it('keeps memory-pass details of a message across a reopen', async () => {
    const name = `conversations-test-${crypto.randomUUID()}`;
    const first = await IndexedDbConversationStore.open(name);
    await first.putMessage({
      ...message('m1', 'a', 1, 'user'),
      memory: {
        status: 'done',
        batchId: 'b1',
        operations: [{ op: 'ADD', memoryId: 'x', text: 'Likes tea' }],
      },
    });
    first.close();
    const second = await IndexedDbConversationStore.open(name);
    opened.push(second);
    expect((await second.getMessage('m1'))?.memory?.operations[0]?.text).toBe('Likes tea');
  });

  it('clears everything', async () => {
    const store = await open();
    await store.putConversation({ id: 'a', title: 'A', createdAt: 1, updatedAt: 1 });
    await store.putMessage(message('m1', 'a', 1, 'user'));
    await store.clear();
    expect(await store.listConversations()).toEqual([]);
    expect(await store.listMessages('a')).toEqual([]);
  });
});
