/**
 * Fact extraction, the Memory Manager's first call (`memory_facts`): the turn with a few earlier messages for
 * context, one call per chunk when the text does not fit one prompt whole, the facts trimmed and deduplicated.
 */
import { buildExtractionMessages } from './prompts/memory-manager';
import { throwIfAborted } from './errors';
import { MEMORY_FACTS } from './schemas';
import { completeStructured } from './structured-output';
import { packPrompt, splitTextToFit, type PackInput, type TokenCounter } from './token-budget';
import type { ChatModel } from './types';
import type { TurnInput } from './memory-manager-types';
import { normalize } from './resolve-operations';

/** What the Memory Manager's prompts are built with (fixed per manager). */
export interface PromptSettings {
  model: ChatModel;
  counter: TokenCounter;
  /** Prompt tokens available (context window minus reserved output). */
  budget: number;
  reservedOutput: number;
  temperature: number;
  contextTurns: number;
  timeZone?: string;
}

/**
 * The turn's facts: one extraction call, or one per chunk (in order, same context) when the text does not fit
 * one prompt whole. Any failing chunk fails the whole extraction.
 */
export async function extractFacts(
  settings: PromptSettings,
  turn: TurnInput,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  if (turn.text.trim() === '') return [];
  const context = settings.contextTurns > 0 ? (turn.context ?? []).slice(-settings.contextTurns) : [];
  const input: PackInput<never> = {
    counter: settings.counter,
    budget: settings.budget,
    memories: [],
    turns: context,
    text: turn.text,
    textShare: 0.8,
    turnShare: 1,
    render: ({ turns, text }) =>
      buildExtractionMessages({
        speaker: turn.speaker,
        text,
        time: turn.time,
        context: turns,
        timeZone: settings.timeZone,
      }),
  };
  const facts: string[] = [];
  for (const chunk of await splitTextToFit(input)) {
    if (chunk.trim() === '') continue;
    throwIfAborted(signal);
    const packed = await packPrompt({ ...input, text: chunk });
    const { value } = await completeStructured(settings.model, packed.messages, MEMORY_FACTS, {
      signal,
      temperature: settings.temperature,
      maxTokens: settings.reservedOutput,
    });
    facts.push(...value.facts);
  }
  const seen = new Set<string>();
  return facts
    .map((f) => f.trim())
    .filter((f) => {
      const key = normalize(f);
      if (key === '' || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
