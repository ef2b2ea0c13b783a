/**
 * What the memory worker does, independent of where it runs: the handlers of the `MemoryRpc` protocol over a
 * `MemoryStore`, a `ConversationStore` and the models the settings select. A user turn is saved, its Memory
 * Manager pass is queued in the background (passes run one at a time, in turn order, and never delay the reply),
 * and the Answer Agent's reply streams back as progress. A reply that fails or is stopped keeps its partial text.
 * `memory.worker.ts` wires this to IndexedDB, transformers.js and the real models; tests use in-memory stores.
 */
import { AnswerAgent } from '../core/answer-agent';
import { isAbortError, NotFoundError, toErrorData } from '../core/errors';
import { newId } from '../core/ids';
import { MemoryManager, type ProcessTurnResult } from '../core/memory-manager';
import type { ChatMessage, Embedder, MemoryStore } from '../core/types';
import type {
  MemoryPassInfo,
  MemoryRpc,
  MemoryWorkerEvent,
  ReplyProgress,
  StoredMessage,
} from '../client/memory-protocol';
import type { RpcHandlers } from '../client/rpc';
import {
  DEFAULT_SPEAKER,
  settingsSchema,
  userSpeaker,
  validateSettings,
  type Settings,
} from '../client/settings';
import type { ConversationStore } from '../store/conversations-store';
import { listMemoryPage } from './memory-pages';
import type { RoleModels } from './role-models';

/** What the service needs from its host. */
export interface MemoryServiceDeps {
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
}

/** Earlier messages shown to the agents. */
const HISTORY_MESSAGES = 8;

/** The memory worker's behaviour (see the module comment). */
export class MemoryService {
  private settings?: Settings;
  private models?: Promise<RoleModels>;
  private embedder?: Embedder;
  private embedderAbort?: AbortController;
  private passes: Promise<unknown> = Promise.resolve();
  private readonly streaming = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly deps: MemoryServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Resolves when every queued memory pass has finished (tests and benchmarks wait on it). */
  idle(): Promise<void> {
    return this.passes.then(() => undefined);
  }

  /** The protocol handlers. */
  handlers(): RpcHandlers<MemoryRpc> {
    const { store, conversations } = this.deps;
    return {
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
        (await conversations.listMessages(conversationId)).map((m) =>
          // A reply left "streaming" by a closed tab or crashed worker is shown as stopped, not as still running.
          m.status === 'streaming' && !this.streaming.has(m.id) ? { ...m, status: 'stopped' } : m,
        ),
      send: (params, ctx) => this.send(params.conversationId, params.text, ctx),
      retryReply: (params, ctx) => this.retryReply(params.assistantMessageId, ctx),
      listMemories: (params) => listMemoryPage(store, params),
      editMemory: async ({ id, text }) =>
        this.changed(await store.apply({ ops: [{ op: 'UPDATE', id, text }], modelId: 'user' })),
      deleteMemory: async ({ id }) =>
        this.changed(await store.apply({ ops: [{ op: 'DELETE', id }], modelId: 'user' })),
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
      retryFailure: ({ turnId }) => this.retryFailure(turnId),
      exportMemories: () => store.export(),
      importMemories: async ({ data }) => this.changed(await store.import(data)),
      clearAll: async () => {
        await store.clear();
        await conversations.clear();
        this.changed(null);
        return null;
      },
    };
  }

  private async configure(input: Settings): Promise<{ modelId: string | null }> {
    const settings = settingsSchema.parse(input);
    const previous = this.settings;
    this.settings = settings;
    if (!previous || modelKey(previous) !== modelKey(settings)) this.models = undefined;
    if (!previous || previous.embeddingModel !== settings.embeddingModel) {
      this.embedderAbort?.abort();
      this.embedderAbort = undefined;
      this.embedder = undefined;
    }
    const modelId = settings.provider === 'local' ? settings.model || null : settings.onDeviceModel || null;
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
    ctx: { signal: AbortSignal; progress(p: ReplyProgress): void },
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
    await conversations.putMessage(user);
    await conversations.putConversation({ ...conversation, updatedAt: time });
    ctx.progress({ type: 'user', message: user });
    if (memoryOn) this.queuePass(user, toChat(earlier));
    const assistant = await this.reply(user, earlier, newId(), ctx);
    return { user, assistant };
  }

  private async retryReply(
    assistantMessageId: string,
    ctx: { signal: AbortSignal; progress(p: ReplyProgress): void },
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
    ctx: { signal: AbortSignal; progress(p: ReplyProgress): void },
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

  private queuePass(user: StoredMessage, context: ChatMessage[]): void {
    const speaker = this.speaker();
    this.passes = this.passes.then(() => this.pass(user, context, speaker)).catch(() => undefined);
  }

  /** Runs the Memory Manager over one user turn said by `speaker` and records the outcome on the message. */
  private async pass(user: StoredMessage, context: ChatMessage[], speaker: string): Promise<MemoryPassInfo> {
    let info: MemoryPassInfo;
    try {
      const { manager } = await this.agents();
      const mm = new MemoryManager({ model: manager, store: this.deps.store, embedder: this.embedder });
      const result = await mm.processTurn({
        conversationId: user.conversationId,
        turnId: user.id,
        speaker,
        text: user.text,
        time: user.time,
        context: context.slice(-HISTORY_MESSAGES),
      });
      info = passInfo(result, user.memory);
    } catch (err) {
      // The models could not even be created: record it like a failed pass so Retry finds it.
      const error = toErrorData(err);
      await this.deps.store.recordFailure({
        turnId: user.id,
        conversationId: user.conversationId,
        speaker,
        text: user.text,
        turnTime: user.time,
        stage: 'extract',
        code: error.code,
        message: error.message,
        time: this.now(),
        attempts: 1,
      });
      info = { status: 'failed', operations: [], error };
    }
    const latest = await this.deps.conversations.getMessage(user.id);
    if (latest) await this.deps.conversations.putMessage({ ...latest, memory: info });
    this.deps.emit({
      type: 'memory-pass',
      conversationId: user.conversationId,
      messageId: user.id,
      memory: info,
    });
    this.deps.emit({ type: 'memories-changed' });
    return info;
  }

  private async retryFailure(turnId: string): Promise<MemoryPassInfo> {
    const failure = (await this.deps.store.failures()).find((f) => f.turnId === turnId);
    const message = await this.deps.conversations.getMessage(turnId);
    const user: StoredMessage | undefined =
      message ??
      (failure && {
        id: failure.turnId,
        conversationId: failure.conversationId ?? '',
        role: 'user',
        text: failure.text,
        time: failure.turnTime,
        status: 'complete',
      });
    if (!user) throw new NotFoundError('That memory pass is no longer waiting for a retry.');
    const earlier = message
      ? (await this.deps.conversations.listMessages(message.conversationId)).filter(
          (m) => m.time < message.time,
        )
      : [];
    // A retried turn keeps the speaker it was said under, even if the user has changed their name since.
    const speaker = failure?.speaker ?? this.speaker();
    const run = this.passes.then(() => this.pass(user, toChat(earlier), speaker));
    this.passes = run.catch(() => undefined);
    return run;
  }

  private changed<T>(result: T): T {
    this.deps.emit({ type: 'memories-changed' });
    return result;
  }
}

/** The part of the settings that decides which models run. */
function modelKey(s: Settings): string {
  return JSON.stringify([s.provider, s.baseUrl, s.model, s.onDeviceModel, s.managerModel, s.answerModel]);
}

/** Finished messages as chat history (failed replies and empty ones are left out). */
function toChat(messages: StoredMessage[]): ChatMessage[] {
  return messages
    .filter((m) => m.text && (m.role === 'user' || m.status === 'complete'))
    .map((m) => ({ role: m.role, content: m.text }));
}

function passInfo(result: ProcessTurnResult, previous: MemoryPassInfo | undefined): MemoryPassInfo {
  if (result.status === 'failed') return { status: 'failed', operations: [], error: result.error };
  if (result.status === 'skipped' && previous?.status === 'done') return previous;
  return { status: 'done', batchId: result.batchId, operations: result.operations };
}
