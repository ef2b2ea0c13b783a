/**
 * The Memory-R1 RL datasets, one row per LoCoMo question (category 5, adversarial, is left out as in the paper):
 *
 * - Answer Agent rows: the exact messages the Answer Agent sends in benchmark mode (up to 60 memories retrieved
 *   from the conversation's final bank, packed into the context window) and the gold answer.
 * - Memory Manager rows: the question's latest evidence turn with facts, the temporal bank of the `window` turns
 *   before it, and the exact decision messages the Memory Manager sends for that turn's facts; `extra_info`
 *   carries what the reward needs (the bank, the aliases shown, the question) as JSON text.
 *
 * Rows follow verl's RL dataset layout: `data_source`, `prompt` (chat messages), `ability`,
 * `reward_model: {style: 'rule', ground_truth}` and `extra_info`. Every row of one agent has the same
 * `extra_info` fields, so the Parquet schema is fixed; nested data that varies lives in JSON text fields.
 */
import { z } from 'zod';
import { AnswerAgent } from '../core/answer-agent';
import { AppError, throwIfAborted } from '../core/errors';
import { MemoryManager } from '../core/memory-manager';
import type { CallOptions, ChatMessage, ChatModel, ChatRequest, ChatResult } from '../core/types';
import { isAdversarial, type LocomoConversation, type LocomoQuestion } from '../eval/loaders/locomo-format';
import {
  bankBefore,
  finalBank,
  storeOf,
  type BankMemory,
  type BankSource,
  type ConversationBank,
} from './banks';

/** The two trained agents. */
export type RlAgent = 'answer' | 'manager';

/** `data_source` of each agent's rows (the reward function dispatches on it). */
export const DATA_SOURCES: Record<RlAgent, string> = {
  answer: 'locomo/memory-r1-answer',
  manager: 'locomo/memory-r1-manager',
};

const ABILITIES: Record<RlAgent, string> = { answer: 'memory-qa', manager: 'memory-management' };

/** Default number of turns before the evidence turn whose memories form the temporal bank. */
export const DEFAULT_WINDOW = 50;

/** What a Memory Manager reward needs besides the completion (stored as JSON in `extra_info.manager_state`). */
export interface ManagerState {
  conversationId: string;
  turnId: string;
  speaker: string;
  /** Time of the evidence turn (epoch ms). */
  turnTime: number;
  /** The question and when it is asked (the end of the conversation). */
  question: string;
  questionTime: number;
  facts: string[];
  /** The temporal bank before the turn. */
  bank: BankMemory[];
  /** Ids of the bank memories shown to the model, in alias order: alias "0" is `aliases[0]`. */
  aliases: string[];
}

const bankMemorySchema = z.object({ id: z.string(), text: z.string(), speaker: z.string().optional() });

/** Validator of `ManagerState` (it arrives over HTTP and from files). */
export const managerStateSchema: z.ZodType<ManagerState> = z.object({
  conversationId: z.string(),
  turnId: z.string(),
  speaker: z.string(),
  turnTime: z.number(),
  question: z.string(),
  questionTime: z.number(),
  facts: z.array(z.string()),
  bank: z.array(bankMemorySchema),
  aliases: z.array(z.string()),
});

/** `extra_info` of a row. JSON text fields keep the Parquet schema fixed. */
export interface RlExtraInfo {
  split: string;
  index: number;
  agent: RlAgent;
  question_id: string;
  conversation_id: string;
  question: string;
  category: number;
  bank_source: BankSource;
  /** JSON array of the evidence turn ids. */
  evidence: string;
  /** JSON of `ManagerState` for manager rows; `null` for answer rows. */
  manager_state: string | null;
}

/** One dataset row in verl's layout. */
export interface RlRow {
  data_source: string;
  prompt: ChatMessage[];
  ability: string;
  reward_model: { style: 'rule'; ground_truth: string };
  extra_info: RlExtraInfo;
}

const messageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });

/** Validator of a row read back from JSONL or Parquet (`index` and `category` may arrive as bigint). */
export const rlRowSchema: z.ZodType<RlRow> = z.object({
  data_source: z.string(),
  prompt: z.array(messageSchema).min(1),
  ability: z.string(),
  reward_model: z.object({ style: z.literal('rule'), ground_truth: z.string() }),
  extra_info: z.object({
    split: z.string(),
    index: z.union([z.number(), z.bigint()]).transform(Number),
    agent: z.enum(['answer', 'manager']),
    question_id: z.string(),
    conversation_id: z.string(),
    question: z.string(),
    category: z.union([z.number(), z.bigint()]).transform(Number),
    bank_source: z.enum(['observations', 'model']),
    evidence: z.string(),
    manager_state: z.string().nullable(),
  }),
});

/** Why a question produced no row. */
export type SkipReason = 'adversarial' | 'no-evidence-turn' | 'no-facts';

/** Rows built for one conversation and the questions skipped, counted by reason. */
export interface BuiltRows {
  rows: RlRow[];
  skipped: Partial<Record<SkipReason, number>>;
}

/** Options of the row builders. */
export interface BuildRowsOptions extends CallOptions {
  split: string;
  /** Index of the first row (rows of a split are numbered across conversations). */
  startIndex?: number;
  /** Turns before the evidence turn whose memories form the temporal bank. Default 50. */
  window?: number;
  /** Context window the prompts are packed into. Default: the model's, else 4,096. */
  contextWindow?: number;
  /** The model the prompts are for (its tokenizer counts tokens when it has one); never called. */
  model?: ChatModel;
}

/** Stands in for a model when only prompts are built: it counts tokens the default way and is never called. */
class PromptOnlyModel implements ChatModel {
  readonly id = 'prompt-builder';
  constructor(readonly contextWindow?: number) {}
  complete(_req: ChatRequest, _opts?: CallOptions): Promise<ChatResult> {
    return Promise.reject(new AppError('prompt-only', 'Building prompts never calls a model.'));
  }
  // eslint-disable-next-line require-yield
  async *stream(): AsyncIterable<never> {
    throw new AppError('prompt-only', 'Building prompts never calls a model.');
  }
}

function promptModel(opts: BuildRowsOptions): ChatModel {
  return opts.model ?? new PromptOnlyModel(opts.contextWindow);
}

function endTime(bank: ConversationBank): number {
  return bank.turnTimes.at(-1) ?? 0;
}

function baseExtra(
  agent: RlAgent,
  q: LocomoQuestion,
  bank: ConversationBank,
  split: string,
  index: number,
): Omit<RlExtraInfo, 'manager_state'> {
  return {
    split,
    index,
    agent,
    question_id: q.id,
    conversation_id: q.conversationId,
    question: q.question,
    category: q.category,
    bank_source: bank.source,
    evidence: JSON.stringify(q.evidence),
  };
}

function row(agent: RlAgent, prompt: ChatMessage[], gold: string, extra: RlExtraInfo): RlRow {
  return {
    data_source: DATA_SOURCES[agent],
    prompt,
    ability: ABILITIES[agent],
    reward_model: { style: 'rule', ground_truth: gold },
    extra_info: extra,
  };
}

/**
 * The rows `build` makes for each non-adversarial question of `conversation`, numbered from `opts.startIndex`; a
 * question `build` skips (by returning the reason) and every adversarial one are counted in `skipped`.
 */
async function questionRows(
  conversation: LocomoConversation,
  opts: BuildRowsOptions,
  build: (q: LocomoQuestion, index: number) => Promise<RlRow | SkipReason>,
): Promise<BuiltRows> {
  const rows: RlRow[] = [];
  const skipped: BuiltRows['skipped'] = {};
  let index = opts.startIndex ?? 0;
  for (const q of conversation.questions) {
    throwIfAborted(opts.signal);
    const built = isAdversarial(q) ? 'adversarial' : await build(q, index);
    if (typeof built === 'string') {
      skipped[built] = (skipped[built] ?? 0) + 1;
    } else {
      rows.push(built);
      index++;
    }
  }
  return { rows, skipped };
}

/** Answer Agent rows for every non-adversarial question of a conversation, retrieving from its final bank. */
export async function buildAnswerRows(
  conversation: LocomoConversation,
  bank: ConversationBank,
  opts: BuildRowsOptions,
): Promise<BuiltRows> {
  const store = await storeOf(finalBank(bank), conversation.id, endTime(bank));
  const agent = new AnswerAgent({ model: promptModel(opts), store, contextWindow: opts.contextWindow });
  return questionRows(conversation, opts, async (q, index) => {
    const { request } = await agent.buildRequest(
      { question: q.question, mode: 'benchmark', conversationId: conversation.id, time: endTime(bank) },
      { signal: opts.signal },
    );
    return row('answer', request.messages, q.answer, {
      ...baseExtra('answer', q, bank, opts.split, index),
      manager_state: null,
    });
  });
}

/**
 * Memory Manager rows: per non-adversarial question, its latest evidence turn that yielded facts, with those facts
 * decided against the temporal bank of the `window` turns before it. Questions whose evidence names no turn, or
 * whose evidence turns yielded no fact (nothing to decide), are skipped and counted.
 */
export async function buildManagerRows(
  conversation: LocomoConversation,
  bank: ConversationBank,
  opts: BuildRowsOptions,
): Promise<BuiltRows> {
  const window = opts.window ?? DEFAULT_WINDOW;
  const indexOf = new Map(bank.turns.map((t, i) => [t.diaId, i]));
  return questionRows(conversation, opts, async (q, index) => {
    const positions = q.evidence.map((id) => indexOf.get(id)).filter((i): i is number => i !== undefined);
    if (positions.length === 0) return 'no-evidence-turn';
    const withFacts = positions.filter((i) => (bank.facts[i] ?? []).length > 0);
    if (withFacts.length === 0) return 'no-facts';
    const turnIndex = Math.max(...withFacts);
    const turn = bank.turns[turnIndex]!;
    const facts = bank.facts[turnIndex]!;
    const memories = bankBefore(bank, turnIndex, window);
    const turnTime = bank.turnTimes[turnIndex]!;
    const store = await storeOf(memories, conversation.id, turnTime);
    const manager = new MemoryManager({
      model: promptModel(opts),
      store,
      scope: 'conversation',
      contextWindow: opts.contextWindow,
    });
    const turnId = `${conversation.id}/${turn.diaId}`;
    const { messages, shown } = await manager.buildDecisionRequest(
      { conversationId: conversation.id, turnId, speaker: turn.speaker, text: turn.text, time: turnTime },
      facts,
      { signal: opts.signal },
    );
    const state: ManagerState = {
      conversationId: conversation.id,
      turnId,
      speaker: turn.speaker,
      turnTime,
      question: q.question,
      questionTime: endTime(bank),
      facts,
      bank: memories,
      aliases: shown.map((m) => m.id),
    };
    return row('manager', messages, q.answer, {
      ...baseExtra('manager', q, bank, opts.split, index),
      manager_state: JSON.stringify(state),
    });
  });
}
