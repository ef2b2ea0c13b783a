/**
 * Question answering over a private haystack per question, for LongMemEval and MSC-Self-Instruct: each item's
 * dated sessions are ingested into a fresh memory bank through the Memory Manager, the question is answered by the
 * Answer Agent in benchmark mode at the question's time, and the answer is scored with the Memory-R1 / mem0 F1 and
 * BLEU-1 and, when a judge is given, with the item's judge protocol. Like the LoCoMo runner it logs every finished
 * item to `questions.jsonl` at once (a rerun skips them) and writes `summary.json`, `summary.md` and
 * `summary.svg` per group (LongMemEval question type, abstention apart). Like runLocomo it stops after
 * `MAX_CONSECUTIVE_FAILURES` consecutive model failures (a failed memory pass or a failed item) and says so.
 */
import { AnswerAgent } from '../core/answer-agent';
import { isAbortError, throwIfAborted, toErrorData, type ErrorData } from '../core/errors';
import { MemoryManager } from '../core/memory-manager';
import type { CallOptions, ChatMessage, ChatModel, Embedder } from '../core/types';
import { InMemoryStore } from '../store/in-memory-store';
import type { JudgeVerdict } from './judge';
import { Limiter } from '../node/limiter';
import { breakerRun, type FailureBreaker, trippedWarning } from './failure-breaker';
import { bleu1, mem0F1 } from './metrics';
import { openRunLog, writeSummaryReports } from './run-log';
import { meanByGroup } from './group-means';
import { type MetricByGroup } from '../core/benchmark-types';

/** One item: a haystack of dated sessions and a question about it. */
export interface HaystackItem {
  id: string;
  /** Reporting group (question type). */
  group: string;
  sessions: { time: number; turns: { speaker: string; text: string }[] }[];
  question: string;
  answer: string;
  questionTime?: number;
  /** Grades a prediction with the item's judge protocol. */
  judge?: (prediction: string, opts: CallOptions) => Promise<JudgeVerdict>;
}

/** One scored item as logged. */
export interface HaystackRecord {
  id: string;
  group: string;
  question: string;
  gold: string;
  prediction: string;
  f1: number;
  bleu1: number;
  judge: 'CORRECT' | 'WRONG' | null;
  memories: number;
  ingestFailures: number;
}

/** `summary.json` of a haystack run. */
export interface HaystackSummary {
  f1: MetricByGroup;
  bleu1: MetricByGroup;
  judge: MetricByGroup | null;
  count: Record<string, number>;
}

/** Options of `runHaystack`. */
export interface HaystackRunOptions extends CallOptions {
  title: string;
  items: HaystackItem[];
  model: ChatModel;
  embedder?: Embedder;
  withJudge: boolean;
  /** Items processed at once. Default 4. */
  concurrency?: number;
  outDir: string;
  onProgress?: (done: number, total: number) => void;
  onWarning?: (message: string) => void;
}

/** What a haystack run did. */
export interface HaystackRunResult {
  summary: HaystackSummary;
  records: HaystackRecord[];
  answeredNow: number;
  failed: { id: string; error: ErrorData }[];
  aborted: boolean;
}

async function processItem(
  item: HaystackItem,
  opts: HaystackRunOptions,
  breaker: FailureBreaker<ErrorData>,
): Promise<HaystackRecord> {
  const { signal } = opts;
  const store = new InMemoryStore();
  const manager = new MemoryManager({ model: opts.model, store, embedder: opts.embedder });
  const context: ChatMessage[] = [];
  let turnIndex = 0;
  let ingestFailures = 0;
  for (const session of item.sessions) {
    for (const turn of session.turns) {
      throwIfAborted(signal);
      const result = await manager.processTurn(
        {
          conversationId: item.id,
          turnId: `${item.id}/t${turnIndex}`,
          speaker: turn.speaker,
          text: turn.text,
          time: session.time,
          context: context.slice(-4),
        },
        { signal },
      );
      if (result.status === 'failed') ingestFailures += 1;
      breaker.note(result.status === 'failed' ? result.error : undefined);
      context.push({ role: 'user', content: `${turn.speaker}: ${turn.text}` });
      turnIndex += 1;
    }
  }
  const agent = new AnswerAgent({ model: opts.model, store, embedder: opts.embedder });
  const result = await agent.answer(
    {
      question: item.question,
      mode: 'benchmark',
      conversationId: item.id,
      ...(item.questionTime !== undefined && { time: item.questionTime }),
    },
    { signal },
  );
  const verdict = opts.withJudge && item.judge ? await item.judge(result.answer, { signal }) : undefined;
  return {
    id: item.id,
    group: item.group,
    question: item.question,
    gold: item.answer,
    prediction: result.answer,
    f1: mem0F1(result.answer, item.answer),
    bleu1: bleu1(result.answer, item.answer),
    judge: verdict?.label ?? null,
    memories: (await store.list()).length,
    ingestFailures,
  };
}

/** Runs the items not yet in the log and writes the reports (see the module comment). */
export async function runHaystack(opts: HaystackRunOptions): Promise<HaystackRunResult> {
  const log = await openRunLog<HaystackRecord>(opts.outDir);
  const { finished } = log;
  const pending = opts.items.filter((i) => !finished.has(i.id));
  const limiter = new Limiter(Math.max(1, opts.concurrency ?? 4));
  const failed: { id: string; error: ErrorData }[] = [];
  let answeredNow = 0;
  let done = 0;
  opts.onProgress?.(0, pending.length);
  // A shared abort: the caller's signal, or too many consecutive model failures.
  const { breaker, signal } = breakerRun<ErrorData>(opts.signal);
  const outcomes = await Promise.allSettled(
    pending.map((item) =>
      limiter.run(async () => {
        throwIfAborted(signal);
        let entry: HaystackRecord | { id: string; error: ErrorData };
        try {
          entry = await processItem(item, { ...opts, signal }, breaker);
          finished.set(item.id, entry);
          answeredNow += 1;
          breaker.note(undefined);
        } catch (err) {
          if (isAbortError(err) || signal.aborted) throw err;
          entry = { id: item.id, error: toErrorData(err) };
          failed.push(entry);
          breaker.note(entry.error);
        }
        await log.append(entry);
        done += 1;
        opts.onProgress?.(done, pending.length);
      }),
    ),
  );
  await log.flush();
  const error = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason as unknown;
  if (error !== undefined && !isAbortError(error) && !signal.aborted) throw error;
  const fatal = breaker.tripped;
  if (fatal) opts.onWarning?.(trippedWarning(fatal.message));

  const ids = new Set(opts.items.map((i) => i.id));
  const records = [...finished.values()].filter((r) => ids.has(r.id));
  const groups = [...new Set(opts.items.map((i) => i.group))];
  const by = (value: (r: HaystackRecord) => number | null) =>
    meanByGroup(records, (r) => r.group, value, groups);
  const count: Record<string, number> = { overall: records.length };
  for (const g of groups) count[g] = records.filter((r) => r.group === g).length;
  const summary: HaystackSummary = {
    f1: by((r) => r.f1),
    bleu1: by((r) => r.bleu1),
    judge: opts.withJudge ? by((r) => (r.judge === null ? null : r.judge === 'CORRECT' ? 1 : 0)) : null,
    count,
  };
  const columns = ['overall', ...groups];
  const rows = [
    { name: 'F1 (Memory-R1 / mem0)', values: summary.f1 },
    { name: 'BLEU-1', values: summary.bleu1 },
    ...(summary.judge ? [{ name: 'LLM-as-a-Judge', values: summary.judge }] : []),
  ];
  const aborted = error !== undefined || fatal !== undefined;
  await writeSummaryReports(opts.outDir, {
    title: opts.title,
    intro: 'Scores in %.',
    summary,
    columns,
    rows,
    count,
    failed: failed.length,
    ingestFailures: 0,
    aborted,
  });
  return { summary, records, answeredNow, failed, aborted };
}
