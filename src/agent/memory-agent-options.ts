/**
 * The options of `createMemoryAgent` and `agent.configure`, validated with zod, and how they become the memory
 * worker's `Settings` (the same settings, and so the same checks, as the app's own Settings view: a local server must
 * be on this machine, model names are checked, the speaker is the user's name). Invalid options throw the app's
 * `SettingsError` naming the option to fix.
 */
import * as z from 'zod/mini';
import { AppError } from '../core/errors';
import type { ChatModel } from '../core/types';
import {
  DEFAULT_SETTINGS,
  NO_EMBEDDINGS,
  SettingsError,
  validateSettings,
  type Settings,
} from '../protocol/settings';
import { storageNameSchema } from '../protocol/agent-protocol';

/** Which model answers and manages memory. */
export type ProviderOptions =
  /** An OpenAI-compatible server on this machine (llama.cpp, Ollama, vLLM). */
  | { kind: 'local'; baseUrl: string; model: string }
  /** WebLLM on this device's GPU; `model` is a WebLLM model id (default: the recommended one). */
  | { kind: 'webllm'; model?: string }
  /**
   * llama.cpp in WebAssembly on this device's CPU (no WebGPU needed); `model` is a CPU catalog id or the URL of a
   * `.gguf` file on Hugging Face or this machine (default: the smallest catalog model).
   */
  | { kind: 'cpu'; model?: string }
  /** Any `ChatModel` living in the page (called from the memory worker for every completion). */
  | { kind: 'model'; chatModel: ChatModel };

/** Which embedder ranks memories besides keywords. */
export type EmbedderOptions =
  /** Keyword search only: nothing is downloaded (the default). */
  | 'none'
  /** The app's default embedding model, downloaded once from the model host (Hugging Face) and cached. */
  | 'default'
  /** A transformers.js model id. */
  | { model: string };

/** What `agent.configure` can change. */
export interface AgentSettings {
  /** Without a provider the agent manages memories but cannot chat. */
  provider?: ProviderOptions;
  /** Who the user's memories are about ("Ana likes tea"); default `User`. */
  speaker?: string;
  /** Default `none`. */
  embedder?: EmbedderOptions;
}

/** Options of `createMemoryAgent`. */
export interface MemoryAgentOptions extends AgentSettings {
  /** The memory bank: two names on one origin never see each other's memories. Default `default`. */
  storageName?: string;
  /** Aborts starting the agent (opening the database). */
  signal?: AbortSignal;
}

/** Storage name when none is given. */
export const DEFAULT_STORAGE_NAME = 'default';

const chatModelSchema = z.custom<ChatModel>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ChatModel).id === 'string' &&
    typeof (value as ChatModel).complete === 'function' &&
    typeof (value as ChatModel).stream === 'function',
  'provider.chatModel must be a ChatModel: { id: string, complete(request), stream(request) }.',
);

const providerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), baseUrl: z.string(), model: z.string() }),
  z.object({ kind: z.literal('webllm'), model: z.optional(z.string()) }),
  z.object({
    kind: z.literal('cpu'),
    model: z.optional(z.string('provider.model must be a CPU catalog id or the URL of a .gguf file.')),
  }),
  z.object({ kind: z.literal('model'), chatModel: chatModelSchema }),
]);

const embedderSchema = z.union([
  z.literal('none'),
  z.literal('default'),
  z.object({ model: z.string().check(z.minLength(1), z.maxLength(200)) }),
]);

const settingsShape = {
  provider: z.optional(providerSchema),
  speaker: z.optional(z.string()),
  embedder: z.optional(embedderSchema),
};
const settingsOptionsSchema = z.object(settingsShape);

const agentOptionsSchema = z.object({
  ...settingsShape,
  storageName: z.optional(storageNameSchema),
  signal: z.optional(z.instanceof(AbortSignal)),
});

/** Validates `createMemoryAgent`'s options; throws `SettingsError` naming the option. */
export function parseAgentOptions(input: unknown): MemoryAgentOptions {
  return parse(agentOptionsSchema, input);
}

/** Validates `agent.configure`'s settings; throws `SettingsError` naming the option. */
export function parseAgentSettings(input: unknown): AgentSettings {
  return parse(settingsOptionsSchema, input);
}

function parse<T>(schema: z.ZodMiniType<T>, input: unknown): T {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'options';
  throw new SettingsError(field, `Invalid option ${field}: ${issue?.message ?? 'malformed'}.`);
}

/** Validates an argument of an agent method; throws `AppError` `invalid-argument` naming it. */
export function parseArgument<T>(schema: z.ZodMiniType<T>, value: unknown, name: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'invalid-argument',
    `Invalid ${name}: ${parsed.error.issues[0]?.message ?? 'malformed'}.`,
  );
}

/** The worker settings for `options` (validated like the app's settings: a local server must be on this machine). */
export function toSettings(options: AgentSettings): Settings {
  const provider = options.provider;
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    onboarded: true,
    userName: options.speaker ?? '',
    embeddingModel: embeddingModel(options.embedder ?? 'none'),
    ...(provider?.kind === 'local' && {
      provider: 'local',
      baseUrl: provider.baseUrl,
      model: provider.model,
    }),
    ...(provider?.kind === 'webllm' && { provider: 'on-device', onDeviceModel: provider.model ?? '' }),
    ...(provider?.kind === 'cpu' && { provider: 'cpu', cpuModel: provider.model ?? '' }),
  };
  try {
    return validateSettings(settings);
  } catch (err) {
    // The settings name the CPU model `cpuModel`; the caller passed it as `provider.model`.
    if (err instanceof SettingsError && err.field === 'cpuModel')
      throw new SettingsError('provider.model', `Invalid option provider.model: ${err.message}`);
    throw err;
  }
}

function embeddingModel(embedder: EmbedderOptions): string {
  if (embedder === 'none') return NO_EMBEDDINGS;
  if (embedder === 'default') return '';
  return embedder.model;
}
