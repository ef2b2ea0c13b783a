/**
 * The memory worker: the IndexedDB memory bank and conversations, the embedder (transformers.js) and both agents
 * run here, off the main thread. The models come from `role-models.ts`: `OpenAICompatibleChatModel`s fetching from
 * this worker for the Local server provider, `WebLlmChatModel`s over a WebLLM engine in a nested engine worker for
 * On-device. Heavy libraries (WebLLM, transformers.js) are imported only when the settings need them.
 * A worker started by an embedded agent (`createMemoryAgent`) carries its start options in its name
 * (protocol/agent-protocol.ts): its own database per storage name, where ONNX Runtime's files are, and, for a page
 * model, `PageChatModel`s that ask the page for every completion.
 */
import { MemoryWorkerHandlers } from './memory-worker-handlers';
import { createEmbedder, createRoleModels, type RoleModels } from './role-models';
import { PageChatModel } from './page-model';
import { databaseName, parseWorkerName, type PageModelRpc } from '../protocol/agent-protocol';
import { RpcClient, serveRpc, type RpcEndpoint } from '../core/rpc';
import type { MemoryRpc, MemoryWorkerEvent } from '../protocol/memory-protocol';
import { IndexedDbStore } from '../store/indexeddb/indexeddb-store';
import { IndexedDbConversationStore } from '../store/indexeddb/indexeddb-conversations';
import { InMemoryConversationStore, type ConversationStore } from '../store/conversations-store';
import { errorMessage } from '../core/errors';

const endpoint = self as unknown as RpcEndpoint;
let emit: (event: MemoryWorkerEvent) => void = () => undefined;
const agent = parseWorkerName(self.name);
const dbName = agent ? databaseName(agent.storageName) : undefined;

/** The page's own model when the agent brought one (one instance serves both roles). */
function pageModels(): RoleModels | undefined {
  if (!agent?.pageModel) return undefined;
  const { id, contextWindow } = agent.pageModel;
  const model = new PageChatModel(new RpcClient<PageModelRpc>(endpoint), id, contextWindow);
  return { manager: model, answer: model };
}

async function openConversations(): Promise<ConversationStore> {
  try {
    return await IndexedDbConversationStore.open(dbName);
  } catch {
    // Without IndexedDB (some private modes) the chat still works for this session.
    return new InMemoryConversationStore();
  }
}

async function start(): Promise<void> {
  const [store, conversations] = await Promise.all([
    IndexedDbStore.open({ name: dbName }),
    openConversations(),
  ]);
  const fromPage = pageModels();
  const handlers = new MemoryWorkerHandlers({
    store,
    conversations,
    createModels: async (settings, opts) =>
      fromPage ??
      createRoleModels(settings, {
        signal: opts.signal,
        onLoading: (progress) => emit({ type: 'model-loading', progress }),
      }),
    createEmbedder: (settings, opts) => createEmbedder(settings, { ...opts, wasmPaths: agent?.ortBase }),
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
    if (change.kind === 'passes') void handlers.resumeInterrupted().catch(() => undefined);
  });
  const server = serveRpc<MemoryRpc, MemoryWorkerEvent>(endpoint, handlers.handlers());
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
    const message = errorMessage(err);
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
