/** The chat model both command lines (eval and rl) build from their flags: an OpenAI-compatible server. */
import type { ChatModel } from '../core/types';
import { OpenAICompatibleChatModel } from '../llm/openai-compatible';

/** An OpenAI-compatible model; the API key, when the server needs one, comes from OPENAI_API_KEY. */
export function chatModel(baseUrl: string, model: string, contextWindow?: number): ChatModel {
  const apiKey = process.env.OPENAI_API_KEY;
  return new OpenAICompatibleChatModel({
    baseUrl,
    model,
    ...(apiKey ? { apiKey } : {}),
    ...(contextWindow !== undefined ? { contextWindow } : {}),
  });
}
