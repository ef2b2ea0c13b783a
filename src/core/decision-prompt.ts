/**
 * The Memory Manager's decision prompt (`memory_operations`): the facts with their related memories under short
 * aliases, packed to the prompt budget, and the grouping of a turn's many facts into several decision calls.
 */
import { buildDecisionMessages, type AliasedMemory } from './prompts/memory-manager';
import { MAX_FACTS_PER_TURN } from './schemas';
import { packPrompt } from './token-budget';
import type { ChatMessage, MemoryRecord } from './types';
import type { TurnInput } from './memory-manager-types';
import type { PromptSettings } from './extract-facts';

/**
 * Share of the decision prompt's room (what the instructions leave) one group of facts may fill, so that the related
 * memories keep the rest: with 4,096 tokens, room for three of the longest (1,000-character) English memories.
 */
const FACTS_SHARE = 0.5;

/** The decision messages for some facts and the memories shown under aliases. */
function decisionMessages(
  settings: PromptSettings,
  turn: TurnInput,
  facts: readonly string[],
  memories: AliasedMemory[],
): ChatMessage[] {
  return buildDecisionMessages({
    facts,
    memories,
    speaker: turn.speaker,
    time: turn.time,
    timeZone: settings.timeZone,
  });
}

/** The decision messages with as many related memories as fit, and the memories shown (alias i is `shown[i]`). */
export async function packDecision(
  settings: PromptSettings,
  turn: TurnInput,
  facts: string[],
  related: MemoryRecord[],
): Promise<{ messages: ChatMessage[]; shown: MemoryRecord[] }> {
  const aliasOf = (i: number): AliasedMemory => ({ id: String(i), text: related[i]!.text });
  const packed = await packPrompt<number>({
    counter: settings.counter,
    budget: settings.budget,
    memories: related.map((_, i) => i),
    render: ({ memories }) => decisionMessages(settings, turn, facts, memories.map(aliasOf)),
  });
  return { messages: packed.messages, shown: packed.memories.map((i) => related[i]!) };
}

/**
 * The facts split, in order, into groups for separate decision calls: each group at most `MAX_FACTS_PER_TURN`
 * facts (so the reply fits the reserved output) filling at most `FACTS_SHARE` of the prompt's room. Facts that
 * fit both limits together stay one group, so a usual turn is decided in one call.
 */
export async function groupFacts(
  settings: PromptSettings,
  turn: TurnInput,
  facts: string[],
): Promise<string[][]> {
  const count = (group: readonly string[]) =>
    settings.counter.countMessages(decisionMessages(settings, turn, group, []));
  const empty = await count([]);
  const limit = empty + Math.floor((settings.budget - empty) * FACTS_SHARE);
  const groups: string[][] = [];
  let current: string[] = [];
  for (const fact of facts) {
    const next = [...current, fact];
    if (current.length > 0 && (next.length > MAX_FACTS_PER_TURN || (await count(next)) > limit)) {
      groups.push(current);
      current = [fact];
    } else {
      current = next;
    }
  }
  groups.push(current);
  return groups;
}
