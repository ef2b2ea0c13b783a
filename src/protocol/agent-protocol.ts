/**
 * What an embedded agent (`createMemoryAgent`, src/agent) tells the memory worker beyond `MemoryRpc`: its start
 * options, carried in the worker's `name` (so the worker knows which database to open before the first message
 * arrives), and the reverse protocol through which the worker asks the page's own `ChatModel` for completions
 * (provider `{ kind: 'model' }`). Both directions share one `postMessage` channel: requests and aborts go to
 * servers, results, progress and events to clients, so the two protocols never see each other's messages.
 */
import * as z from 'zod/mini';
import type { ChatDelta, ChatRequest, ChatResult } from '../core/types';

/** Prefix of the IndexedDB database of a named memory bank; the app itself keeps the unprefixed `memory-r1`. */
const DB_PREFIX = 'memory-r1:';

/** Longest storage name; names are shown in the browser's storage inspector. */
export const STORAGE_NAME_MAX_LENGTH = 64;

/** A storage name: letters, digits, `.`, `_`, `-`, 1 to 64 characters. */
export const storageNameSchema = z
  .string()
  .check(
    z.regex(/^[\w.-]+$/, 'Use letters, digits, ".", "_" and "-" only in a storage name.'),
    z.maxLength(STORAGE_NAME_MAX_LENGTH, `A storage name has at most ${STORAGE_NAME_MAX_LENGTH} characters.`),
  );

/** What the memory worker needs to know before it opens its database. */
export const workerStartSchema = z.object({
  /** The memory bank; each name is its own IndexedDB database. */
  storageName: storageNameSchema,
  /** URL of the folder holding ONNX Runtime's wasm files (the embedder's), ending in `/`. */
  ortBase: z.optional(z.string()),
  /** When set, the models are the page's own `ChatModel`, reached through `PageModelRpc`. */
  pageModel: z.optional(z.object({ id: z.string(), contextWindow: z.optional(z.int().check(z.positive())) })),
});

/** The memory worker's start options. */
export type WorkerStart = z.infer<typeof workerStartSchema>;

const NAME_PREFIX = 'memory-r1-agent ';

/** Encodes start options as a worker name (`new Worker(url, { name })`). */
export function workerName(start: WorkerStart): string {
  return NAME_PREFIX + JSON.stringify(workerStartSchema.parse(start));
}

/**
 * Reads the start options from a worker's name; `undefined` for the app's own worker (named `memory`) or a name that
 * is not valid start options.
 */
export function parseWorkerName(name: string): WorkerStart | undefined {
  if (!name.startsWith(NAME_PREFIX)) return undefined;
  try {
    const parsed = workerStartSchema.safeParse(JSON.parse(name.slice(NAME_PREFIX.length)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The IndexedDB database a storage name lives in. */
export function databaseName(storageName: string): string {
  return DB_PREFIX + storageNameSchema.parse(storageName);
}

const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** Validates a completion request crossing from the worker to the page. */
export const chatRequestSchema = z.object({
  messages: z.array(chatMessageSchema),
  temperature: z.optional(z.number()),
  maxTokens: z.optional(z.number()),
  topP: z.optional(z.number()),
  seed: z.optional(z.number()),
  schema: z.optional(z.object({ name: z.string(), schema: z.record(z.string(), z.unknown()) })),
});

const finishReasonSchema = z.enum(['stop', 'length', 'abort', 'other']);
const usageSchema = z.object({ promptTokens: z.number(), completionTokens: z.number() });

/** Validates a completion coming back from the page. */
export const chatResultSchema = z.object({
  text: z.string(),
  finishReason: finishReasonSchema,
  usage: z.optional(usageSchema),
});

/** Validates one streamed piece coming back from the page. */
export const chatDeltaSchema = z.object({
  text: z.string(),
  finishReason: z.optional(finishReasonSchema),
  usage: z.optional(usageSchema),
});

/** What the worker asks of the page's `ChatModel` (served by the page, called from the worker). */
export type PageModelRpc = {
  complete: { params: { request: ChatRequest }; result: ChatResult };
  /** Streams a completion as progress; resolves with `null` once the stream ended. */
  stream: { params: { request: ChatRequest }; result: null; progress: ChatDelta };
};
