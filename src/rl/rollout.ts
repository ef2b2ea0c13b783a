/**
 * Rollouts: sample G completions per dataset prompt from a policy (any OpenAI-compatible server), score each with
 * the one reward implementation (rewards.ts), and compute GRPO advantages per group. The summary (mean reward,
 * exact-match rate, operation mix, malformed rate by reason) makes a checkpoint comparable with its base model
 * before and after training. A failed model call stops the run (it says nothing about the policy).
 */
import { AppError, throwIfAborted } from '../core/errors';
import { MEMORY_OPERATIONS, MEMORY_OPS } from '../core/schemas';
import type { CallOptions, ChatModel, ChatRequest, FinishReason } from '../core/types';
import { Limiter } from '../node/limiter';
import { managerStateSchema, type ManagerState, type RlAgent, type RlRow } from './dataset';
import { groupAdvantages } from './grpo';
import { computeReward, isMalformed, type OperationMix, type RewardReason } from './rewards';

/** Options of `runRollouts`; defaults are stated beside each field. */
export interface RolloutOptions extends CallOptions {
  rows: readonly RlRow[];
  agent: RlAgent;
  policy: ChatModel;
  /** Completions sampled per prompt. */
  group: number;
  /** Sampling temperature. Default 1.0 (the paper's rollout temperature). */
  temperature?: number;
  /** Longest completion in tokens. Default 2,048 (the paper's max response length). */
  maxTokens?: number;
  /** Frozen Answer Agent for Memory Manager rewards. */
  answerModel?: ChatModel;
  /** Ask the server for `memory_operations` structured output (as the app does). Default false, as in training. */
  structured?: boolean;
  /** Model calls in flight. Default 4. */
  concurrency?: number;
  /** Called after each scored completion. */
  onProgress?: (done: number, total: number) => void;
}

/** One scored completion. */
export interface RolloutRecord {
  question_id: string;
  index: number;
  sample: number;
  completion: string;
  finish_reason?: FinishReason;
  score: number;
  reason: RewardReason;
  advantage: number;
  answer?: string;
  gold: string;
  operations?: OperationMix;
  rejected?: number;
}

/** Aggregates of a rollout run. */
export interface RolloutSummary {
  agent: RlAgent;
  model: string;
  prompts: number;
  group: number;
  samples: number;
  temperature: number;
  meanReward: number | null;
  exactMatchRate: number | null;
  malformedRate: number | null;
  /** Malformed completions by reason. */
  malformedByReason: Partial<Record<RewardReason, number>>;
  /** Prompts whose group had rewards of more than one value (the only ones GRPO learns from). */
  informativeGroups: number;
  /** Memory Manager: operations over all well-formed completions, by kind. */
  operationMix?: OperationMix;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stateOf(row: RlRow): ManagerState {
  const raw = row.extra_info.manager_state;
  const parsed = raw === null ? undefined : managerStateSchema.safeParse(parseJson(raw));
  if (!parsed?.success) {
    throw new AppError(
      'manager-state-invalid',
      `Row ${row.extra_info.question_id} has no valid extra_info.manager_state; is it a Memory Manager row? ` +
        'Rebuild it with `npm run rl -- build-dataset --agent manager`.',
    );
  }
  return parsed.data;
}

/** Aggregates scored completions into the summary. */
export function summarizeRollouts(
  records: readonly RolloutRecord[],
  meta: Pick<RolloutSummary, 'agent' | 'model' | 'group' | 'temperature'>,
): RolloutSummary {
  const n = records.length;
  const rate = (k: number) => (n === 0 ? null : k / n);
  const malformedByReason: Partial<Record<RewardReason, number>> = {};
  let malformed = 0;
  for (const r of records) {
    if (!isMalformed(r.reason)) continue;
    malformed += 1;
    malformedByReason[r.reason] = (malformedByReason[r.reason] ?? 0) + 1;
  }
  const groups = new Map<string, Set<number>>();
  for (const r of records) {
    const g = groups.get(r.question_id) ?? new Set<number>();
    g.add(r.score);
    groups.set(r.question_id, g);
  }
  const summary: RolloutSummary = {
    ...meta,
    prompts: groups.size,
    samples: n,
    meanReward: rate(records.reduce((a, r) => a + r.score, 0)),
    exactMatchRate: rate(records.filter((r) => r.reason === 'exact-match').length),
    malformedRate: rate(malformed),
    malformedByReason,
    informativeGroups: [...groups.values()].filter((g) => g.size > 1).length,
  };
  if (meta.agent === 'manager') {
    const mix = Object.fromEntries(MEMORY_OPS.map((op) => [op, 0])) as OperationMix;
    for (const r of records) for (const op of MEMORY_OPS) mix[op] += r.operations?.[op] ?? 0;
    summary.operationMix = mix;
  }
  return summary;
}

/** Samples, scores and normalizes (see the module comment); records come back in row, then sample order. */
export async function runRollouts(
  opts: RolloutOptions,
): Promise<{ records: RolloutRecord[]; summary: RolloutSummary }> {
  const temperature = opts.temperature ?? 1.0;
  const limiter = new Limiter(Math.max(1, opts.concurrency ?? 4));
  const rows = opts.rows.filter((r) => r.extra_info.agent === opts.agent);
  if (rows.length < opts.rows.length) {
    throw new AppError(
      'agent-mismatch',
      `The dataset holds rows for another agent than "${opts.agent}". Pass the matching --agent or dataset file.`,
    );
  }
  const states = opts.agent === 'manager' ? rows.map(stateOf) : [];
  const total = rows.length * opts.group;
  let done = 0;
  opts.onProgress?.(0, total);
  const sampleOne = async (
    row: RlRow,
    i: number,
    sample: number,
  ): Promise<Omit<RolloutRecord, 'advantage'>> => {
    throwIfAborted(opts.signal);
    const request: ChatRequest = {
      messages: row.prompt,
      temperature,
      maxTokens: opts.maxTokens ?? 2048,
      ...(opts.structured &&
        opts.agent === 'manager' && {
          schema: { name: MEMORY_OPERATIONS.name, schema: MEMORY_OPERATIONS.jsonSchema },
        }),
    };
    const result = await limiter.run(() => opts.policy.complete(request, { signal: opts.signal }));
    const reward = await limiter.run(() =>
      computeReward(
        {
          agent: opts.agent,
          completion: result.text,
          groundTruth: row.reward_model.ground_truth,
          managerState: states[i],
        },
        { answerModel: opts.answerModel, signal: opts.signal },
      ),
    );
    done += 1;
    opts.onProgress?.(done, total);
    return {
      question_id: row.extra_info.question_id,
      index: row.extra_info.index,
      sample,
      completion: result.text,
      finish_reason: result.finishReason,
      score: reward.score,
      reason: reward.reason,
      gold: row.reward_model.ground_truth,
      ...(reward.answer !== undefined && { answer: reward.answer }),
      ...(reward.operations && { operations: reward.operations }),
      ...(reward.rejected !== undefined && { rejected: reward.rejected }),
    };
  };
  const groups = await Promise.all(
    rows.map((row, i) => Promise.all(Array.from({ length: opts.group }, (_, s) => sampleOne(row, i, s)))),
  );
  const records = groups.flatMap((group) => {
    const advantages = groupAdvantages(group.map((r) => r.score));
    return group.map((r, s) => ({ ...r, advantage: advantages[s]! }));
  });
  return {
    records,
    summary: summarizeRollouts(records, {
      agent: opts.agent,
      model: opts.policy.id,
      group: opts.group,
      temperature,
    }),
  };
}
