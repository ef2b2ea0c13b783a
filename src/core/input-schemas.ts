/**
 * The zod schemas of the public entry points' input (`MemoryManager.processTurn`, `AnswerAgent.answer`; the store's
 * are in store/store-input.ts), checked before any model call or write so a wrong value fails at once with the
 * field named (see `parseInput`).
 */
import { z } from 'zod';

const EPOCH_MS = 'must be epoch milliseconds (a number)';

/** A time: epoch milliseconds, a finite number. */
export const epochMsSchema = z.number({ message: EPOCH_MS }).finite({ message: EPOCH_MS });

/** The fields of a `MemoryFilter` (a store query, the memory worker's memory list). */
export const memoryFilterShape = {
  speaker: z.string().optional(),
  conversationId: z.string().optional(),
  includeDeleted: z.boolean().optional(),
};

/** A chat message as the agents take it. */
export const chatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant'], { message: "must be 'system', 'user' or 'assistant'" }),
  content: z.string({ message: 'must be a string' }),
});

/** What `processTurn` takes (`TurnInput`). */
export const turnInputSchema = z.object({
  conversationId: z.string({ message: 'must be a string' }),
  turnId: z.string({ message: 'must be a string' }),
  speaker: z.string({ message: 'must be a string' }),
  text: z.string({ message: 'must be a string' }),
  time: epochMsSchema,
  context: z.array(chatMessageSchema, { message: 'must be a list of chat messages' }).optional(),
});

/** What `answer` takes (`AnswerInput`). */
export const answerInputSchema = z.object({
  question: z.string({ message: 'must be a string' }),
  time: epochMsSchema.optional(),
  mode: z.enum(['chat', 'benchmark'], { message: "must be 'chat' or 'benchmark'" }).optional(),
  conversationId: z.string({ message: 'must be a string' }).optional(),
  history: z.array(chatMessageSchema, { message: 'must be a list of chat messages' }).optional(),
  speakers: z.array(z.string().optional(), { message: 'must be a list of speaker names' }).optional(),
});
