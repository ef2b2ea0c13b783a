/**
 * What the memory worker does, independent of where it runs: the handlers of the `MemoryRpc` protocol over a
 * `MemoryStore`, a `ConversationStore` and the models the settings select. A user turn is saved, its Memory
 * Manager pass is journaled and queued in the background (memory-passes.ts: passes run one at a time, in turn
 * order, never delay the reply, and are resumed after a closed tab), and the Answer Agent's reply streams back as
 * progress. A reply that fails or is stopped keeps its partial text.
 * `memory.worker.ts` wires this to IndexedDB, transformers.js and the real models; tests use in-memory stores.
 */
import { AnswerAgent } from '../core/answer-agent';
import { USER_MODEL_ID } from '../core/concurrency';
import { isAbortError, NotFoundError, toErrorData } from '../core/errors';
import { newId } from '../core/ids';
import { MemoryManager } from '../core/memory-manager';
import type { Embedder, MemoryStore } from '../core/types';
import type { MemoryRpc, MemoryWorkerEvent, ReplyEvent } from '../protocol/memory-protocol';
import type { StoredMessage } from '../core/conversation';
import type { RpcHandlers } from '../core/rpc';
import { checkedHandlers } from '../core/parse-input';
import { memoryRpcParams } from '../protocol/memory-rpc-params';
import {
  DEFAULT_SPEAKER,
  reviewThreshold,
  userSpeaker,
  validateSettings,
  type Settings,
} from '../protocol/settings';
import type { ConversationStore } from '../store/conversations-store';
import { HISTORY_MESSAGES, toChat } from './chat-history';
import { MemoryPasses } from './memory-passes';
import { listMemoryPage } from './memory-pages';
import { passLocks, type PassLocks } from './pass-locks';
import type { RoleModels } from './role-models';

/** What the memory worker's handlers need from their host. */
export interface MemoryWorkerDeps {
  store: MemoryStore;
  conversations: ConversationStore;
  /** Creates (and for on-device, loads) the models the settings select. */
  createModels(settings: Settings, opts: { signal?: AbortSignal }): Promise<RoleModels>;
  /** Creates the embedder the settings select; `undefined` for keyword search only. */
  createEmbedder?(settings: Settings, opts: { signal?: AbortSignal }): Promise<Embedder | undefined>;
  /** Called once an embedder is ready, to embed memories that have no vector yet. */
  backfill?(embedder: Embedder, opts: { signal?: AbortSignal }): Promise<unknown>;
  /** Pushes an event to the page. */
  emit(event: MemoryWorkerEvent): void;
  now?: () => number;
  /** The locks passes run under; default Web Locks (shared by the tabs), else process-local ones. */
  locks?: PassLocks;
}

/** The memory worker's behaviour, the worker side of `MemoryWorkerClient` (see the module comment). */
export class MemoryWorkerHandlers {
  private settings?: Settings;
  private models?: Promise<RoleModels>;
  private embedder?: Embedder;
  private embedderAbort?: AbortController;
  private readonly passes: MemoryPasses;
  private readonly streaming = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly deps: MemoryWorkerDeps) {
    this.now = deps.now ?? Date.now;
    this.passes = new MemoryPasses({
      store: deps.store,
      conversations: deps.conversations,
      locks: deps.locks ?? passLocks(),
      manager: () => this.manager(),
      embedder: () => this.embedder,
      emit: (event) => deps.emit(event),
      now: this.now,
    });
  }

  /** Resolves when every queued memory pass has finished (tests and benchmarks wait on it). */
  idle(): Promise<void> {
    return this.passes.idle();
  }

  /**
   * Resumes the memory passes a closed tab or a crash interrupted (once the settings are known); the worker calls
   * it again when another tab starts a pass, so that a pass is resumed here if that tab closes mid-pass.
   */
  resumeInterrupted(): Promise<void> {
    return this.settings ? this.passes.resumeInterrupted() : Promise.resolve();
  }

  /** The protocol handlers; each checks its params first (`memoryRpcParams`). */
  handlers(): RpcHandlers<MemoryRpc> {
    const { store, conversations } = this.deps;
    return checkedHandlers(memoryRpcParams, {
      configure: ({ settings }) => this.configure(settings),
      listConversations: () => conversations.listConversations(),
      createConversation: async ({ title }) => {
        const time = this.now();
        const conversation = {
          id: newId(),
          title: title?.trim() || 'Untitled conversation',
          createdAt: time,
          updatedAt: time,
        };
        await conversations.putConversation(conversation);
        return conversation;
      },
      renameConversation: async ({ id, title }) => {
        const conversation = await this.conversation(id);
        const renamed = { ...conversation, title: title.trim().slice(0, 120) || conversation.title };
        await conversations.putConversation(renamed);
        return renamed;
      },
      deleteConversation: async ({ id }) => {
        await conversations.deleteConversation(id);
        return null;
      },
      listMessages: async ({ conversationId }) =>
        (await this.passes.settle(await conversations.listMessages(conversationId))).map((m) =>
          // A reply left "streaming" by a closed tab or crashed worker is shown as stopped, not as still running.
          m.status === 'streaming' && !this.streaming.has(m.id) ? { ...m, status: 'stopped' } : m,
        ),
      send: (params, ctx) => this.send(params.conversationId, params.text, ctx),
      retryReply: (params, ctx) => this.retryReply(params.assistantMessageId, ctx),
      listMemories: (params) => listMemoryPage(store, params),
      editMemory: async ({ id, text }) =>
        this.changed(await store.apply({ ops: [{ op: 'UPDATE', id, text }], modelId: USER_MODEL_ID })),
      deleteMemory: async ({ id }) =>
        this.changed(await store.apply({ ops: [{ op: 'DELETE', id }], modelId: USER_MODEL_ID })),
      undo: async ({ batchId, messageId }) => {
        const result = this.changed(await store.undo(batchId));
        if (messageId) {
          const message = await conversations.getMessage(messageId);
          if (message?.memory)
            await conversations.putMessage({ ...message, memory: { ...message.memory, undone: true } });
        }
        return result;
      },
      history: ({ memoryId }) => store.history(memoryId),
      failures: () => store.failures(),
      retryFailure: ({ turnId }) => this.passes.retry(turnId, this.speaker()),
      heldChanges: () => this.passes.held(),
      applyHeld: ({ turnId }) => this.passes.applyHeld(turnId),
      discardHeld: ({ turnId }) => this.passes.discardHeld(turnId),
      exportMemories: () => store.export(),
      importMemories: async ({ data }) => this.changed(await store.import(data)),
      clearAll: async () => {
        await store.clear();
        await conversations.clear();
        this.changed(null);
        return null;
      },
    });
  }

  private async configure(settings: Settings): Promise<{ modelId: string | null }> {
    const previous = this.settings;
    this.settings = settings;
    if (!previous || modelKey(previous) !== modelKey(settings)) this.models = undefined;
    if (!previous || previous.embeddingModel !== settings.embeddingModel) {
      this.embedderAbort?.abort();
      this.embedderAbort = undefined;
      this.embedder = undefined;
    }
    const modelId =
      settings.provider === 'local'
        ? settings.model || null
        : settings.provider === 'cpu'
          ? settings.cpuModel || null
          : settings.onDeviceModel || null;
    void this.resumeInterrupted().catch(() => undefined);
    return { modelId };
  }

  /**
   * Starts loading the embedder in the background the first time a model is needed (so opening the app loads no
   * model code); until it is ready, retrieval is keyword-only.
   */
  private loadEmbedder(settings: Settings): void {
    const create = this.deps.createEmbedder;
    if (!create || this.embedderAbort) return;
    const controller = new AbortController();
    this.embedderAbort = controller;
    this.deps.emit({ type: 'embedder-status', status: 'loading' });
    void create(settings, { signal: controller.signal })
      .then(async (embedder) => {
        if (controller.signal.aborted) return;
        this.embedder = embedder;
        this.deps.emit({ type: 'embedder-status', status: embedder ? 'ready' : 'unavailable' });
        if (embedder) await this.deps.backfill?.(embedder, { signal: controller.signal });
      })
      .catch((err: unknown) => {
        if (isAbortError(err)) return;
        this.deps.emit({ type: 'embedder-status', status: 'unavailable', message: toErrorData(err).message });
      });
  }

  private agents(): Promise<RoleModels> {
    if (!this.settings) {
      return Promise.reject(new NotFoundError('The app has not sent its settings yet. Reload the page.'));
    }
    const settings = validateSettings(this.settings);
    this.loadEmbedder(settings);
    this.models ??= this.deps.createModels(settings, {}).catch((err: unknown) => {
      this.models = undefined;
      throw err;
    });
    return this.models;
  }

  private async conversation(id: string) {
    const conversation = await this.deps.conversations.getConversation(id);
    if (!conversation) throw new NotFoundError('This conversation no longer exists. Start a new one.');
    return conversation;
  }

  private async send(
    conversationId: string,
    text: string,
    ctx: { signal: AbortSignal; progress(p: ReplyEvent): void },
  ): Promise<{ user: StoredMessage; assistant: StoredMessage }> {
    const { conversations } = this.deps;
    const conversation = await this.conversation(conversationId);
    const earlier = await conversations.listMessages(conversationId);
    const time = Math.max(this.now(), (earlier.at(-1)?.time ?? 0) + 1);
    const memoryOn = this.settings?.memoryEnabled ?? true;
    const user: StoredMessage = {
      id: newId(),
      conversationId,
      role: 'user',
      text,
      time,
      status: 'complete',
      memory: { status: memoryOn ? 'pending' : 'off', operations: [] },
    };
    // The pass is journaled before the message is saved, so a pending turn always has its journal entry.
    const pass = memoryOn ? await this.passes.begin(user, this.speaker()) : undefined;
    try {
      await conversations.putMessage(user);
      await conversations.putConversation({ ...conversation, updatedAt: time });
    } catch (err) {
      await pass?.abandon();
      throw err;
    }
    ctx.progress({ type: 'user', message: user });
    pass?.run();
    const assistant = await this.reply(user, earlier, newId(), ctx);
    return { user, assistant };
  }

  private async retryReply(
    assistantMessageId: string,
    ctx: { signal: AbortSignal; progress(p: ReplyEvent): void },
  ): Promise<StoredMessage> {
    const { conversations } = this.deps;
    const previous = await conversations.getMessage(assistantMessageId);
    const user = previous?.replyTo ? await conversations.getMessage(previous.replyTo) : undefined;
    if (!previous || !user) throw new NotFoundError('That reply no longer exists, so it cannot be retried.');
    const earlier = (await conversations.listMessages(user.conversationId)).filter((m) => m.time < user.time);
    return this.reply(user, earlier, previous.id, ctx);
  }

  /** Streams the Answer Agent's reply to `user`, saving it (also when it fails or is stopped). */
  private async reply(
    user: StoredMessage,
    earlier: StoredMessage[],
    id: string,
    ctx: { signal: AbortSignal; progress(p: ReplyEvent): void },
  ): Promise<StoredMessage> {
    const { conversations } = this.deps;
    let message: StoredMessage = {
      id,
      conversationId: user.conversationId,
      role: 'assistant',
      text: '',
      time: user.time + 1,
      status: 'streaming',
      replyTo: user.id,
    };
    this.streaming.add(id);
    try {
      await conversations.putMessage(message);
      ctx.progress({ type: 'assistant', message });
      const { answer } = await this.agents();
      message = { ...message, modelId: answer.id };
      const agent = new AnswerAgent({ model: answer, store: this.deps.store, embedder: this.embedder });
      const events = agent.stream(
        {
          question: user.text,
          time: user.time,
          mode: 'chat',
          history: toChat(earlier).slice(-HISTORY_MESSAGES),
        },
        { signal: ctx.signal },
      );
      for await (const event of events) {
        if (event.type === 'delta') {
          message = { ...message, text: message.text + event.text };
          ctx.progress({ type: 'delta', text: event.text });
        } else if (event.type === 'done') {
          const used = event.result.usedMemories.map((m) => ({ id: m.id, text: m.text }));
          message = { ...message, text: event.result.answer || message.text, usedMemories: used };
          ctx.progress({ type: 'used', memories: used });
        }
      }
      message = { ...message, status: 'complete' };
      return message;
    } catch (err) {
      message = isAbortError(err)
        ? { ...message, status: 'stopped' }
        : { ...message, status: 'error', error: toErrorData(err) };
      throw err;
    } finally {
      this.streaming.delete(id);
      await conversations.putMessage(message);
    }
  }

  /** Who the user's turns are said by now (their name from the settings, else `User`). */
  private speaker(): string {
    return this.settings ? userSpeaker(this.settings) : DEFAULT_SPEAKER;
  }

  /** A Memory Manager for the current settings, creating the models on first use. */
  private async manager(): Promise<MemoryManager> {
    const { manager } = await this.agents();
    return new MemoryManager({
      model: manager,
      store: this.deps.store,
      embedder: this.embedder,
      review: reviewThreshold(validateSettings(this.settings!)),
    });
  }

  private changed<T>(result: T): T {
    this.deps.emit({ type: 'memories-changed' });
    return result;
  }
}

/** The part of the settings that decides which models run. */
function modelKey(s: Settings): string {
  return JSON.stringify([
    s.provider,
    s.baseUrl,
    s.model,
    s.onDeviceModel,
    s.cpuModel,
    s.managerModel,
    s.answerModel,
  ]);
}
