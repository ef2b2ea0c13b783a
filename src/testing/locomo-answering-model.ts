/**
 * A scripted `ChatModel` for LoCoMo benchmark tests, in Node and in the browser: Answer Agent calls get the answer
 * `answerFor` gives to the fixture question their prompt asks, Memory Manager calls (structured output) get
 * `memoryReply` (default: no facts and no operations), and every reply reports the given token usage.
 */
import type { ChatRequest, TokenUsage } from '../core/types';
import type { LocomoQuestion } from '../eval/loaders/locomo-format';
import { ScriptedChatModel } from './scripted-chat-model';

/** Options of `locomoAnsweringModel`. */
export interface LocomoAnsweringModelOptions {
  /** The reply to a `memory_facts` or `memory_operations` request; default empty facts and operations. */
  memoryReply?: (request: ChatRequest) => string;
  /** Usage every reply reports; `null` for a model that reports none. Default 100 prompt, 10 output tokens. */
  usage?: TokenUsage | null;
  /** Runs before each reply: to wait on the signal, advance a clock, or throw to fail the call. */
  before?: (request: ChatRequest, info: { index: number; signal?: AbortSignal }) => void | Promise<void>;
}

/** The last user message of a request (where the agents put the turn or the question). */
export function lastUserMessage(request: ChatRequest): string {
  return [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
}

const emptyMemoryReply = (request: ChatRequest): string =>
  request.schema?.name === 'memory_facts' ? '{"facts": []}' : '{"operations": []}';

/** A model answering LoCoMo `questions` with `answerFor(question)` (see the module comment). */
export function locomoAnsweringModel(
  questions: readonly LocomoQuestion[],
  answerFor: (question: LocomoQuestion) => string,
  options: LocomoAnsweringModelOptions = {},
): ScriptedChatModel {
  const usage = options.usage === undefined ? { promptTokens: 100, completionTokens: 10 } : options.usage;
  const memoryReply = options.memoryReply ?? emptyMemoryReply;
  return new ScriptedChatModel({
    respond: async (request, info) => {
      await options.before?.(request, info);
      const prompt = lastUserMessage(request);
      const question = questions.find((q) => prompt.includes(q.question));
      const text =
        request.schema !== undefined
          ? memoryReply(request)
          : `Memories used: none\n**Answer:** ${question ? answerFor(question) : 'unknown'}`;
      return { text, finishReason: 'stop', ...(usage && { usage }) };
    },
  });
}
