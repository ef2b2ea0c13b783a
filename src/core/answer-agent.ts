/**
 * The Answer Agent of Memory-R1: retrieves up to 60 candidate memories for a question (the top 30 per speaker
 * when memories come from two or more speakers), fits them with the recent conversation into the model's context
 * budget, asks the model to list the memories it relies on and then answer after `**Answer:**`, and parses the
 * reply. `stream` yields the same result incrementally for the chat UI: candidates, then answer text as it arrives.
 */
import { findAnswerMarker, matchListedMemories, parseAnswer } from './answer-parser';
import { throwIfAborted } from './errors';
import { buildAnswerMessages, type AnswerMode, type PromptMemory } from './prompts/answer-agent';
import {
  DEFAULT_CONTEXT_WINDOW,
  packPrompt,
  promptBudget,
  RESERVED_OUTPUT_BENCHMARK,
  RESERVED_OUTPUT_CHAT,
  TokenCounter,
} from './token-budget';
import type {
  CallOptions,
  ChatMessage,
  ChatModel,
  ChatRequest,
  Embedder,
  FinishReason,
  MemoryRecord,
  MemoryStore,
  SearchQuery,
} from './types';
import { answerInputSchema } from './input-schemas';
import { parseInput } from './parse-input';

/** Options of `AnswerAgent`; defaults are stated beside each field. */
export interface AnswerAgentOptions {
  model: ChatModel;
  store: MemoryStore;
  /** Enables dense retrieval of candidates. */
  embedder?: Embedder;
  /** Most candidates retrieved. Default 60. */
  maxCandidates?: number;
  /** Candidates per speaker when memories come from two or more speakers. Default 30. */
  perSpeaker?: number;
  /** Model context window in tokens. Default: the model's, else 4,096. */
  contextWindow?: number;
  /** Tokens reserved for the reply. Default 512 in benchmark mode, 1,024 in chat mode. */
  reservedOutput?: number;
  /** Sampling temperature. Default 0 in benchmark mode, 0.7 in chat mode. */
  temperature?: number;
  /** IANA time zone the prompt shows times in. Default `UTC`. */
  timeZone?: string;
}

/** One question. */
export interface AnswerInput {
  question: string;
  /** The current time (epoch ms), shown so relative questions can be answered. */
  time?: number;
  /** Default `chat`. */
  mode?: AnswerMode;
  /** Restricts candidates to one conversation's memories (the evaluation does this). */
  conversationId?: string;
  /** Recent conversation, oldest first, not including the question. */
  history?: ChatMessage[];
  /** Speakers whose memories get a quota each; default: those among the retrieved memories. */
  speakers?: (string | undefined)[];
}

/** A retrieved candidate with its retrieval score (higher is better). */
export interface AnswerCandidate {
  memory: MemoryRecord;
  score: number;
}

/** What the Answer Agent answered and from which memories. */
export interface AnswerResult {
  answer: string;
  /** The memories the model listed as relied on, matched back to candidates. */
  usedMemories: MemoryRecord[];
  /** Every retrieved candidate, best first. */
  candidates: AnswerCandidate[];
  /** Candidates that fit the prompt (the others were dropped for the token budget). */
  shownCount: number;
  /** False when the reply had no answer marker and the whole text was taken as the answer. */
  markerFound: boolean;
  raw: string;
  finishReason?: FinishReason;
  /** Prompt tokens as counted for the budget. */
  promptTokens: number;
}

/** Events of `AnswerAgent.stream`. */
export type AnswerEvent =
  | { type: 'candidates'; candidates: AnswerCandidate[]; shown: MemoryRecord[] }
  | { type: 'delta'; text: string }
  | { type: 'done'; result: AnswerResult };

interface Prepared {
  request: ChatRequest;
  candidates: AnswerCandidate[];
  shown: MemoryRecord[];
  mode: AnswerMode;
  promptTokens: number;
}

/** How many times `maxCandidates` hits are searched to find which speakers the relevant memories belong to. */
const DISCOVERY_FACTOR = 4;

/** Interleaves ranked lists rank by rank, without repeats, up to `limit` items. */
function interleave(lists: AnswerCandidate[][], limit: number): AnswerCandidate[] {
  const out: AnswerCandidate[] = [];
  const seen = new Set<string>();
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let rank = 0; rank < longest && out.length < limit; rank++) {
    for (const list of lists) {
      const c = list[rank];
      if (c && !seen.has(c.memory.id) && out.length < limit) {
        seen.add(c.memory.id);
        out.push(c);
      }
    }
  }
  return out;
}

/** The Memory-R1 Answer Agent (see the module comment). */
export class AnswerAgent {
  private readonly model: ChatModel;
  private readonly store: MemoryStore;
  private readonly embedder?: Embedder;
  private readonly maxCandidates: number;
  private readonly perSpeaker: number;
  private readonly contextWindow: number;
  private readonly options: AnswerAgentOptions;
  private readonly counter: TokenCounter;

  constructor(options: AnswerAgentOptions) {
    this.options = options;
    this.model = options.model;
    this.store = options.store;
    this.embedder = options.embedder;
    this.maxCandidates = options.maxCandidates ?? 60;
    this.perSpeaker = options.perSpeaker ?? 30;
    this.contextWindow = options.contextWindow ?? options.model.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
    this.counter = new TokenCounter(options.model);
  }

  /**
   * Retrieves candidates: the top `maxCandidates`, or the top `perSpeaker` of each speaker (interleaved rank by
   * rank, capped at `maxCandidates`) when memories come from two or more speakers. Speakers are `input.speakers`
   * when given, else those found among a wider pool of hits (`DISCOVERY_FACTOR` times the cap).
   */
  async retrieve(
    input: Pick<AnswerInput, 'question' | 'conversationId' | 'speakers'>,
    opts: CallOptions = {},
  ): Promise<AnswerCandidate[]> {
    const { signal } = opts;
    const vector = this.embedder
      ? (await this.embedder.embed([input.question], 'query', { signal }))[0]
      : undefined;
    const query: SearchQuery = {
      text: input.question,
      vector,
      embedderId: vector ? this.embedder?.id : undefined,
      conversationId: input.conversationId,
      limit: this.maxCandidates * DISCOVERY_FACTOR,
    };
    const pool: AnswerCandidate[] = (await this.store.search(query, { signal })).map((h) => ({
      memory: h.memory,
      score: h.score,
    }));
    const speakers = input.speakers ?? [...new Set(pool.map((c) => c.memory.speaker))];
    if (speakers.length < 2) return pool.slice(0, this.maxCandidates);
    const perSpeaker = await Promise.all(
      speakers.map(async (speaker) => {
        if (speaker === undefined) {
          return pool.filter((c) => c.memory.speaker === undefined).slice(0, this.perSpeaker);
        }
        const hits = await this.store.search({ ...query, speaker, limit: this.perSpeaker }, { signal });
        return hits.map((h) => ({ memory: h.memory, score: h.score }));
      }),
    );
    return interleave(perSpeaker, this.maxCandidates);
  }

  private async prepare(input: AnswerInput, signal: AbortSignal | undefined): Promise<Prepared> {
    parseInput(answerInputSchema, input, 'answer');
    throwIfAborted(signal);
    const mode = input.mode ?? 'chat';
    const reserved =
      this.options.reservedOutput ??
      (mode === 'benchmark' ? RESERVED_OUTPUT_BENCHMARK : RESERVED_OUTPUT_CHAT);
    const candidates = await this.retrieve(input, { signal });
    const alias = (i: number): PromptMemory => ({
      id: String(i),
      text: candidates[i]!.memory.text,
      speaker: candidates[i]!.memory.speaker,
    });
    const packed = await packPrompt<number>({
      counter: this.counter,
      budget: promptBudget(this.contextWindow, reserved),
      memories: candidates.map((_, i) => i),
      turns: input.history ?? [],
      text: input.question,
      render: ({ memories, turns, text }) =>
        buildAnswerMessages({
          question: text,
          memories: memories.map(alias),
          mode,
          history: turns,
          time: input.time,
          timeZone: this.options.timeZone,
        }),
    });
    return {
      request: {
        messages: packed.messages,
        maxTokens: reserved,
        temperature: this.options.temperature ?? (mode === 'benchmark' ? 0 : 0.7),
      },
      candidates,
      shown: packed.memories.map((i) => candidates[i]!.memory),
      mode,
      promptTokens: packed.tokens,
    };
  }

  private finish(prepared: Prepared, raw: string, finishReason: FinishReason | undefined): AnswerResult {
    const parsed = parseAnswer(raw, prepared.mode);
    const used = matchListedMemories(parsed.listing, prepared.shown, !parsed.markerFound);
    return {
      answer: parsed.answer,
      usedMemories: used.map((i) => prepared.shown[i]!),
      candidates: prepared.candidates,
      shownCount: prepared.shown.length,
      markerFound: parsed.markerFound,
      raw,
      finishReason,
      promptTokens: prepared.promptTokens,
    };
  }

  /**
   * The request `answer` would send for a question (candidates retrieved, prompt packed) without calling the
   * model; RL datasets record these exact messages.
   */
  async buildRequest(
    input: AnswerInput,
    opts: CallOptions = {},
  ): Promise<{
    request: ChatRequest;
    candidates: AnswerCandidate[];
    shown: MemoryRecord[];
    promptTokens: number;
  }> {
    const { request, candidates, shown, promptTokens } = await this.prepare(input, opts.signal);
    return { request, candidates, shown, promptTokens };
  }

  /** Answers a question from memory (one model call). */
  async answer(input: AnswerInput, opts: CallOptions = {}): Promise<AnswerResult> {
    const prepared = await this.prepare(input, opts.signal);
    const result = await this.model.complete(prepared.request, { signal: opts.signal });
    return this.finish(prepared, result.text, result.finishReason);
  }

  /**
   * Answers a question as a stream: the candidates first, then the answer text (only what follows the marker,
   * with trailing markdown held back until it is known to be content), then the parsed result. A reply without
   * a marker is delivered as one delta at the end.
   */
  async *stream(input: AnswerInput, opts: CallOptions = {}): AsyncIterable<AnswerEvent> {
    const prepared = await this.prepare(input, opts.signal);
    yield { type: 'candidates', candidates: prepared.candidates, shown: prepared.shown };
    let raw = '';
    let emitted = '';
    let finishReason: FinishReason | undefined;
    for await (const delta of this.model.stream(prepared.request, { signal: opts.signal })) {
      raw += delta.text;
      finishReason = delta.finishReason ?? finishReason;
      const marker = findAnswerMarker(raw);
      if (!marker) continue;
      const sofar = raw
        .slice(marker.end)
        .replace(/^[\s:*_]+/, '')
        .replace(/[\s*_]+$/, '');
      const visible = prepared.mode === 'benchmark' ? (sofar.split('\n')[0] ?? '') : sofar;
      if (visible.length > emitted.length && visible.startsWith(emitted)) {
        yield { type: 'delta', text: visible.slice(emitted.length) };
        emitted = visible;
      }
    }
    const result = this.finish(prepared, raw, finishReason);
    if (!result.markerFound && result.answer !== '') yield { type: 'delta', text: result.answer };
    else if (result.markerFound && emitted === '' && result.answer !== '') {
      yield { type: 'delta', text: result.answer };
    }
    yield { type: 'done', result };
  }
}
