/**
 * The OpenAI chat-completions wire format as `OpenAICompatibleChatModel` reads it: zod schemas of completions,
 * streamed chunks, model lists and error bodies (only the fields we use, lenient where servers differ), and their
 * conversion to core types.
 */
import { z } from 'zod';
import type { FinishReason, TokenUsage } from '../core/types';

/** Token usage as servers report it; a malformed one is ignored rather than failing the reply. */
export const usageSchema = z
  .object({ prompt_tokens: z.number(), completion_tokens: z.number() })
  .nullish()
  .catch(undefined);
/** A choice's `finish_reason`; anything unexpected counts as none. */
export const finishSchema = z.string().nullish().catch(null);
/** An error body: `{"error": "..."}` or `{"error": {"message", "code"}}`. */
export const serverErrorSchema = z.object({
  error: z.union([z.string(), z.object({ message: z.string().optional(), code: z.unknown().optional() })]),
});
/** A non-streaming chat completion (only the fields we read). */
export const completionSchema = z.object({
  choices: z
    .array(z.object({ message: z.object({ content: z.string().nullish() }), finish_reason: finishSchema }))
    .min(1),
  usage: usageSchema,
});
/** One streamed `chat.completion.chunk` (only the fields we read). */
export const chunkSchema = z.object({
  choices: z
    .array(
      z.object({
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: finishSchema,
      }),
    )
    .default([]),
  usage: usageSchema,
});
/** The reply of `GET /models`. */
export const modelsSchema = z.object({ data: z.array(z.object({ id: z.string() })) });

/** `JSON.parse`, or undefined for text that is not JSON. */
export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** The server's own error message when the body is `{"error": ...}` JSON, else the raw body. */
export function serverMessage(raw: string): string {
  const parsed = serverErrorSchema.safeParse(parseJson(raw));
  if (!parsed.success) return raw;
  const error = parsed.data.error;
  return typeof error === 'string' ? error : (error.message ?? raw);
}

/** A `Retry-After` header (seconds or an HTTP date) in ms; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A server's finish reason as ours: `stop` (also when absent), `length`, else `other`. */
export function toFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'stop' || reason === null || reason === undefined) return 'stop';
  if (reason === 'length') return 'length';
  return 'other';
}

/** Server usage as `TokenUsage`, when the server sent any. */
export function toUsage(usage: z.infer<typeof usageSchema>): TokenUsage | undefined {
  return usage ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens } : undefined;
}
