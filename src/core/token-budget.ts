/**
 * Token budgets for prompts. `TokenCounter` counts with the model's real tokenizer when it has one, else with a
 * deliberately pessimistic estimate. `packPrompt` fits ranked memories, recent conversation and one free-text
 * piece (the new turn or the question) into `contextWindow - reservedOutput`, dropping the lowest-ranked memories
 * and the oldest turns first and truncating an oversize text, and checks the assembled prompt before returning it,
 * so the prompt it returns never exceeds the budget. `splitTextToFit` instead splits an oversize text into chunks
 * that `packPrompt` would each keep whole, for callers that must not lose any of it.
 */
import { chunkText } from './chunk-text';
import { PromptTooLargeError } from './errors';
import type { ChatMessage, ChatModel } from './types';

/** Context window assumed when the model does not say (the 3B WebLLM builds have 4,096 tokens). */
export const DEFAULT_CONTEXT_WINDOW = 4096;
/** Tokens kept free for the reply in benchmark mode and for the Memory Manager's JSON. */
export const RESERVED_OUTPUT_BENCHMARK = 512;
/** Tokens kept free for a chat reply. */
export const RESERVED_OUTPUT_CHAT = 1024;
/** Tokens each chat message costs beyond its content (role markers, separators in chat templates). */
export const MESSAGE_OVERHEAD_TOKENS = 8;
/** Tokens the chat template adds once per prompt (assistant header). */
export const PROMPT_OVERHEAD_TOKENS = 8;

/**
 * A conservative token estimate for text with no tokenizer at hand: a third of a token per ASCII character (real
 * BPE vocabularies average about a quarter), a whole token per digit (Qwen-style tokenizers split numbers into
 * digits) and per non-ASCII character.
 * @example estimateTokens('hello world') // => 4
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  // UTF-16 code units: a character outside the BMP counts twice, which only makes the estimate safer.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) other += 1;
    else if (code < 0x80) ascii += 1;
    else other += 1;
  }
  return Math.ceil(ascii / 3) + other;
}

/** Texts at least this long have their counts cached (instructions are recounted on every packing step). */
const CACHE_MIN_CHARS = 512;
const CACHE_MAX_ENTRIES = 32;

/** Counts tokens of texts and chat prompts for one model. */
export class TokenCounter {
  private readonly model: Pick<ChatModel, 'countTokens'> | undefined;
  private readonly cache = new Map<string, number>();

  constructor(model?: Pick<ChatModel, 'countTokens'>) {
    this.model = model;
  }

  /** Tokens in `text` (the model's tokenizer when available, else `estimateTokens`). */
  async count(text: string): Promise<number> {
    const cacheable = text.length >= CACHE_MIN_CHARS;
    const cached = cacheable ? this.cache.get(text) : undefined;
    if (cached !== undefined) return cached;
    const tokens = this.model?.countTokens ? await this.model.countTokens(text) : estimateTokens(text);
    if (cacheable) {
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(text, tokens);
    }
    return tokens;
  }

  /** Tokens of a whole prompt: every message's content plus per-message and per-prompt overhead. */
  async countMessages(messages: readonly ChatMessage[]): Promise<number> {
    let total = PROMPT_OVERHEAD_TOKENS;
    for (const m of messages) total += MESSAGE_OVERHEAD_TOKENS + (await this.count(m.content));
    return total;
  }
}

/** The prompt budget: context window minus the tokens reserved for the reply. */
export function promptBudget(contextWindow: number, reservedOutput: number): number {
  return contextWindow - reservedOutput;
}

/** What `packPrompt` chose. */
export interface PackedPrompt<M> {
  messages: ChatMessage[];
  /** The memories kept, best first. */
  memories: M[];
  /** The conversation turns kept, oldest first (the oldest one kept may appear truncated). */
  turns: ChatMessage[];
  /** The free text as included (truncated when it did not fit). */
  text: string;
  textTruncated: boolean;
  droppedMemories: number;
  droppedTurns: number;
  /** Tokens of `messages` as counted by the counter; never more than the budget. */
  tokens: number;
}

/** Input of `packPrompt`. */
export interface PackInput<M> {
  counter: TokenCounter;
  /** Tokens the prompt may use (see `promptBudget`). */
  budget: number;
  /** Candidate memories, best first; the last ones are dropped first. */
  memories: readonly M[];
  /** Recent conversation, oldest first; the oldest are dropped first. */
  turns?: readonly ChatMessage[];
  /** The one free-text piece (new turn or question); truncated in the middle when it does not fit. */
  text?: string;
  /** Share of the room left by the instructions that an oversize text may not take from memories. Default 0.5. */
  textShare?: number;
  /** Share of the room left by instructions and text that recent turns may take before memories. Default 0.35. */
  turnShare?: number;
  /** Assembles the prompt from the chosen parts. */
  render: (parts: { memories: M[]; turns: ChatMessage[]; text: string }) => ChatMessage[];
}

/** Fewest tokens worth keeping of a truncated conversation turn; below this it is dropped instead. */
const MIN_TRUNCATED_TURN_TOKENS = 24;

/**
 * Shortens `text` by cutting out its middle (the start carries context, the end often the actual question) until
 * `fits` accepts it. Binary search over the kept length; returns `''` when even the marker alone does not fit.
 */
export async function truncateMiddle(
  text: string,
  fits: (candidate: string) => Promise<boolean>,
): Promise<string> {
  if (await fits(text)) return text;
  const chars = Array.from(text);
  const cut = (keep: number): string => {
    const head = Math.ceil(keep * 0.6);
    const tail = keep - head;
    const omitted = chars.length - keep;
    return `${chars.slice(0, head).join('')}\n[… ${omitted} characters omitted …]\n${tail > 0 ? chars.slice(chars.length - tail).join('') : ''}`;
  };
  if (!(await fits(cut(0)))) return '';
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await fits(cut(mid))) lo = mid;
    else hi = mid - 1;
  }
  return cut(lo);
}

/** The largest `k` in `[lo, hi]` with `ok(k)`, for `ok` true at `lo` and monotone (true, then false). */
async function largest(lo: number, hi: number, ok: (k: number) => Promise<boolean>): Promise<number> {
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function tooLarge(budget: number): PromptTooLargeError {
  return new PromptTooLargeError(
    `The instructions alone need more than the ${budget} tokens this model's context leaves for the prompt. ` +
      'Use a model with a larger context window or reserve fewer output tokens.',
  );
}

/**
 * Whether `packPrompt(input)` keeps a free text whole: the prompt with that text alone leaves memories and turns
 * the room they need, up to `1 - textShare` of what the instructions leave. Throws when the instructions do not fit.
 */
async function textFits<M>(input: PackInput<M>): Promise<(text: string) => Promise<boolean>> {
  const { counter, budget, render } = input;
  const count = (memories: readonly M[], turns: readonly ChatMessage[], text: string) =>
    counter.countMessages(render({ memories: [...memories], turns: [...turns], text }));
  const empty = await count([], [], '');
  if (empty > budget) throw tooLarge(budget);
  const others = (await count(input.memories, input.turns ?? [], '')) - empty;
  // Counts of concatenated parts are not exactly additive (rounding, merges), hence the small slack.
  const keepForOthers = Math.min(
    others + MESSAGE_OVERHEAD_TOKENS,
    Math.floor((budget - empty) * (1 - (input.textShare ?? 0.5))),
  );
  return async (text) => (await count([], [], text)) <= budget - keepForOthers;
}

/**
 * Splits `input.text` into consecutive chunks (joined, they give the text back) that `packPrompt` with the same
 * input would each keep whole, cut at paragraph, sentence or word boundaries (see `chunkText`); `[text]` when the
 * text fits, `[]` when it is empty. Throws `PromptTooLargeError` when the instructions leave no room for text.
 */
export async function splitTextToFit<M>(input: PackInput<M>): Promise<string[]> {
  return chunkText(input.text ?? '', await textFits(input));
}

/**
 * Fits memories, recent turns and a free text into `budget` tokens, measuring the assembled prompt itself at
 * every step (binary searches, so a few dozen counts). An oversize text is cut in the middle, leaving memories
 * and turns at least `1 - textShare` of the room; recent turns (newest first, the oldest kept one possibly cut)
 * take up to `turnShare` of what remains; memories (best first) fill the rest; leftover room goes to older turns.
 * Throws `PromptTooLargeError` when the instructions alone do not fit.
 */
export async function packPrompt<M>(input: PackInput<M>): Promise<PackedPrompt<M>> {
  const { counter, budget, render } = input;
  const allTurns = input.turns ?? [];
  const memories = input.memories;
  const count = (m: readonly M[], turns: ChatMessage[], text: string) =>
    counter.countMessages(render({ memories: [...m], turns, text }));

  const fullText = input.text ?? '';
  const text = await truncateMiddle(fullText, await textFits(input));
  if (text === '' && fullText !== '') throw tooLarge(budget);
  const base = await count([], [], text);

  /** The newest turns that fit `limit` with `kept` memories, the oldest of them cut when worthwhile. */
  const fitTurns = async (limit: number, kept: readonly M[]): Promise<ChatMessage[]> => {
    const newest = (k: number) => allTurns.slice(allTurns.length - k);
    const k = await largest(0, allTurns.length, async (n) => (await count(kept, newest(n), text)) <= limit);
    const turns = newest(k);
    const next = allTurns[allTurns.length - k - 1];
    const left = limit - (await count(kept, turns, text)) - MESSAGE_OVERHEAD_TOKENS;
    if (next && left >= MIN_TRUNCATED_TURN_TOKENS) {
      const content = await truncateMiddle(
        next.content,
        async (c) => (await count(kept, [{ role: next.role, content: c }, ...turns], text)) <= limit,
      );
      if (content !== '') return [{ role: next.role, content }, ...turns];
    }
    return turns;
  };

  let turns = await fitTurns(base + Math.floor((budget - base) * (input.turnShare ?? 0.35)), []);
  const m = await largest(
    0,
    memories.length,
    async (n) => (await count(memories.slice(0, n), turns, text)) <= budget,
  );
  const keptMemories = memories.slice(0, m);
  if (m === memories.length && turns.length < allTurns.length) turns = await fitTurns(budget, keptMemories);

  let messages = render({ memories: [...keptMemories], turns, text });
  let tokens = await counter.countMessages(messages);
  // Guards against tokenizers whose counts are not monotone in the prompt's length.
  while (tokens > budget && (keptMemories.length > 0 || turns.length > 0)) {
    if (keptMemories.length > 0) keptMemories.pop();
    else turns = turns.slice(1);
    messages = render({ memories: [...keptMemories], turns, text });
    tokens = await counter.countMessages(messages);
  }
  return {
    messages,
    memories: keptMemories,
    turns,
    text,
    textTruncated: text !== fullText,
    droppedMemories: memories.length - keptMemories.length,
    droppedTurns: allTurns.length - turns.length,
    tokens,
  };
}
