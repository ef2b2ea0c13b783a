/**
 * The memory worker: the IndexedDB memory bank and conversations, the embedder (transformers.js) and both agents
 * run here, off the main thread. The models come from `role-models.ts`: `OpenAICompatibleChatModel`s fetching from
 * this worker for the Local server provider, `WebLlmChatModel`s over a WebLLM engine in a nested engine worker for
 * On-device. Heavy libraries (WebLLM, transformers.js) are imported only when the settings need them.
 */
import { MemoryService } from './memory-service';
import { createEmbedder, createRoleModels } from './role-models';
import { serveRpc, type RpcEndpoint } from '../client/rpc';
import type { MemoryRpc, MemoryWorkerEvent } from '../client/memory-protocol';
import { IndexedDbStore } from '../store/indexeddb-store';
import { IndexedDbConversationStore } from '../store/indexeddb-conversations';
import { InMemoryConversationStore, type ConversationStore } from '../store/conversations-store';

const endpoint = self as unknown as RpcEndpoint;
let emit: (event: MemoryWorkerEvent) => void = () => undefined;

async function openConversations(): Promise<ConversationStore> {
  try {
    return await IndexedDbConversationStore.open();
  } catch {
    // Without IndexedDB (some private modes) the chat still works for this session.
    return new InMemoryConversationStore();
  }
}

async function start(): Promise<void> {
  const [store, conversations] = await Promise.all([IndexedDbStore.open(), openConversations()]);
  const service = new MemoryService({
    store,
    conversations,
    createModels: (settings, opts) =>
      createRoleModels(settings, {
        signal: opts.signal,
        onLoading: (p) =>
          emit({
            type: 'model-loading',
            progress: { progress: p.fraction, text: p.text, warning: p.warning },
          }),
      }),
    createEmbedder,
    backfill: async (embedder, opts) => {
      const { runBackfill } = await import('../embed/backfill');
      return runBackfill(store, embedder, opts);
    },
    emit: (event) => emit(event),
  });
  store.onChange((change) => {
    if (change.origin !== 'remote') return;
    emit({ type: 'memories-changed' });
    // Another tab started a pass: wait on its lock, so the pass is resumed here if that tab closes mid-pass.
    if (change.kind === 'passes') void service.resumeInterrupted().catch(() => undefined);
  });
  const server = serveRpc<MemoryRpc, MemoryWorkerEvent>(endpoint, service.handlers());
  emit = (event) => server.emit(event);
}

// Messages that arrive while the database opens are held, then replayed to the real handlers.
const early: MessageEvent[] = [];
const hold = (event: MessageEvent): void => void early.push(event);
endpoint.addEventListener('message', hold);
void start().then(
  () => {
    endpoint.removeEventListener('message', hold);
    for (const event of early.splice(0))
      self.dispatchEvent(new MessageEvent('message', { data: event.data }));
  },
  (err: unknown) => {
    endpoint.removeEventListener('message', hold);
    const message = err instanceof Error ? err.message : String(err);
    const reply = (event: MessageEvent): void => {
      const data = event.data as { kind?: unknown; id?: unknown };
      if (data?.kind !== 'request' || typeof data.id !== 'number') return;
      endpoint.postMessage({
        kind: 'error',
        id: data.id,
        error: {
          name: 'AppError',
          code: 'storage-unavailable',
          message: `The memory database could not be opened (${message}). Close other tabs of this app and reload; if it persists, clear the site's data in the browser settings.`,
        },
      });
    };
    for (const event of early.splice(0)) reply(event);
    endpoint.addEventListener('message', reply);
  },
);
