/**
 * `createMemoryAgent()`: the headless, page-side Memory-R1 agent any web page can host. It starts its own memory
 * worker (store, embedder and both agents run there, as in the app), opens the memory bank named `storageName` (its
 * own IndexedDB database, so two names never see each other's memories) and speaks `MemoryRpc` with it. `send`
 * streams the Answer Agent's reply and returns the Memory Manager's background pass as a promise; `memories` lists,
 * searches, edits, deletes, undoes, exports and imports. With provider `{ kind: 'model' }` the page's own
 * `ChatModel` serves the worker's completions over `PageModelRpc`. The worker is started through
 * `MemoryWorkerClient.start`, as the app's, so a crashed worker is started again (and configured, and served the
 * page's model) while the calls that were waiting fail with `worker-crashed`. The elements (`<memory-r1-chat>`,
 * `<memory-r1-memories>`) are built on this agent. No DOM here.
 */
import * as z from 'zod/mini';
import { AppError, throwIfAborted } from '../core/errors';
import type { ImportReport, MemoryExport, MemoryRecord } from '../core/types';
import { MemoryWorkerClient, type MemoryService } from '../agent/memory-worker-client';
import type { MemoryPassInfo, UsedMemory } from '../core/conversation';
import type { Progress } from '../core/progress';
import { serveRpc } from '../core/rpc';
import { chatRequestSchema, workerName, type PageModelRpc } from '../protocol/agent-protocol';
import {
  DEFAULT_STORAGE_NAME,
  parseAgentOptions,
  parseAgentSettings,
  parseArgument,
  toSettings,
  type AgentSettings,
  type MemoryAgentOptions,
} from './memory-agent-options';
import { ortBase, startMemoryWorker } from './start-memory-worker';

export type {
  AgentSettings,
  EmbedderOptions,
  MemoryAgentOptions,
  ProviderOptions,
} from './memory-agent-options';
export type { MemoryPassInfo, UsedMemory };

/** The Memory Manager's pass over one turn, once it has finished. */
export interface MemoryPassResult {
  /** `done` (applied), `failed`, `held` (waits for review), or `off` (memory turned off). */
  status: MemoryPassInfo['status'];
  operations: MemoryPassInfo['operations'];
  /** The batch to pass to `memories.undo`, when the pass changed memories. */
  batchId?: string;
  error?: MemoryPassInfo['error'];
}

/** What `send` resolves with once the reply has finished streaming. */
export interface AgentReply {
  text: string;
  /** The memories the Answer Agent used. */
  usedMemories: UsedMemory[];
  /** The Memory Manager's background pass over the user's message; never rejects. */
  memoryPass: Promise<MemoryPassResult>;
}

/** Options of `send`. */
export interface SendOptions {
  signal?: AbortSignal;
  /** Called with each streamed piece of the reply. */
  onToken?: (text: string) => void;
}

/** What a `memory-change` event reports. */
export type MemoryChange = { type: 'pass'; messageId: string; pass: MemoryPassResult } | { type: 'changed' };

/** The agent's events. */
export interface MemoryAgentEventMap {
  'memory-change': CustomEvent<MemoryChange>;
  'model-loading': CustomEvent<Progress>;
}

/** A filter for `memories.list`. */
export interface ListOptions {
  speaker?: string;
  /** Most memories returned, newest first; default 50. */
  limit?: number;
}

/** The memory bank of an agent. */
export interface AgentMemories {
  /** Memories, newest first. */
  list(options?: ListOptions): Promise<MemoryRecord[]>;
  /** Memories matching `query`, best first (hybrid keyword and, with an embedder, semantic search). */
  search(query: string, options?: { limit?: number }): Promise<MemoryRecord[]>;
  /** Changes a memory's text; returns the batch id to undo it. */
  update(id: string, text: string): Promise<{ batchId: string }>;
  /** Deletes a memory; returns the batch id to undo it. */
  delete(id: string): Promise<{ batchId: string }>;
  /** Reverses a batch (a memory pass, an edit or a delete). */
  undo(batchId: string): Promise<void>;
  /** The whole bank in the export format (docs/export-format.md). */
  export(): Promise<MemoryExport>;
  /** Imports an export document (validated; nothing is imported when it is invalid). */
  import(doc: unknown): Promise<ImportReport>;
}

const textSchema = z.string().check(z.trim(), z.minLength(1, 'it is empty'), z.maxLength(100_000));
const idSchema = z.string().check(z.minLength(1), z.maxLength(200));
const limitSchema = z.optional(z.int().check(z.positive(), z.maximum(10_000)));

/** A running agent; `close()` stops its worker. */
export class MemoryAgent extends EventTarget {
  /** The agent's memory bank. */
  readonly memories: AgentMemories;
  private conversationId?: string;
  private closed = false;
  private settings: AgentSettings;

  /** Use `createMemoryAgent`. */
  constructor(
    /** The memory worker's protocol client (the elements render the app's views over it). */
    readonly service: MemoryService,
    /** The memory bank's name. */
    readonly storageName: string,
    settings: AgentSettings,
    private readonly stop: () => void,
  ) {
    super();
    this.settings = settings;
    this.memories = this.memoryApi();
    service.onEvent((event) => {
      if (event.type === 'memory-pass') {
        const pass = passResult(event.memory);
        if (pass.status !== 'pending')
          this.emit('memory-change', { type: 'pass', messageId: event.messageId, pass });
      } else if (event.type === 'memories-changed') this.emit('memory-change', { type: 'changed' });
      else if (event.type === 'model-loading') this.emit('model-loading', event.progress);
    });
  }

  /** The conversation `send` continues (the most recent one of this storage name), created on the first message. */
  get conversation(): string | undefined {
    return this.conversationId;
  }

  /** Sends the user's message; resolves when the reply has streamed (its memory pass continues in the background). */
  async send(text: string, options: SendOptions = {}): Promise<AgentReply> {
    this.checkOpen();
    const message = parseArgument(textSchema, text, 'message');
    if (!this.settings.provider) {
      throw new AppError(
        'model-not-configured',
        'This agent has no model: pass provider to createMemoryAgent or configure().',
      );
    }
    throwIfAborted(options.signal);
    const conversationId = await this.ensureConversation(message);
    let usedMemories: UsedMemory[] = [];
    let memoryPass: Promise<MemoryPassResult> | undefined;
    const result = await this.service.call(
      'send',
      { conversationId, text: message },
      {
        signal: options.signal,
        onProgress: (p) => {
          if (p.type === 'user') memoryPass = this.passOf(p.message.id, p.message.memory);
          else if (p.type === 'delta') options.onToken?.(p.text);
          else if (p.type === 'used') usedMemories = p.memories;
        },
      },
    );
    return {
      text: result.assistant.text,
      usedMemories,
      memoryPass: memoryPass ?? this.passOf(result.user.id, result.user.memory),
    };
  }

  /** Changes the provider, speaker or embedder (validated like `createMemoryAgent`'s options). */
  async configure(settings: AgentSettings): Promise<void> {
    this.checkOpen();
    const next = { ...this.settings, ...parseAgentSettings(settings) };
    if (next.provider?.kind === 'model' && this.settings.provider?.kind !== 'model') {
      throw new AppError(
        'provider-fixed',
        'A page model can only be given to createMemoryAgent; create a new agent to use one.',
      );
    }
    await this.service.call('configure', { settings: toSettings(next) });
    this.settings = next;
  }

  /** Stops the worker; a memory pass still running is resumed the next time this storage name is opened. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop();
  }

  /** Adds a typed listener. */
  override addEventListener<K extends keyof MemoryAgentEventMap>(
    type: K,
    listener: (event: MemoryAgentEventMap[K]) => void,
    options?: AddEventListenerOptions | boolean,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null | ((event: CustomEvent) => void),
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /** Uses the most recent conversation, so a reloaded page continues it. */
  async resume(): Promise<void> {
    const conversations = await this.service.call('listConversations', null);
    const latest = conversations.reduce<(typeof conversations)[number] | undefined>(
      (best, c) => (!best || c.updatedAt > best.updatedAt ? c : best),
      undefined,
    );
    this.conversationId = latest?.id;
  }

  private async ensureConversation(firstMessage: string): Promise<string> {
    if (this.conversationId) return this.conversationId;
    const conversation = await this.service.call('createConversation', {
      title: firstMessage.split('\n')[0]?.slice(0, 48),
    });
    this.conversationId = conversation.id;
    return conversation.id;
  }

  /** Resolves when the pass over message `id` has finished. */
  private passOf(id: string, initial: MemoryPassInfo | undefined): Promise<MemoryPassResult> {
    if (initial && initial.status !== 'pending') return Promise.resolve(passResult(initial));
    return new Promise((resolve) => {
      const onChange = (event: MemoryAgentEventMap['memory-change']): void => {
        const change = event.detail;
        if (change.type !== 'pass' || change.messageId !== id) return;
        this.removeEventListener('memory-change', onChange as EventListener);
        resolve(change.pass);
      };
      this.addEventListener('memory-change', onChange);
    });
  }

  private memoryApi(): AgentMemories {
    const call: MemoryService['call'] = (method, params, opts) => {
      this.checkOpen();
      return this.service.call(method, params, opts);
    };
    return {
      list: async (options = {}) =>
        (
          await call('listMemories', {
            speaker: parseArgument(z.optional(z.string()), options.speaker, 'speaker'),
            limit: parseArgument(limitSchema, options.limit, 'limit'),
          })
        ).memories,
      search: async (query, options = {}) =>
        (
          await call('listMemories', {
            query: parseArgument(textSchema, query, 'query'),
            limit: parseArgument(limitSchema, options.limit, 'limit'),
          })
        ).memories,
      update: async (id, text) => ({
        batchId: (
          await call('editMemory', {
            id: parseArgument(idSchema, id, 'id'),
            text: parseArgument(textSchema, text, 'text'),
          })
        ).batchId,
      }),
      delete: async (id) => ({
        batchId: (await call('deleteMemory', { id: parseArgument(idSchema, id, 'id') })).batchId,
      }),
      undo: async (batchId) =>
        void (await call('undo', { batchId: parseArgument(idSchema, batchId, 'batchId') })),
      export: () => call('exportMemories', null),
      import: (doc) => call('importMemories', { data: doc }),
    };
  }

  private emit<K extends keyof MemoryAgentEventMap>(type: K, detail: MemoryAgentEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  private checkOpen(): void {
    if (this.closed)
      throw new AppError('agent-closed', 'This agent was closed; create a new one with createMemoryAgent.');
  }
}

/**
 * Starts an agent: its worker, its memory bank and (when given) its model settings.
 * @example
 * const agent = await createMemoryAgent({ provider: { kind: 'local', baseUrl: 'http://127.0.0.1:8080/v1', model: 'qwen2.5-3b' } });
 * const reply = await agent.send('I moved to Porto.', { onToken: (t) => console.log(t) });
 * console.log(reply.text, (await reply.memoryPass).operations);
 */
export async function createMemoryAgent(options: MemoryAgentOptions = {}): Promise<MemoryAgent> {
  const { storageName = DEFAULT_STORAGE_NAME, signal, ...settings } = parseAgentOptions(options);
  throwIfAborted(signal);
  const settingsDoc = toSettings(settings);
  const pageModel = settings.provider?.kind === 'model' ? settings.provider.chatModel : undefined;
  const name = workerName({
    storageName,
    ortBase: ortBase(),
    ...(pageModel && { pageModel: { id: pageModel.id, contextWindow: pageModel.contextWindow } }),
  });
  // Every worker the client starts (the first, and a new one after a crash) asks the page's model for completions.
  const spawn = (): Worker => {
    const worker = startMemoryWorker(name);
    if (pageModel) {
      serveRpc<PageModelRpc>(worker, {
        complete: ({ request }, ctx) =>
          pageModel.complete(chatRequestSchema.parse(request), { signal: ctx.signal }),
        stream: async ({ request }, ctx) => {
          for await (const delta of pageModel.stream(chatRequestSchema.parse(request), {
            signal: ctx.signal,
          }))
            ctx.progress(delta);
          return null;
        },
      });
    }
    return worker;
  };
  const client = MemoryWorkerClient.start(spawn);
  const agent = new MemoryAgent(client, storageName, settings, () => client.close('This agent was closed.'));
  const abort = (): void => void agent.close();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.call('configure', { settings: settingsDoc }, { signal });
    await agent.resume();
    return agent;
  } catch (err) {
    await agent.close();
    throw err;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

function passResult(info: MemoryPassInfo): MemoryPassResult {
  return {
    status: info.status,
    operations: info.operations,
    ...(info.batchId !== undefined && { batchId: info.batchId }),
    ...(info.error && { error: info.error }),
  };
}
