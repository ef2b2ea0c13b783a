/** Folding a streamed completion into the result `ChatModel.complete` returns, for models that only stream. */
import type { ChatDelta, ChatResult, FinishReason, TokenUsage } from './types';

/**
 * Reads a stream of deltas to its end and returns their text joined, the last finish reason given (`'stop'` when
 * none is) and the last usage given (left out when none is).
 */
export async function collectStream(deltas: AsyncIterable<ChatDelta>): Promise<ChatResult> {
  let text = '';
  let finishReason: FinishReason = 'stop';
  let usage: TokenUsage | undefined;
  for await (const delta of deltas) {
    text += delta.text;
    if (delta.finishReason) finishReason = delta.finishReason;
    if (delta.usage) usage = delta.usage;
  }
  return { text, finishReason, ...(usage && { usage }) };
}
