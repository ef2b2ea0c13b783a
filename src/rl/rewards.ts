/**
 * The outcome rewards of Memory-R1, implemented once and used by the rollouts, the reward server and (through the
 * server) verl's reward function:
 *
 * - Answer Agent: 1 when the answer after `**Answer:**` (parsed by the core answer parser) equals the gold answer
 *   after SQuAD-style normalization (`exactMatch`), else 0.
 * - Memory Manager: the completion's operations are validated with the core `memory_operations` schema, mapped
 *   from aliases back to memory ids, and applied to a copy of the temporal bank; a frozen Answer Agent then
 *   answers the linked question from the updated bank, and the reward is the exact match of its answer.
 *
 * A malformed completion scores 0 and says why in `reason` (the rollout summary counts reasons), so a policy that
 * stops writing the marker or valid JSON is visible, not just scored low.
 */
import { AnswerAgent } from '../core/answer-agent';
import { parseAnswer } from '../core/answer-parser';
import { AppError } from '../core/errors';
import { resolveOperations } from '../core/resolve-operations';
import { MEMORY_OPERATIONS, MEMORY_OPS, type DecidedOperation, type MemoryOpName } from '../core/schemas';
import { extractJson } from '../core/structured-output';
import type { CallOptions, ChatModel } from '../core/types';
import { exactMatch } from '../eval/metrics';
import { storeOf } from './banks';
import type { ManagerState, RlAgent } from './dataset';

/** Reasons of a well-formed completion: the answer matched the gold answer or not. */
export const SCORED_REASONS = ['exact-match', 'wrong-answer'] as const;

/** Reasons a completion is malformed (it scores 0). */
export const MALFORMED_REASONS = [
  'missing-marker',
  'empty-answer',
  'no-json',
  'truncated-json',
  'schema-mismatch',
  'missing-id',
  'unknown-alias',
  'missing-text',
] as const;

/** Why a completion got its score. */
export type RewardReason = (typeof SCORED_REASONS)[number] | (typeof MALFORMED_REASONS)[number];

/** Operation counts of a Memory Manager completion. */
export type OperationMix = Record<MemoryOpName, number>;

/** A scored completion. */
export interface RewardResult {
  score: number;
  reason: RewardReason;
  /** The answer that was compared with the gold answer (the policy's, or the frozen Answer Agent's). */
  answer?: string;
  /** Memory Manager: the operations the completion asked for, by kind. */
  operations?: OperationMix;
  /** Memory Manager: operations the core validator dropped (for example an ADD repeating a shown memory). */
  rejected?: number;
}

/** True for the reasons that mark a completion as malformed. */
export function isMalformed(reason: RewardReason): boolean {
  return (MALFORMED_REASONS as readonly string[]).includes(reason);
}

/**
 * The Answer Agent reward.
 * @example answerReward('Memories used:\n- [0] Ana moved in 2022\n**Answer:** 2022', '2022') // => { score: 1, reason: 'exact-match', answer: '2022' }
 */
export function answerReward(completion: string, groundTruth: string): RewardResult {
  const parsed = parseAnswer(completion, 'benchmark');
  if (!parsed.markerFound) return { score: 0, reason: 'missing-marker' };
  if (parsed.answer.trim() === '') return { score: 0, reason: 'empty-answer', answer: '' };
  const hit = exactMatch(parsed.answer, groundTruth);
  return { score: hit ? 1 : 0, reason: hit ? 'exact-match' : 'wrong-answer', answer: parsed.answer };
}

/** The operations of a Memory Manager completion, or why they are malformed. */
export type ParsedOperations =
  { ok: true; operations: DecidedOperation[] } | { ok: false; reason: (typeof MALFORMED_REASONS)[number] };

/**
 * Reads a Memory Manager completion: JSON (mechanically repaired as the core does, never guessed), validated with
 * the core schema, every id an alias below `aliasCount`, ADD/UPDATE with text, UPDATE/DELETE/NOOP with an id.
 */
export function parseOperations(completion: string, aliasCount: number): ParsedOperations {
  const extracted = extractJson(completion);
  if (!extracted.ok)
    return { ok: false, reason: /cut off/.test(extracted.error) ? 'truncated-json' : 'no-json' };
  let operations: DecidedOperation[] | undefined;
  for (const value of extracted.values) {
    const result = MEMORY_OPERATIONS.validator.safeParse(value);
    if (result.success) {
      operations = result.data.operations;
      break;
    }
  }
  if (operations === undefined)
    return { ok: false, reason: extracted.truncated ? 'truncated-json' : 'schema-mismatch' };
  for (const op of operations) {
    const id = op.id?.trim() || undefined;
    const text = op.text?.trim() || undefined;
    if ((op.op === 'ADD' || op.op === 'UPDATE') && text === undefined)
      return { ok: false, reason: 'missing-text' };
    if (op.op === 'ADD') continue;
    if (id === undefined) return { ok: false, reason: 'missing-id' };
    if (!/^\d+$/.test(id) || Number(id) >= aliasCount) return { ok: false, reason: 'unknown-alias' };
  }
  return { ok: true, operations };
}

function mixOf(operations: readonly DecidedOperation[]): OperationMix {
  const mix = Object.fromEntries(MEMORY_OPS.map((op) => [op, 0])) as OperationMix;
  for (const op of operations) mix[op.op] += 1;
  return mix;
}

/** A frozen Answer Agent's settings for the Memory Manager reward. */
export interface ManagerRewardOptions extends CallOptions {
  answerModel: ChatModel;
  /** Context window of the answer model. Default: the model's, else 4,096. */
  contextWindow?: number;
}

/** The Memory Manager reward (see the module comment). Model errors propagate; they are not the policy's fault. */
export async function managerReward(
  completion: string,
  groundTruth: string,
  state: ManagerState,
  opts: ManagerRewardOptions,
): Promise<RewardResult> {
  const parsed = parseOperations(completion, state.aliases.length);
  if (!parsed.ok) return { score: 0, reason: parsed.reason };
  const store = await storeOf(state.bank, state.conversationId, state.turnTime);
  const byId = new Map(state.bank.map((m) => [m.id, m]));
  const shown = state.aliases.map((id) => {
    const memory = byId.get(id);
    if (!memory) {
      throw new AppError(
        'manager-state-invalid',
        `The manager state shows memory "${id}", which is not in its bank. Rebuild the dataset.`,
      );
    }
    return {
      ...memory,
      conversationId: state.conversationId,
      createdAt: state.turnTime,
      updatedAt: state.turnTime,
      sourceTurnIds: [],
    };
  });
  const { ops, rejected } = resolveOperations(parsed.operations, shown, {
    speaker: state.speaker,
    conversationId: state.conversationId,
  });
  if (ops.length > 0) {
    await store.apply({
      turnId: state.turnId,
      conversationId: state.conversationId,
      speaker: state.speaker,
      time: state.turnTime,
      ops,
    });
  }
  const agent = new AnswerAgent({ model: opts.answerModel, store, contextWindow: opts.contextWindow });
  const result = await agent.answer(
    {
      question: state.question,
      mode: 'benchmark',
      conversationId: state.conversationId,
      time: state.questionTime,
    },
    { signal: opts.signal },
  );
  const hit = result.markerFound && exactMatch(result.answer, groundTruth);
  return {
    score: hit ? 1 : 0,
    reason: hit ? 'exact-match' : 'wrong-answer',
    answer: result.answer,
    operations: mixOf(parsed.operations),
    rejected: rejected.length,
  };
}

/** One reward request, as the reward server and the rollouts see it. */
export interface RewardRequest {
  agent: RlAgent;
  completion: string;
  groundTruth: string;
  /** Required for the Memory Manager. */
  managerState?: ManagerState;
}

/** The reward of one completion of either agent. */
export async function computeReward(
  request: RewardRequest,
  opts: CallOptions & { answerModel?: ChatModel; contextWindow?: number } = {},
): Promise<RewardResult> {
  if (request.agent === 'answer') return answerReward(request.completion, request.groundTruth);
  if (!request.managerState) {
    throw new AppError(
      'manager-state-missing',
      "A Memory Manager reward needs the row's extra_info.manager_state (the temporal bank and aliases). " +
        'Pass the extra_info of a row built by `npm run rl -- build-dataset --agent manager`.',
    );
  }
  if (!opts.answerModel) {
    throw new AppError(
      'answer-model-missing',
      'Memory Manager rewards need a frozen Answer Agent model: pass --answer-base-url and --answer-model.',
    );
  }
  return managerReward(request.completion, request.groundTruth, request.managerState, {
    answerModel: opts.answerModel,
    contextWindow: opts.contextWindow,
    signal: opts.signal,
  });
}
