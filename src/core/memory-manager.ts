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
import { groupFacts, packDecision } from './decision-prompt';
import {
  isAbortError,
  throwIfAborted,
  toErrorData,
  type ErrorData,
  ModelOutputError,
  PromptTooLargeError,
} from './errors';
import { extractFacts, type PromptSettings } from './extract-facts';
import { newId } from './ids';
import { StageFailure, staleOf } from './stage-failure';
import type {
  MemoryManagerOptions,
  MemoryScope,
  ProcessTurnOptions,
  ProcessTurnResult,
  RejectedOperation,
  TurnInput,
} from './memory-manager-types';
import { resolveOperations } from './resolve-operations';
import { MEMORY_OPERATIONS, type DecidedOperation } from './schemas';
import { previewOps, reviewReason, type ReviewThreshold } from './review-guard';
import { completeStructured } from './structured-output';
import { DEFAULT_CONTEXT_WINDOW, promptBudget, TokenCounter } from './token-budget';
import type {
  CallOptions,
  ChatMessage,
  ChatModel,
  Embedder,
  MemoryFilter,
  MemoryRecord,
  MemoryStore,
  StoreOp,
} from './types';
import { turnInputSchema } from './input-schemas';
import { parseInput } from './parse-input';

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

/** The Memory-R1 Memory Manager (see the module comment). */
export class MemoryManager {
  private readonly model: ChatModel;
  private readonly store: MemoryStore;
  private readonly embedder?: Embedder;
  private readonly relatedPerFact: number;
  private readonly maxRelated: number;
  private readonly scope: MemoryScope;
  private readonly review?: ReviewThreshold;
  /** Model, token counter, budget and sampling settings of both prompts. */
  private readonly prompts: PromptSettings;

  constructor(options: MemoryManagerOptions) {
    this.model = options.model;
    this.store = options.store;
    this.embedder = options.embedder;
    this.relatedPerFact = options.relatedPerFact ?? 5;
    this.maxRelated = options.maxRelated ?? 30;
    this.scope = options.scope ?? 'all';
    this.review = options.review;
    const reservedOutput = options.reservedOutput ?? MANAGER_RESERVED_OUTPUT;
    this.prompts = {
      model: options.model,
      counter: new TokenCounter(options.model),
      budget: promptBudget(
        options.contextWindow ?? options.model.contextWindow ?? DEFAULT_CONTEXT_WINDOW,
        reservedOutput,
      ),
      reservedOutput,
      temperature: options.temperature ?? 0,
      contextTurns: options.contextTurns ?? 4,
      timeZone: options.timeZone,
    };
  }

  /**
   * Extracts, retrieves, decides and applies one turn's memory operations. Never throws for model or store
   * failures (they come back as `status: 'failed'` and are recorded for `retryFailed`); rethrows an abort.
   */
  async processTurn(turn: TurnInput, opts: ProcessTurnOptions = {}): Promise<ProcessTurnResult> {
    const { signal } = opts;
    parseInput(turnInputSchema, turn, 'processTurn');
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

  /** The turn's facts (see extract-facts.ts); any failure is the extract stage's. */
  private async extract(turn: TurnInput, signal: AbortSignal | undefined): Promise<string[]> {
    try {
      return await extractFacts(this.prompts, turn, signal);
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
      throw new StageFailure('retrieve', err);
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
      return await packDecision(this.prompts, turn, facts, related);
    } catch (err) {
      throw err instanceof StageFailure ? err.original : err;
    }
  }

  /** The facts split into groups for separate decision calls (see decision-prompt.ts). */
  private async groupFacts(turn: TurnInput, facts: string[]): Promise<string[][]> {
    try {
      return await groupFacts(this.prompts, turn, facts);
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
        const packed = await packDecision(this.prompts, turn, group.facts, group.related);
        shown = packed.shown;
        const result = await completeStructured(this.model, packed.messages, MEMORY_OPERATIONS, {
          signal,
          temperature: this.prompts.temperature,
          maxTokens: this.prompts.reservedOutput,
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
