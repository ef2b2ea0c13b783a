/**
 * Loader for LongMemEval (Wu et al., 2024) question files: `longmemeval_oracle.json`, `longmemeval_s.json` and
 * `longmemeval_m.json`, which users download themselves. All three are a JSON list of questions, each with its own
 * haystack of dated chat sessions; the file is read element by element so the multi-gigabyte M file never has to
 * fit in one string. Question ids ending in `_abs` are abstention questions (the answer is not in the haystack).
 */
import { z } from 'zod';
import { answerToString } from '../metrics';
import { DatasetError } from '../errors';
import { readJsonArray } from './files';
import { validate } from './validate';

/** LongMemEval's question types. */
export const LONGMEMEVAL_TYPES = [
  'single-session-user',
  'single-session-assistant',
  'single-session-preference',
  'multi-session',
  'temporal-reasoning',
  'knowledge-update',
] as const;

/** One of `LONGMEMEVAL_TYPES`. */
export type LongMemEvalType = (typeof LONGMEMEVAL_TYPES)[number];

/** One message of a haystack session. `hasAnswer` marks the evidence turns. */
export interface LongMemEvalMessage {
  role: 'user' | 'assistant';
  content: string;
  hasAnswer: boolean;
}

/** One dated session of the haystack. */
export interface LongMemEvalSession {
  id: string;
  /** The date as written ("2023/05/20 (Sat) 02:21"). */
  date: string;
  /** `date` parsed (epoch ms, UTC), when readable. */
  time?: number;
  messages: LongMemEvalMessage[];
}

/** One question with its haystack. */
export interface LongMemEvalQuestion {
  id: string;
  type: LongMemEvalType;
  /** True for `_abs` questions: the right answer says the information is not available. */
  abstention: boolean;
  question: string;
  answer: string;
  questionDate: string;
  questionTime?: number;
  sessions: LongMemEvalSession[];
  answerSessionIds: string[];
}

const messageSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
  has_answer: z.boolean().optional(),
});

const questionSchema = z.looseObject({
  question_id: z.union([z.string(), z.number()]),
  question_type: z.enum(LONGMEMEVAL_TYPES),
  question: z.string(),
  answer: z.union([z.string(), z.number()]),
  question_date: z.string(),
  haystack_session_ids: z.array(z.union([z.string(), z.number()])),
  haystack_dates: z.array(z.string()),
  haystack_sessions: z.array(z.array(messageSchema)),
  answer_session_ids: z.array(z.union([z.string(), z.number()])).optional(),
});

/**
 * Parses a LongMemEval date ("2023/05/20 (Sat) 02:21") to epoch ms (UTC); `undefined` when unreadable.
 * @example parseLongMemEvalDate('2023/05/20 (Sat) 02:21') // => Date.UTC(2023, 4, 20, 2, 21)
 */
export function parseLongMemEvalDate(text: string): number | undefined {
  const m = /^\s*(\d{4})\/(\d{1,2})\/(\d{1,2})(?:\s*\([A-Za-z]+\))?(?:\s+(\d{1,2}):(\d{2}))?\s*$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, hh, mm] = m;
  const time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh ?? 0), Number(mm ?? 0));
  return Number.isNaN(time) ? undefined : time;
}

/** Validates one parsed LongMemEval question (`where` names it in messages). */
export function parseLongMemEvalQuestion(raw: unknown, where: string): LongMemEvalQuestion {
  const item = validate(questionSchema, raw, where, 'LongMemEval');
  const n = item.haystack_sessions.length;
  if (item.haystack_session_ids.length !== n || item.haystack_dates.length !== n) {
    throw new DatasetError(
      `${where} is not in the LongMemEval format: haystack_sessions, haystack_session_ids and haystack_dates ` +
        `must have the same length (${n}, ${item.haystack_session_ids.length}, ${item.haystack_dates.length}).`,
    );
  }
  const id = String(item.question_id);
  return {
    id,
    type: item.question_type,
    abstention: id.endsWith('_abs'),
    question: item.question,
    answer: answerToString(item.answer),
    questionDate: item.question_date,
    questionTime: parseLongMemEvalDate(item.question_date),
    sessions: item.haystack_sessions.map((messages, i) => ({
      id: String(item.haystack_session_ids[i]),
      date: item.haystack_dates[i]!,
      time: parseLongMemEvalDate(item.haystack_dates[i]!),
      messages: messages.map((m) => ({ role: m.role, content: m.content, hasAnswer: m.has_answer === true })),
    })),
    answerSessionIds: (item.answer_session_ids ?? []).map(String),
  };
}

/** Streams the questions of a LongMemEval file (oracle, S or M), validating each. */
export async function* readLongMemEval(
  file: string,
  signal?: AbortSignal,
): AsyncGenerator<LongMemEvalQuestion> {
  let index = 0;
  for await (const raw of readJsonArray(file, signal)) {
    yield parseLongMemEvalQuestion(raw, `${file} question ${index}`);
    index += 1;
  }
}

/** Reads a whole LongMemEval file (oracle, S or M), or its first `limit` questions. */
export async function loadLongMemEval(
  file: string,
  opts: { limit?: number; signal?: AbortSignal } = {},
): Promise<LongMemEvalQuestion[]> {
  const out: LongMemEvalQuestion[] = [];
  for await (const q of readLongMemEval(file, opts.signal)) {
    if (opts.limit !== undefined && out.length >= opts.limit) break;
    out.push(q);
  }
  return out;
}
