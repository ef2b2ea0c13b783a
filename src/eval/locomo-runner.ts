/**
 * The LoCoMo question-answering evaluation of Memory-R1: each conversation is ingested turn by turn through the
 * Memory Manager (with the session timestamps), then every question is answered by the Answer Agent in benchmark
 * mode and scored with the Memory-R1 / mem0 F1 and BLEU-1, the LoCoMo-protocol F1 and, when a judge model is
 * given, LLM-as-a-Judge. Two baselines replace the memory pipeline: `rag-turns` (the Answer Agent over the raw
 * dated turns) and `full-context` (the whole dated conversation in the prompt).
 *
 * Runs are resumable: each finished question is appended to `questions.jsonl` at once and skipped by a rerun; a
 * conversation's memory bank is saved to `memory/<id>.json` (also when the run is aborted half-way, since the
 * Memory Manager skips turns it already applied). `run.json` pins the settings a directory was produced with, so
 * a rerun with another model cannot mix results. An abort stops new work, lets nothing half-written reach the
 * log, and still writes the summary of what finished.
 */
import { join } from 'node:path';
import { AnswerAgent } from '../core/answer-agent';
import { parseAnswer } from '../core/answer-parser';
import { isAbortError, throwIfAborted, toErrorData, type ErrorData } from '../core/errors';
import { MemoryManager } from '../core/memory-manager';
import { countProgress, type Progress } from '../core/progress';
import type { LocomoBenchmarkPhase } from '../core/benchmark-types';
import type { CallOptions, ChatMessage, ChatModel, Embedder, MemoryStore } from '../core/types';
import { InMemoryStore } from '../store/in-memory-store';
import type { LocomoBenchmarkAnswer } from '../core/benchmark-types';
import { Judge } from './judge';
import { Limiter } from '../node/limiter';
import { isAdversarial, type LocomoConversation, type LocomoQuestion } from './loaders/locomo-format';
import {
  conversationEndTime,
  locomoTurnInputs,
  scoreLocomo,
  summarizeLocomo,
  turnText,
  type LocomoSummary,
} from './locomo-protocol';
import { LOCOMO_CATEGORIES } from '../core/benchmark-types';
import { runBackfill } from '../embed/backfill';
import { breakerRun, trippedWarning } from './failure-breaker';
import {
  checkRunConfig,
  loadBank,
  saveBank,
  writeReports,
  type LocomoRunConfig,
  type SavedBank,
} from './locomo-run-files';
import { openRunLog } from './run-log';
import { turnBankText } from './retrieval';

/** One scored question, as logged in `questions.jsonl`. */
export interface LocomoRecord extends LocomoBenchmarkAnswer {
  conversationId: string;
  judge: 'CORRECT' | 'WRONG' | null;
  /** Texts of the memories the Answer Agent said it used (empty for full-context). */
  usedMemories: string[];
  candidates: number;
  raw: string;
  /** Why the judge gave no verdict (the answer is kept; a rerun asks the judge again). */
  judgeError?: string;
}

/** A question that failed (model error), logged so a rerun retries it. */
interface FailedRecord {
  id: string;
  error: ErrorData;
}

/** Options of `runLocomo`. */
export interface LocomoRunOptions extends CallOptions {
  config: LocomoRunConfig;
  /** Conversations of the chosen split. */
  conversations: LocomoConversation[];
  /** At most this many questions (in file order), after the category filter. */
  limit?: number;
  model: ChatModel;
  judgeModel?: ChatModel;
  embedder?: Embedder;
  /** Model calls in flight at once. Default 4. */
  concurrency?: number;
  outDir: string;
  /** Counts ingested turns plus answered (or judged) questions, in one `done` of `total`. */
  onProgress?: (progress: Progress<LocomoBenchmarkPhase>) => void;
  onWarning?: (message: string) => void;
}

/** What a run did. */
export interface LocomoRunResult {
  summary: LocomoSummary;
  records: LocomoRecord[];
  /** Questions answered in this run (the rest came from the log). */
  answeredNow: number;
  failed: FailedRecord[];
  /** Memory Manager turns that failed even after one retry (their facts are missing from memory). */
  ingestFailures: number;
  aborted: boolean;
}

/** The gold the judge sees for an adversarial question: the premise is false, so "not mentioned" is right. */
const ADVERSARIAL_GOLD = 'Not mentioned in the conversation (the question asks about something never said).';

const FULL_CONTEXT_INSTRUCTIONS =
  'You answer questions about a long conversation between two people, shown below session by session with ' +
  'dates. Answer from the conversation only, in a short phrase of at most six words, with absolute dates where ' +
  'the question asks when. If the conversation does not say, answer "Not mentioned in the conversation". ' +
  'Write the answer after "**Answer:**".';

function fullContextMessages(conversation: LocomoConversation, question: string): ChatMessage[] {
  const transcript = conversation.sessions
    .map((s) => {
      const lines = s.turns.map((t) => `${t.speaker}: ${turnText(t)}`);
      return `Session ${s.index} (${s.dateTime ?? 'undated'}):\n${lines.join('\n')}`;
    })
    .join('\n\n');
  return [
    { role: 'system', content: FULL_CONTEXT_INSTRUCTIONS },
    { role: 'user', content: `${transcript}\n\nQuestion: ${question}` },
  ];
}

/** Runs the LoCoMo evaluation (see the module comment) and writes its reports to `outDir`. */
export async function runLocomo(opts: LocomoRunOptions): Promise<LocomoRunResult> {
  const { config, outDir, signal } = opts;
  const limiter = new Limiter(Math.max(1, opts.concurrency ?? 4));
  await checkRunConfig(outDir, config);

  let selected = opts.conversations.flatMap((c) =>
    c.questions
      .filter((q) => config.includeAdversarial || !isAdversarial(q))
      .map((q) => ({ conversation: c, q })),
  );
  if (opts.limit !== undefined) selected = selected.slice(0, opts.limit);
  const selectedIds = new Set(selected.map((s) => s.q.id));

  const log = await openRunLog<LocomoRecord>(outDir);
  if (log.torn > 0)
    opts.onWarning?.(`${log.file}: ${log.torn} unreadable lines ignored (a crash cut them short).`);
  const { finished } = log;
  const pending = selected.filter((s) => !finished.has(s.q.id));
  // Answers logged without a verdict (the judge failed, or the run stopped in between) only need the judge.
  const toJudge = opts.judgeModel ? selected.filter((s) => finished.get(s.q.id)?.judge === null) : [];
  const conversations = opts.conversations.filter(
    (c) => pending.some((p) => p.conversation === c) || toJudge.some((p) => p.conversation === c),
  );

  const bankFile = (c: LocomoConversation) => join(outDir, 'memory', `${c.id}.json`);
  const saved = new Map<string, SavedBank | undefined>();
  for (const c of conversations)
    saved.set(c.id, config.method === 'memory' ? await loadBank(bankFile(c)) : undefined);
  const ingestTurns = (c: LocomoConversation) =>
    config.method === 'memory' && pending.some((p) => p.conversation === c) && !saved.get(c.id)?.complete
      ? c.sessions.reduce((n, s) => n + s.turns.length, 0)
      : 0;
  const total = pending.length + toJudge.length + conversations.reduce((n, c) => n + ingestTurns(c), 0);
  let done = 0;
  const report = (phase: LocomoBenchmarkPhase) => {
    const step = phase === 'ingest' ? 'Reading turns into memory' : 'Answering questions';
    opts.onProgress?.(countProgress(done, total, `${step}: ${done} of ${total} turns and questions`, phase));
  };
  const tick = (phase: LocomoBenchmarkPhase) => {
    done += 1;
    report(phase);
  };
  report('ingest');

  // A shared abort: the caller's signal, or too many consecutive model failures.
  const { breaker, signal: runSignal } = breakerRun<ErrorData>(signal);

  const judge = opts.judgeModel ? new Judge({ model: opts.judgeModel }) : undefined;
  let answeredNow = 0;
  const failed: FailedRecord[] = [];
  let ingestFailures = 0;

  const ingest = async (c: LocomoConversation, store: MemoryStore): Promise<void> => {
    const bank = saved.get(c.id);
    if (bank) await store.import(bank.memory);
    if (opts.embedder) await runBackfill(store, opts.embedder, { batchSize: 64, signal: runSignal });
    if (config.method === 'rag-turns') {
      // One batch per session, stamped with the session's date; the date is also in the text the agent sees.
      for (const s of c.sessions) {
        const texts = s.turns.map((_, i) => turnBankText(s, i));
        const vectors = opts.embedder
          ? await opts.embedder.embed(texts, 'passage', { signal: runSignal })
          : undefined;
        await store.apply({
          conversationId: c.id,
          ...(s.time !== undefined && { time: s.time }),
          ops: s.turns.map((t, i) => ({
            op: 'ADD',
            id: `${c.id}/${t.diaId}`,
            text: texts[i]!,
            speaker: t.speaker,
          })),
          ...(opts.embedder &&
            vectors && {
              embeddings: {
                embedderId: opts.embedder.id,
                vectors: texts.map((text, i) => ({ text, vector: vectors[i]! })),
              },
            }),
        });
      }
      return;
    }
    if (config.method !== 'memory' || bank?.complete) return;
    const manager = new MemoryManager({
      model: opts.model,
      store,
      embedder: opts.embedder,
      scope: 'conversation',
    });
    try {
      for (const input of locomoTurnInputs(c)) {
        throwIfAborted(runSignal);
        const result = await limiter.run(() => manager.processTurn(input, { signal: runSignal }));
        breaker.note(result.status === 'failed' ? result.error : undefined);
        tick('ingest');
      }
      const retried = await limiter.run(() => manager.retryFailed({ signal: runSignal }));
      ingestFailures += retried.filter((r) => r.status === 'failed').length;
      await saveBank(bankFile(c), store, true);
    } catch (err) {
      await saveBank(bankFile(c), store, false);
      throw err;
    }
  };

  /** Asks the judge about a logged answer; a judge failure keeps the answer (a rerun asks the judge again). */
  const judgeRecord = async (record: LocomoRecord, q: LocomoQuestion): Promise<void> => {
    if (!judge) return;
    try {
      const verdict = await limiter.run(() =>
        judge.judgeLocomo(
          {
            question: q.question,
            gold: isAdversarial(q) ? ADVERSARIAL_GOLD : q.answer,
            prediction: record.prediction,
          },
          { signal: runSignal },
        ),
      );
      const judged = { ...record, judge: verdict.label };
      delete judged.judgeError;
      await log.append(judged);
      finished.set(judged.id, judged);
      breaker.note(undefined);
    } catch (err) {
      if (isAbortError(err) || runSignal.aborted) throw err;
      const error = toErrorData(err);
      failed.push({ id: q.id, error });
      await log.append({ ...record, judgeError: error.message });
      breaker.note(error);
    }
  };

  const answer = async (c: LocomoConversation, store: MemoryStore, q: LocomoQuestion): Promise<void> => {
    throwIfAborted(runSignal);
    let record: LocomoRecord;
    try {
      const { prediction, raw, usedMemories, candidates } = await limiter.run(async () => {
        if (config.method === 'full-context') {
          const result = await opts.model.complete(
            { messages: fullContextMessages(c, q.question), temperature: 0, maxTokens: 256 },
            { signal: runSignal },
          );
          return {
            prediction: parseAnswer(result.text, 'benchmark').answer,
            raw: result.text,
            usedMemories: [],
            candidates: 0,
          };
        }
        const agent = new AnswerAgent({ model: opts.model, store, embedder: opts.embedder });
        const time = conversationEndTime(c);
        const result = await agent.answer(
          {
            question: q.question,
            mode: 'benchmark',
            conversationId: c.id,
            ...(time !== undefined && { time }),
          },
          { signal: runSignal },
        );
        return {
          prediction: result.answer,
          raw: result.raw,
          usedMemories: result.usedMemories.map((m) => m.text),
          candidates: result.candidates.length,
        };
      });
      record = {
        id: q.id,
        conversationId: c.id,
        category: q.category,
        categoryName: LOCOMO_CATEGORIES[q.category],
        question: q.question,
        gold: q.answer,
        prediction,
        ...scoreLocomo(q, prediction),
        judge: null,
        usedMemories,
        candidates,
        raw,
      };
      // Logged before judging, so a judge failure or an abort never costs the answer.
      await log.append(record);
      finished.set(record.id, record);
      answeredNow += 1;
      breaker.note(undefined);
    } catch (err) {
      if (isAbortError(err) || runSignal.aborted) throw err;
      const failure = { id: q.id, error: toErrorData(err) };
      failed.push(failure);
      await log.append(failure);
      breaker.note(failure.error);
      tick('answer');
      return;
    }
    await judgeRecord(record, q);
    tick('answer');
  };

  const runConversation = async (c: LocomoConversation) => {
    const questions = pending.filter((p) => p.conversation === c).map((p) => p.q);
    const unjudged = toJudge.filter((p) => p.conversation === c);
    const results = await Promise.allSettled(
      unjudged.map(async (p) => {
        await judgeRecord(finished.get(p.q.id)!, p.q);
        tick('answer');
      }),
    );
    if (questions.length > 0) {
      const store = new InMemoryStore();
      await ingest(c, store);
      results.push(...(await Promise.allSettled(questions.map((q) => answer(c, store, q)))));
    }
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  };

  const outcomes = await Promise.allSettled(conversations.map(runConversation));
  await log.flush();
  const error = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason as unknown;
  if (error !== undefined && !isAbortError(error) && !runSignal.aborted) throw error;
  const aborted = error !== undefined;
  const fatal = breaker.tripped;
  if (fatal) {
    opts.onWarning?.(trippedWarning(fatal.message));
  }

  const records = [...finished.values()].filter((r) => selectedIds.has(r.id));
  const summary = summarizeLocomo(records, judge !== undefined);
  await writeReports(outDir, config, summary, {
    failed: failed.length,
    ingestFailures,
    aborted: aborted || !!fatal,
  });
  return {
    summary,
    records,
    answeredNow,
    failed,
    ingestFailures,
    aborted: aborted || !!fatal,
  };
}
