/**
 * Test fixture for indexeddb-store.browser.test.ts: a second agent (its own event loop, locks client and
 * BroadcastChannel, like another tab's memory worker) that opens the same database and applies `count` batches as
 * fast as it can, then reports `{ok}` or the error message.
 */
import { IndexedDbStore } from './indexeddb-store';

self.onmessage = async (event: MessageEvent<{ name: string; count: number; prefix: string }>) => {
  const { name, count, prefix } = event.data;
  try {
    const store = await IndexedDbStore.open({ name });
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        store.apply({ turnId: `${prefix}${i}`, ops: [{ op: 'ADD', text: `${prefix} ${i}` }] }),
      ),
    );
    store.close();
    self.postMessage({ ok: true });
  } catch (err) {
    self.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
};
