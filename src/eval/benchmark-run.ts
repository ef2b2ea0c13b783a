/**
 * One LoCoMo conversation benchmarked end to end, in any runtime (the app's benchmark worker or Node): the
 * conversation is ingested turn by turn through the Memory Manager into a fresh in-memory store (never the user's
 * memory bank), each non-adversarial question is answered by the Answer Agent in benchmark mode, and the answers
 * are scored with the Memory-R1 / mem0 F1 and BLEU-1 (plus the LoCoMo-protocol F1) per category. Tokens per second
 * come from the models' own usage reports: output tokens divided by the time spent inside model calls (prompt
 * processing included), so the figure is what a user of this model on this GPU gets per reply.
 *
 * Unlike `runLocomo` (the command line) nothing is written to disk and nothing resumes: a run is one pass that
 * either finishes, is aborted (rejects with an `AbortError`), or stops with `ModelFailingError` after eight
 * consecutive model failures. A single failed turn or question is kept in the result instead.
 */
import { AnswerAgent } from '../core/answer-agent';
import { isAbortError, throwIfAborted, toErrorData } from '../core/errors';
import { MemoryManager } from '../core/memory-manager';
import type {
  LocomoBenchmarkAnswer,
  LocomoBenchmarkPhase,
  LocomoBenchmarkResult,
} from '../core/benchmark-types';
import { countProgress, type Progress } from '../core/progress';
import type { CallOptions, ChatModel, Embedder } from '../core/types';
import { UsageMeter } from '../llm/usage-meter';
import { InMemoryStore } from '../store/in-memory-store';
import { ModelFailingError } from './errors';
import { FailureBreaker } from './failure-breaker';
import { isAdversarial, type LocomoConversation } from './loaders/locomo-format';
import { conversationEndTime, locomoTurnInputs, scoreLocomo, summarizeLocomo } from './locomo-protocol';
import { LOCOMO_CATEGORIES } from '../core/benchmark-types';

/** Options of `runLocomoBenchmark`; defaults are stated beside each field. */
export interface LocomoBenchmarkOptions extends CallOptions {
  conversation: LocomoConversation;
  /** Serves the Memory Manager, and the Answer Agent unless `answerModel` is given. */
  model: ChatModel;
  answerModel?: ChatModel;
  /** Enables dense retrieval; default none (lexical retrieval, as with embeddings turned off). */
  embedder?: Embedder;
  /** Answer at most this many questions (in file order); default all. Every turn is ingested regardless. */
  limit?: number;
  /** Turns ingested, then questions answered, with their counts. */
  onProgress?: (progress: Progress<LocomoBenchmarkPhase>) => void;
  /** Milliseconds; default `performance.now`. */
  clock?: () => number;
}

/**
 * Benchmarks one LoCoMo conversation (see the module comment).
 * @example
 * const result = await runLocomoBenchmark({ conversation, model, signal, onProgress: console.log });
 * result.f1; // => { overall: 0.41, 'single-hop': 0.47, 'multi-hop': 0.3, 'open-domain': 0.2, temporal: 0.45 }
 */
export async function runLocomoBenchmark(opts: LocomoBenchmarkOptions): Promise<LocomoBenchmarkResult> {
  const { conversation, signal, embedder } = opts;
  const clock = opts.clock ?? (() => performance.now());
  const started = clock();
  const meter = new UsageMeter(clock);
  const managerModel = meter.wrap(opts.model);
  const answerModel = opts.answerModel ? meter.wrap(opts.answerModel) : managerModel;

  const turns = locomoTurnInputs(conversation);
  let questions = conversation.questions.filter((q) => !isAdversarial(q));
  if (opts.limit !== undefined) questions = questions.slice(0, Math.max(0, opts.limit));

  const breaker = new FailureBreaker<string>((message, count) => {
    throw new ModelFailingError(count, message);
  });

  const store = new InMemoryStore();
  const manager = new MemoryManager({ model: managerModel, store, embedder, scope: 'conversation' });
  const ingested = (done: number) =>
    countProgress(
      done,
      turns.length,
      `Reading the conversation into memory: turn ${done} of ${turns.length}`,
      'ingest',
    );
  const answered = (done: number) =>
    countProgress(done, questions.length, `Answering: question ${done} of ${questions.length}`, 'answer');
  opts.onProgress?.(ingested(0));
  for (const [i, turn] of turns.entries()) {
    throwIfAborted(signal);
    const result = await manager.processTurn(turn, { signal });
    breaker.note(result.status === 'failed' ? (result.error?.message ?? 'unknown error') : undefined);
    opts.onProgress?.(ingested(i + 1));
  }
  const retried = await manager.retryFailed({ signal });
  const ingestFailed = retried.filter((r) => r.status === 'failed').length;

  const agent = new AnswerAgent({ model: answerModel, store, embedder });
  const time = conversationEndTime(conversation);
  const answers: LocomoBenchmarkAnswer[] = [];
  const failedQuestions: LocomoBenchmarkResult['failedQuestions'] = [];
  opts.onProgress?.(answered(0));
  for (const [i, q] of questions.entries()) {
    throwIfAborted(signal);
    try {
      const result = await agent.answer(
        {
          question: q.question,
          mode: 'benchmark',
          conversationId: conversation.id,
          ...(time !== undefined && { time }),
        },
        { signal },
      );
      answers.push({
        id: q.id,
        category: q.category,
        categoryName: LOCOMO_CATEGORIES[q.category],
        question: q.question,
        gold: q.answer,
        prediction: result.answer,
        ...scoreLocomo(q, result.answer),
      });
      breaker.note(undefined);
    } catch (err) {
      if (isAbortError(err) || signal?.aborted) throw err;
      const { message } = toErrorData(err);
      failedQuestions.push({ id: q.id, question: q.question, message });
      breaker.note(message);
    }
    opts.onProgress?.(answered(i + 1));
  }

  const summary = summarizeLocomo(answers, false);
  const usage = meter.totals();
  return {
    conversationId: conversation.id,
    modelId: answerModel.id,
    embedderId: embedder?.id ?? null,
    answers,
    failedQuestions,
    ingest: { turns: turns.length, failed: ingestFailed },
    f1: summary.f1,
    f1Locomo: summary.f1_locomo,
    bleu1: summary.bleu1,
    count: summary.count,
    tokensPerSecond:
      usage.completionTokens > 0 && usage.seconds > 0 ? usage.completionTokens / usage.seconds : null,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    calls: usage.calls,
    callsWithoutUsage: usage.callsWithoutUsage,
    modelSeconds: usage.seconds,
    seconds: (clock() - started) / 1000,
  };
}
