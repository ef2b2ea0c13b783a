/**
 * The Memory Manager of Memory-R1: after each turn it extracts self-contained facts (`memory_facts`), retrieves
 * the memories related to each fact, asks the model once which operations to apply (`memory_operations`, with
 * existing memories under short aliases), maps the aliases back, rejects invalid operations one by one and
 * applies the rest as a single batch. A turn too long for one extraction prompt is extracted chunk by chunk, and
 * facts too many for one decision prompt are decided in groups; either way the turn is still one batch. A failure
 * (model error, output invalid after one repair, a batch the store refuses) applies nothing and is recorded with
 * the raw output so the turn can be retried; an abort records nothing. Re-processing a turn that was applied
 * changes nothing. Every outcome ends the turn's pass journal entry (see `MemoryStore.putPass`), if it has one:
 * the batch or the failure removes it in the same write. Every UPDATE and DELETE carries the text it was decided
 * against: when the store finds that a memory changed meanwhile, the turn is decided once more with the current
 * memories (see concurrency.ts). With a `review` threshold, a pass that would delete too many memories is not
 * applied but held in the pass journal for the user's review (see review-guard.ts and held-pass.ts).
 */
import { embedAndApply } from './apply-batch';
import { changedAgainError, editedByUser } from './concurrency';
import {
  isAbortError,
  throwIfAborted,
  toErrorData,
  type ErrorData,
  ModelOutputError,
  PromptTooLargeError,
  StaleMemoryError,
  type StaleMemory,
} from './errors';
import { newId } from './ids';
import { buildDecisionMessages, buildExtractionMessages, type AliasedMemory } from './prompts/memory-manager';
import { MAX_FACTS_PER_TURN, MEMORY_FACTS, MEMORY_OPERATIONS, type DecidedOperation } from './schemas';
import { previewOps, reviewReason, type ReviewThreshold } from './review-guard';
import { completeStructured } from './structured-output';
import {
  DEFAULT_CONTEXT_WINDOW,
  packPrompt,
  promptBudget,
  splitTextToFit,
  TokenCounter,
  type PackInput,
} from './token-budget';
import type {
  AppliedOp,
  CallOptions,
  ChatMessage,
  ChatModel,
  Embedder,
  MemoryFilter,
  MemoryRecord,
  MemoryStore,
  StoreOp,
  TurnFailure,
} from './types';

/**
 * Tokens kept free for the Memory Manager's JSON: a full decision (up to 12 facts of 300 characters, each becoming
 * an ADD or UPDATE) needs about a thousand; a reply cut off by the limit would be invalid and lost.
 */
export const MANAGER_RESERVED_OUTPUT = 1024;

/**
 * Longest turn text the Memory Manager reads, in UTF-8 bytes (1 MiB: about 150 extraction calls at a 4k context).
 * A longer turn fails at once with `PromptTooLargeError` and is not recorded for retry: retrying cannot help.
 */
export const MAX_TURN_TEXT_BYTES = 1_048_576;

/**
 * Share of the decision prompt's room (what the instructions leave) one group of facts may fill, so that the related
 * memories keep the rest: with 4,096 tokens, room for three of the longest (1,000-character) English memories.
 */
const FACTS_SHARE = 0.5;

/** Which memories a turn's facts are compared with: the speaker's, the conversation's, or all. */
export type MemoryScope = 'speaker' | 'conversation' | 'all';

/** Options of `MemoryManager`; defaults are stated beside each field. */
export interface MemoryManagerOptions {
  model: ChatModel;
  store: MemoryStore;
  /** Enables dense retrieval and stores embeddings of written texts. */
  embedder?: Embedder;
  /** Related memories retrieved per fact. Default 5. */
  relatedPerFact?: number;
  /** Most related memories shown to the decision call. Default 30. */
  maxRelated?: number;
  /** Earlier messages of the conversation shown to extraction. Default 4. */
  contextTurns?: number;
  /** Which memories facts are compared with. Default `all` (memories are about the user across conversations). */
  scope?: MemoryScope;
  /** Model context window in tokens. Default: the model's, else 4,096. */
  contextWindow?: number;
  /** Tokens reserved for the model's JSON reply. Default `MANAGER_RESERVED_OUTPUT` (1,024). */
  reservedOutput?: number;
  /** Sampling temperature of both calls. Default 0. */
  temperature?: number;
  /** IANA time zone the prompts show times in. Default `UTC`. */
  timeZone?: string;
  /** Holds a pass that deletes more than this allows for the user's review. Default: none, every pass applies. */
  review?: ReviewThreshold;
}

/** One turn to process. `time` is epoch milliseconds. */
export interface TurnInput {
  conversationId: string;
  turnId: string;
  speaker: string;
  text: string;
  time: number;
  /** Earlier messages, oldest first; the last `contextTurns` help resolve references. */
  context?: ChatMessage[];
}

/** The stages of processing a turn, reported as they start. */
export type TurnStage = 'extract' | 'retrieve' | 'decide' | 'apply';

/** Options of one `processTurn` call. */
export interface ProcessTurnOptions extends CallOptions {
  onStage?: (stage: TurnStage) => void;
}

/** An operation the model proposed that was not applied, and why. */
export interface RejectedOperation {
  op: unknown;
  reason: string;
}

/**
 * What processing one turn did. A `held` pass applied nothing: `operations` are the changes it would make and
 * `reason` says why they wait for the user's review (the pass journal keeps them).
 */
export interface ProcessTurnResult {
  status: 'applied' | 'failed' | 'skipped' | 'held';
  facts: string[];
  batchId?: string;
  operations: AppliedOp[];
  rejected: RejectedOperation[];
  error?: ErrorData;
  reason?: string;
}

/** The part of the result that applying (or holding) the decided operations produces. */
type Committed = Pick<ProcessTurnResult, 'status' | 'batchId' | 'operations' | 'reason'>;

/** Facts decided in one call, with the memories retrieved for them. */
interface FactGroup {
  facts: string[];
  related: MemoryRecord[];
}

/** The operations decided for a turn, what was rejected, and how many distinct memories the decision was shown. */
interface TurnDecision {
  ops: StoreOp[];
  rejected: RejectedOperation[];
  shown: number;
}

/** Failure of one stage, with the raw model output when there was one. */
class StageFailure extends Error {
  constructor(
    readonly stage: TurnFailure['stage'],
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

const normalize = (text: string): string => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** The Memory-R1 Memory Manager (see the module comment). */
export class MemoryManager {
  private readonly model: ChatModel;
  private readonly store: MemoryStore;
  private readonly embedder?: Embedder;
  private readonly relatedPerFact: number;
  private readonly maxRelated: number;
  private readonly contextTurns: number;
  private readonly scope: MemoryScope;
  private readonly budget: number;
  private readonly reservedOutput: number;
  private readonly temperature: number;
  private readonly timeZone?: string;
  private readonly review?: ReviewThreshold;
  private readonly counter: TokenCounter;

  constructor(options: MemoryManagerOptions) {
    this.model = options.model;
    this.store = options.store;
    this.embedder = options.embedder;
    this.relatedPerFact = options.relatedPerFact ?? 5;
    this.maxRelated = options.maxRelated ?? 30;
    this.contextTurns = options.contextTurns ?? 4;
    this.scope = options.scope ?? 'all';
    this.reservedOutput = options.reservedOutput ?? MANAGER_RESERVED_OUTPUT;
    this.budget = promptBudget(
      options.contextWindow ?? options.model.contextWindow ?? DEFAULT_CONTEXT_WINDOW,
      this.reservedOutput,
    );
    this.temperature = options.temperature ?? 0;
    this.timeZone = options.timeZone;
    this.review = options.review;
    this.counter = new TokenCounter(options.model);
  }

  /**
   * Extracts, retrieves, decides and applies one turn's memory operations. Never throws for model or store
   * failures (they come back as `status: 'failed'` and are recorded for `retryFailed`); rethrows an abort.
   */
  async processTurn(turn: TurnInput, opts: ProcessTurnOptions = {}): Promise<ProcessTurnResult> {
    const { signal } = opts;
    throwIfAborted(signal);
    const existing = await this.store.findTurn(turn.turnId);
    if (existing) {
      await this.store.clearFailure(turn.turnId);
      await this.store.clearPass(turn.turnId);
      return { status: 'skipped', facts: [], batchId: existing.batchId, operations: [], rejected: [] };
    }
    const bytes = new TextEncoder().encode(turn.text).length;
    if (bytes > MAX_TURN_TEXT_BYTES) {
      const mb = (n: number) => `${(n / 1_048_576).toFixed(1)} MB`;
      const error = new PromptTooLargeError(
        `This message is ${mb(bytes)}; the Memory Manager reads at most ${mb(MAX_TURN_TEXT_BYTES)} per message, so nothing was remembered from it. Send it in smaller parts to have it remembered.`,
      );
      await this.store.clearPass(turn.turnId);
      return { status: 'failed', facts: [], operations: [], rejected: [], error: toErrorData(error) };
    }
    let facts: string[] = [];
    try {
      opts.onStage?.('extract');
      facts = await this.extract(turn, signal);
      let decision = await this.decideTurn(turn, facts, opts, new Set());
      let committed: Committed;
      try {
        committed = await this.commit(turn, decision, opts);
      } catch (err) {
        const stale = staleOf(err);
        if (!stale) throw err;
        // Memories changed after they were shown (another tab, the user, an undo): decide once more with their
        // current text. What the user edited meanwhile keeps the user's text.
        decision = await this.decideTurn(turn, facts, opts, await editedByUser(this.store, stale));
        committed = await this.commit(turn, decision, opts).catch((again: unknown) => {
          const staleAgain = staleOf(again);
          throw staleAgain ? new StageFailure('apply', changedAgainError(staleAgain)) : again;
        });
      }
      await this.store.clearFailure(turn.turnId);
      return { ...committed, facts, rejected: decision.rejected };
    } catch (err) {
      const failure = err instanceof StageFailure ? err : new StageFailure('apply', err);
      if (isAbortError(failure.original)) throw failure.original;
      throwIfAborted(signal);
      const error = toErrorData(failure.original);
      await this.recordFailure(turn, failure, error);
      return { status: 'failed', facts, operations: [], rejected: [], error };
    }
  }

  /**
   * Retrieves the related memories of the turn's facts and decides their operations; UPDATEs and DELETEs of the
   * memories in `keep` are rejected (the user edited them after an earlier decision was shown their old text).
   */
  private async decideTurn(
    turn: TurnInput,
    facts: string[],
    opts: ProcessTurnOptions,
    keep: ReadonlySet<string>,
  ): Promise<TurnDecision> {
    opts.onStage?.('retrieve');
    const groups: FactGroup[] = [];
    for (const group of facts.length > 0 ? await this.groupFacts(turn, facts) : []) {
      groups.push({ facts: group, related: await this.retrieve(turn, group, opts.signal) });
    }
    if (groups.length === 0) return { ops: [], rejected: [], shown: 0 };
    opts.onStage?.('decide');
    return this.decide(turn, groups, opts.signal, keep);
  }

  /**
   * Reprocesses every recorded failure, oldest first, reporting `(done, total)` after each; returns the results
   * in the same order. Turns applied meanwhile are skipped and their failure cleared.
   */
  async retryFailed(
    opts: CallOptions & { onProgress?: (done: number, total: number) => void } = {},
  ): Promise<ProcessTurnResult[]> {
    const failures = await this.store.failures();
    const results: ProcessTurnResult[] = [];
    for (const f of failures) {
      throwIfAborted(opts.signal);
      results.push(
        await this.processTurn(
          {
            conversationId: f.conversationId ?? '',
            turnId: f.turnId,
            speaker: f.speaker ?? 'user',
            text: f.text,
            time: f.turnTime,
          },
          { signal: opts.signal },
        ),
      );
      opts.onProgress?.(results.length, failures.length);
    }
    return results;
  }

  /**
   * The turn's facts: one extraction call, or one per chunk (in order, same context) when the text does not fit
   * one prompt whole. Any failing chunk fails the whole extraction.
   */
  private async extract(turn: TurnInput, signal: AbortSignal | undefined): Promise<string[]> {
    if (turn.text.trim() === '') return [];
    try {
      const context = this.contextTurns > 0 ? (turn.context ?? []).slice(-this.contextTurns) : [];
      const input: PackInput<never> = {
        counter: this.counter,
        budget: this.budget,
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
            timeZone: this.timeZone,
          }),
      };
      const facts: string[] = [];
      for (const chunk of await splitTextToFit(input)) {
        if (chunk.trim() === '') continue;
        throwIfAborted(signal);
        const packed = await packPrompt({ ...input, text: chunk });
        const { value } = await completeStructured(this.model, packed.messages, MEMORY_FACTS, {
          signal,
          temperature: this.temperature,
          maxTokens: this.reservedOutput,
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
    } catch (err) {
      throw new StageFailure('extract', err);
    }
  }

  private scopeFilter(turn: TurnInput): MemoryFilter {
    if (this.scope === 'speaker') return { speaker: turn.speaker };
    if (this.scope === 'conversation') return { conversationId: turn.conversationId };
    return {};
  }

  /** Related memories for all facts, merged rank by rank across facts so each fact is represented. */
  private async retrieve(
    turn: TurnInput,
    facts: string[],
    signal: AbortSignal | undefined,
  ): Promise<MemoryRecord[]> {
    try {
      const vectors = this.embedder ? await this.embedder.embed(facts, 'query', { signal }) : undefined;
      const filter = this.scopeFilter(turn);
      const perFact = await Promise.all(
        facts.map((text, i) =>
          this.store.search(
            {
              ...filter,
              text,
              vector: vectors?.[i],
              embedderId: vectors ? this.embedder?.id : undefined,
              limit: this.relatedPerFact,
            },
            { signal },
          ),
        ),
      );
      const merged = new Map<string, MemoryRecord>();
      for (let rank = 0; rank < this.relatedPerFact && merged.size < this.maxRelated; rank++) {
        for (const hits of perFact) {
          const hit = hits[rank];
          if (hit && !merged.has(hit.memory.id) && merged.size < this.maxRelated) {
            merged.set(hit.memory.id, hit.memory);
          }
        }
      }
      return [...merged.values()];
    } catch (err) {
      throw new StageFailure('decide', err);
    }
  }

  /**
   * The decision messages `processTurn` would send for a turn whose facts are known: the related memories are
   * retrieved and packed under aliases ("0", "1", ...: indices into `shown`). RL datasets record these exact
   * messages; nothing is applied.
   */
  async buildDecisionRequest(
    turn: TurnInput,
    facts: string[],
    opts: CallOptions = {},
  ): Promise<{ messages: ChatMessage[]; shown: MemoryRecord[] }> {
    try {
      const related = facts.length > 0 ? await this.retrieve(turn, facts, opts.signal) : [];
      return await this.packDecision(turn, facts, related);
    } catch (err) {
      throw err instanceof StageFailure ? err.original : err;
    }
  }

  private decisionMessages(
    turn: TurnInput,
    facts: readonly string[],
    memories: AliasedMemory[],
  ): ChatMessage[] {
    return buildDecisionMessages({
      facts,
      memories,
      speaker: turn.speaker,
      time: turn.time,
      timeZone: this.timeZone,
    });
  }

  private async packDecision(
    turn: TurnInput,
    facts: string[],
    related: MemoryRecord[],
  ): Promise<{ messages: ChatMessage[]; shown: MemoryRecord[] }> {
    const aliasOf = (i: number): AliasedMemory => ({ id: String(i), text: related[i]!.text });
    const packed = await packPrompt<number>({
      counter: this.counter,
      budget: this.budget,
      memories: related.map((_, i) => i),
      render: ({ memories }) => this.decisionMessages(turn, facts, memories.map(aliasOf)),
    });
    return { messages: packed.messages, shown: packed.memories.map((i) => related[i]!) };
  }

  /**
   * The facts split, in order, into groups for separate decision calls: each group at most `MAX_FACTS_PER_TURN`
   * facts (so the reply fits the reserved output) filling at most `FACTS_SHARE` of the prompt's room. Facts that
   * fit both limits together stay one group, so a usual turn is decided in one call.
   */
  private async groupFacts(turn: TurnInput, facts: string[]): Promise<string[][]> {
    try {
      const count = (group: readonly string[]) =>
        this.counter.countMessages(this.decisionMessages(turn, group, []));
      const empty = await count([]);
      const limit = empty + Math.floor((this.budget - empty) * FACTS_SHARE);
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
    } catch (err) {
      throw new StageFailure('decide', err);
    }
  }

  /**
   * One decision call per group of facts, in order, each seeing its own related memories; the operations are
   * resolved against those of the earlier groups, so the merged list never changes one memory twice.
   */
  private async decide(
    turn: TurnInput,
    groups: readonly FactGroup[],
    signal: AbortSignal | undefined,
    keep: ReadonlySet<string>,
  ): Promise<TurnDecision> {
    const ops: StoreOp[] = [];
    const rejected: RejectedOperation[] = [];
    const seen = new Set<string>();
    for (const group of groups) {
      let shown: MemoryRecord[];
      let decided: DecidedOperation[];
      try {
        throwIfAborted(signal);
        const packed = await this.packDecision(turn, group.facts, group.related);
        shown = packed.shown;
        const result = await completeStructured(this.model, packed.messages, MEMORY_OPERATIONS, {
          signal,
          temperature: this.temperature,
          maxTokens: this.reservedOutput,
        });
        decided = result.value.operations;
      } catch (err) {
        throw new StageFailure('decide', err);
      }
      for (const memory of shown) seen.add(memory.id);
      const resolved = resolveOperations(decided, shown, turn, ops, keep);
      ops.push(...resolved.ops);
      rejected.push(...resolved.rejected);
    }
    return { ops, rejected, shown: seen.size };
  }

  /** Applies the decided operations as one batch, or holds them for review when they delete too much. */
  private async commit(
    turn: TurnInput,
    decision: TurnDecision,
    opts: ProcessTurnOptions,
  ): Promise<Committed> {
    opts.onStage?.('apply');
    const base = {
      turnId: turn.turnId,
      conversationId: turn.conversationId,
      speaker: turn.speaker,
      modelId: this.model.id,
    };
    try {
      const reason = this.review && reviewReason(decision.ops, decision.shown, this.review);
      if (reason) {
        // ADDs get their ids now, so the review shows the same changes Apply makes.
        const ops = decision.ops.map((op) => (op.op === 'ADD' ? { ...op, id: op.id ?? newId() } : op));
        const held = { state: 'held', ...base, text: turn.text, turnTime: turn.time, ops, reason } as const;
        await this.store.putPass({ ...held, heldAt: Date.now() });
        return { status: 'held', operations: previewOps(ops), reason };
      }
      const batch = { ...base, time: turn.time, ops: decision.ops };
      const applied = await embedAndApply(this.store, this.embedder, batch, opts.signal);
      return {
        status: applied.duplicate ? 'skipped' : 'applied',
        batchId: applied.batchId,
        operations: applied.duplicate ? [] : applied.applied,
      };
    } catch (err) {
      throw new StageFailure('apply', err);
    }
  }

  private async recordFailure(turn: TurnInput, failure: StageFailure, error: ErrorData): Promise<void> {
    const previous = (await this.store.failures()).find((f) => f.turnId === turn.turnId);
    await this.store.recordFailure({
      turnId: turn.turnId,
      conversationId: turn.conversationId,
      speaker: turn.speaker,
      text: turn.text,
      turnTime: turn.time,
      stage: failure.stage,
      code: error.code,
      message: error.message,
      rawOutput: failure.original instanceof ModelOutputError ? failure.original.rawOutput : undefined,
      modelId: this.model.id,
      time: Date.now(),
      attempts: (previous?.attempts ?? 0) + 1,
    });
  }
}

/** The stale memories of a failed apply, when the store refused the batch for them. */
function staleOf(err: unknown): StaleMemory[] | undefined {
  const original = err instanceof StageFailure ? err.original : err;
  return original instanceof StaleMemoryError ? original.stale : undefined;
}

/**
 * Maps the model's operations (aliases) back to store operations and rejects the invalid ones: unknown alias,
 * ADD/UPDATE without text, DELETE/UPDATE/NOOP without id, several changes to one memory (all of them are rejected,
 * since the model contradicted itself), and ADDs that repeat a shown memory or an earlier ADD. An UPDATE that
 * leaves the text unchanged is a NOOP. NOOPs are dropped: they change nothing. `earlier` holds the operations
 * already planned for the same turn (by earlier groups of facts): a change to a memory they change is rejected
 * (a store batch changes each memory at most once) and an ADD repeating theirs counts as a repeated ADD. A change
 * to a memory in `keep` (ids the user edited after an earlier decision was shown them) is rejected. Every UPDATE
 * and DELETE carries the text it was decided against as `expected`, so the store refuses it if that changed.
 */
export function resolveOperations(
  decided: readonly DecidedOperation[],
  shown: readonly MemoryRecord[],
  turn: Pick<TurnInput, 'speaker' | 'conversationId'>,
  earlier: readonly StoreOp[] = [],
  keep: ReadonlySet<string> = new Set(),
): { ops: StoreOp[]; rejected: RejectedOperation[] } {
  const rejected: RejectedOperation[] = [];
  const changedEarlier = new Set(earlier.flatMap((op) => (op.op === 'ADD' ? [] : [op.id])));
  const byAlias = new Map(shown.map((m, i) => [String(i), m]));
  const shownTexts = new Map(shown.map((m, i) => [normalize(m.text), String(i)]));
  const changesPerAlias = new Map<string, number>();
  for (const d of decided) {
    const alias = d.id?.trim();
    if (d.op !== 'ADD' && d.op !== 'NOOP' && alias !== undefined && byAlias.has(alias)) {
      changesPerAlias.set(alias, (changesPerAlias.get(alias) ?? 0) + 1);
    }
  }
  const ops: StoreOp[] = [];
  const addedTexts = new Set(earlier.flatMap((op) => (op.op === 'ADD' ? [normalize(op.text)] : [])));
  for (const d of decided) {
    const alias = d.id?.trim() || undefined;
    const text = d.text?.trim() || undefined;
    const reject = (reason: string) => rejected.push({ op: d, reason });
    if (d.op === 'ADD') {
      if (text === undefined) {
        reject('ADD without text');
        continue;
      }
      const key = normalize(text);
      const same = shownTexts.get(key);
      if (same !== undefined) {
        reject(`ADD repeats existing memory ${same}`);
        continue;
      }
      if (addedTexts.has(key)) {
        reject('ADD repeats an earlier ADD of this turn');
        continue;
      }
      addedTexts.add(key);
      ops.push({ op: 'ADD', text, speaker: turn.speaker, conversationId: turn.conversationId });
      continue;
    }
    if (alias === undefined) {
      reject(`${d.op} without id`);
      continue;
    }
    const memory = byAlias.get(alias);
    if (memory === undefined) {
      reject(`${d.op} names unknown memory id "${alias}"`);
      continue;
    }
    if (d.op === 'NOOP') continue;
    if ((changesPerAlias.get(alias) ?? 0) > 1) {
      reject(`conflicting operations on memory ${alias}`);
      continue;
    }
    const expected = { text: memory.text };
    let op: StoreOp;
    if (d.op === 'DELETE') {
      op = { op: 'DELETE', id: memory.id, expected };
    } else if (text === undefined) {
      reject('UPDATE without text');
      continue;
    } else if (text === memory.text) {
      continue;
    } else {
      op = { op: 'UPDATE', id: memory.id, text, expected };
    }
    if (changedEarlier.has(memory.id)) {
      reject(`${d.op} of memory ${alias}, which an earlier group of this turn's facts already changed`);
      continue;
    }
    if (keep.has(memory.id)) {
      reject(
        `${d.op} of memory ${alias}, which the user edited while this turn was processed; their edit is kept`,
      );
      continue;
    }
    ops.push(op);
  }
  return { ops, rejected };
}
