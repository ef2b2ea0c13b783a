/**
 * The LoCoMo format (`locomo10.json` and any file in its format: a JSON list of conversations with
 * `sample_id`, `conversation`, `qa` and optional `observation`). It validates with zod and smooths the dataset's
 * known quirks without losing anything: date keys without a session are skipped, evidence entries such as
 * "D8:6; D9:17" are split, evidence ids that name no turn are kept aside as `danglingEvidence`, category-5 items
 * without `answer` keep their `adversarial_answer`, integer answers become strings, and session dates such as
 * "1:56 pm on 8 May, 2023" become epoch milliseconds (UTC, since the data carries no time zone). Every repair is
 * listed in `warnings` so a run can report it. Free of Node APIs: the app's Benchmark view parses a file the user
 * picked with it (`parseLocomoJson`); `locomo.ts` adds reading from disk for the command line.
 */
import { z } from 'zod';
import { answerToString } from '../metrics';
import { LOCOMO_CATEGORIES, type LocomoCategory } from '../../core/benchmark-types';
import { DatasetError } from '../errors';
import { validate } from './validate';

/** One dialogue turn. `imageCaption` is the BLIP caption of an image the speaker shared. */
export interface LocomoTurn {
  diaId: string;
  session: number;
  speaker: string;
  text: string;
  imageCaption?: string;
  /** The session's start time (epoch ms), when its date parsed. */
  time?: number;
}

/** One session of a conversation, in order. */
export interface LocomoSession {
  index: number;
  /** The date string as written in the file. */
  dateTime?: string;
  /** `dateTime` parsed (epoch ms, UTC). */
  time?: number;
  turns: LocomoTurn[];
}

/**
 * Whether a question is one of LoCoMo's adversarial ones (category 5): unanswerable by design, scored by whether the
 * answer declines, and left out of Memory-R1's figures and training data.
 */
export function isAdversarial(question: { category: number }): boolean {
  return question.category === 5;
}

/** One question with its gold answer and evidence. */
export interface LocomoQuestion {
  /** `<sample_id>/q<index>`, stable across runs (used to resume). */
  id: string;
  conversationId: string;
  index: number;
  question: string;
  /** The gold answer as a string (integers cast); for category 5 without `answer`, the empty string. */
  answer: string;
  category: LocomoCategory;
  /** Evidence turn ids that exist in the conversation. */
  evidence: string[];
  /** Evidence ids that name no turn of the conversation (kept for the record, never scored as retrievable). */
  danglingEvidence: string[];
  adversarialAnswer?: string;
}

/** One `observation` annotation: a fact about a speaker with the turns it came from. */
export interface LocomoObservation {
  session: number;
  speaker: string;
  text: string;
  evidence: string[];
}

/** One LoCoMo conversation. */
export interface LocomoConversation {
  id: string;
  speakerA: string;
  speakerB: string;
  sessions: LocomoSession[];
  questions: LocomoQuestion[];
  observations: LocomoObservation[];
}

/** A loaded file: its conversations and every quirk that was smoothed over. */
export interface LocomoDataset {
  conversations: LocomoConversation[];
  warnings: string[];
}

/** The Memory-R1 splits of LoCoMo: train = conv-26, val = conv-30, test = the other eight conversations. */
export type LocomoSplit = 'train' | 'val' | 'test' | 'all';

const TRAIN_ID = 'conv-26';
const VAL_ID = 'conv-30';

const turnSchema = z.looseObject({
  speaker: z.string(),
  dia_id: z.string(),
  text: z.string(),
  blip_caption: z.string().optional(),
});

const questionSchema = z.looseObject({
  question: z.string(),
  answer: z.union([z.string(), z.number()]).optional(),
  adversarial_answer: z.union([z.string(), z.number()]).optional(),
  evidence: z.array(z.union([z.string(), z.number()])).optional(),
  category: z.number().int(),
});

const conversationSchema = z.looseObject({
  sample_id: z.string(),
  conversation: z.looseObject({ speaker_a: z.string(), speaker_b: z.string() }),
  qa: z.array(z.unknown()),
  observation: z.record(z.string(), z.unknown()).optional(),
});

const observationSessionSchema = z.record(
  z.string(),
  z.array(z.tuple([z.string(), z.union([z.string(), z.array(z.string())])]).rest(z.unknown())),
);

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/**
 * Parses a LoCoMo session date ("1:56 pm on 8 May, 2023") to epoch ms, reading it as UTC; `undefined` when the
 * string is not in that form. Month names may be abbreviated.
 * @example parseLocomoDateTime('1:56 pm on 8 May, 2023') // => Date.UTC(2023, 4, 8, 13, 56)
 */
export function parseLocomoDateTime(text: string): number | undefined {
  const m = /^\s*(\d{1,2}):(\d{2})\s*([ap])\.?m\.?\s+on\s+(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})\s*$/i.exec(
    text,
  );
  if (!m) return undefined;
  const [, hh, mm, ampm, day, monthName, year] = m;
  const month = MONTHS.findIndex((name) => name.startsWith(monthName!.toLowerCase().slice(0, 3)));
  let hour = Number(hh);
  if (month < 0 || hour < 1 || hour > 12 || Number(mm) > 59) return undefined;
  if (ampm!.toLowerCase() === 'p' && hour !== 12) hour += 12;
  if (ampm!.toLowerCase() === 'a' && hour === 12) hour = 0;
  const time = Date.UTC(Number(year), month, Number(day), hour, Number(mm));
  return new Date(time).getUTCDate() === Number(day) ? time : undefined;
}

/**
 * Every dialogue id in an evidence entry, normalized ("D8:6; D9:17" → ["D8:6", "D9:17"], "D30:05" → "D30:5").
 * @example parseEvidenceIds('D8:6; D9:17') // => ['D8:6', 'D9:17']
 */
export function parseEvidenceIds(entry: string | number): string[] {
  return [...String(entry).matchAll(/D\s*(\d+)\s*:\s*(\d+)/gi)].map(
    (m) => `D${Number(m[1])}:${Number(m[2])}`,
  );
}

function normalizeDiaId(id: string): string {
  return parseEvidenceIds(id)[0] ?? id.trim();
}

function isCategory(n: number): n is LocomoCategory {
  return n in LOCOMO_CATEGORIES;
}

function parseSessions(conv: Record<string, unknown>, sampleId: string, warnings: string[]): LocomoSession[] {
  const indices = Object.keys(conv)
    .map((key) => /^session_(\d+)$/.exec(key)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const skippedDates = Object.keys(conv).filter((key) => {
    const n = /^session_(\d+)_date_time$/.exec(key)?.[1];
    return n !== undefined && !(`session_${n}` in conv);
  });
  if (skippedDates.length > 0) {
    warnings.push(`${sampleId}: ${skippedDates.length} session dates have no session (skipped).`);
  }
  return indices.map((index) => {
    const turns = validate(
      z.array(turnSchema),
      conv[`session_${index}`],
      `${sampleId} session_${index}`,
      'LoCoMo',
    );
    const dateRaw = conv[`session_${index}_date_time`];
    const dateTime = typeof dateRaw === 'string' ? dateRaw : undefined;
    const time = dateTime === undefined ? undefined : parseLocomoDateTime(dateTime);
    if (time === undefined) {
      warnings.push(
        `${sampleId}: session_${index} has ${dateTime === undefined ? 'no date' : `an unreadable date "${dateTime}"`}.`,
      );
    }
    return {
      index,
      dateTime,
      time,
      turns: turns.map((t) => ({
        diaId: normalizeDiaId(t.dia_id),
        session: index,
        speaker: t.speaker,
        text: t.text,
        ...(t.blip_caption ? { imageCaption: t.blip_caption } : {}),
        ...(time !== undefined ? { time } : {}),
      })),
    };
  });
}

function parseQuestions(
  qa: unknown[],
  sampleId: string,
  turnIds: Set<string>,
  warnings: string[],
): LocomoQuestion[] {
  const questions: LocomoQuestion[] = [];
  let malformed = 0;
  let dangling = 0;
  qa.forEach((raw, index) => {
    const item = validate(questionSchema, raw, `${sampleId} qa[${index}]`, 'LoCoMo');
    if (!isCategory(item.category)) {
      warnings.push(`${sampleId} qa[${index}]: unknown category ${item.category} (skipped).`);
      return;
    }
    if (item.answer === undefined && !isAdversarial(item)) {
      warnings.push(
        `${sampleId} qa[${index}]: category ${item.category} question without an answer (skipped).`,
      );
      return;
    }
    const evidence: string[] = [];
    const danglingEvidence: string[] = [];
    for (const entry of item.evidence ?? []) {
      const ids = parseEvidenceIds(entry);
      if (ids.length !== 1 || String(entry).trim() !== ids[0]) malformed += 1;
      for (const id of ids) {
        const list = turnIds.has(id) ? evidence : danglingEvidence;
        if (!list.includes(id)) list.push(id);
      }
    }
    dangling += danglingEvidence.length;
    questions.push({
      id: `${sampleId}/q${index}`,
      conversationId: sampleId,
      index,
      question: item.question,
      answer: answerToString(item.answer),
      category: item.category,
      evidence,
      danglingEvidence,
      ...(item.adversarial_answer !== undefined
        ? { adversarialAnswer: answerToString(item.adversarial_answer) }
        : {}),
    });
  });
  if (malformed > 0)
    warnings.push(`${sampleId}: ${malformed} malformed evidence entries were split or cleaned.`);
  if (dangling > 0) warnings.push(`${sampleId}: ${dangling} evidence ids name no turn (not retrievable).`);
  return questions;
}

function parseObservations(raw: Record<string, unknown> | undefined, sampleId: string): LocomoObservation[] {
  if (raw === undefined) return [];
  const out: LocomoObservation[] = [];
  const keys = Object.keys(raw)
    .map((key) => ({ key, n: /^session_(\d+)_observation$/.exec(key)?.[1] }))
    .filter((k): k is { key: string; n: string } => k.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n));
  for (const { key, n } of keys) {
    const bySpeaker = validate(
      observationSessionSchema,
      raw[key],
      `${sampleId} observation.${key}`,
      'LoCoMo',
    );
    for (const [speaker, facts] of Object.entries(bySpeaker)) {
      for (const [text, ev] of facts) {
        const evidence = (Array.isArray(ev) ? ev : [ev]).flatMap((e) => parseEvidenceIds(e));
        out.push({ session: Number(n), speaker, text, evidence });
      }
    }
  }
  return out;
}

/** Validates a parsed LoCoMo document (`source` names it in messages) and smooths its quirks. */
export function parseLocomo(data: unknown, source = 'The LoCoMo file'): LocomoDataset {
  if (!Array.isArray(data)) {
    throw new DatasetError(
      `${source} is not in the LoCoMo format: expected a JSON list of conversations (like locomo10.json).`,
    );
  }
  const warnings: string[] = [];
  const conversations = data.map((raw, i) => {
    const item = validate(conversationSchema, raw, `${source} conversation ${i}`, 'LoCoMo');
    const sessions = parseSessions(item.conversation, item.sample_id, warnings);
    const turnIds = new Set(sessions.flatMap((s) => s.turns.map((t) => t.diaId)));
    return {
      id: item.sample_id,
      speakerA: item.conversation.speaker_a,
      speakerB: item.conversation.speaker_b,
      sessions,
      questions: parseQuestions(item.qa, item.sample_id, turnIds, warnings),
      observations: parseObservations(item.observation, item.sample_id),
    };
  });
  return { conversations, warnings };
}

/**
 * Parses the text of a LoCoMo file (as picked in the browser) and validates it; bad JSON becomes a `DatasetError`.
 * @example parseLocomoJson('[]', 'locomo10.json') // => { conversations: [], warnings: [] }
 */
export function parseLocomoJson(text: string, source = 'The LoCoMo file'): LocomoDataset {
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (err) {
    throw new DatasetError(`${source} is not valid JSON (${(err as Error).message}).`, { cause: err });
  }
  return parseLocomo(data, source);
}

/** The conversations of one split (train = conv-26, val = conv-30, test = the rest, all = everything). */
export function locomoSplit(conversations: LocomoConversation[], split: LocomoSplit): LocomoConversation[] {
  switch (split) {
    case 'train':
      return conversations.filter((c) => c.id === TRAIN_ID);
    case 'val':
      return conversations.filter((c) => c.id === VAL_ID);
    case 'test':
      return conversations.filter((c) => c.id !== TRAIN_ID && c.id !== VAL_ID);
    case 'all':
      return conversations;
  }
}

/** Every turn of a conversation, in order. */
export function locomoTurns(conversation: LocomoConversation): LocomoTurn[] {
  return conversation.sessions.flatMap((s) => s.turns);
}
