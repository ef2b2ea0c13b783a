/**
 * Loader for MemGPT's MSC-Self-Instruct deep-memory-retrieval task (JSON Lines, one conversation per line): the
 * earlier Multi-Session Chat sessions are in `previous_dialogs[].dialog[]` (`{id?, text}`), and `self_instruct`
 * holds the question (`B`) one speaker asks about them and its gold answer (`A`). The sessions carry no dates,
 * only the gap to the previous session (`time_num` + `time_unit`); the loader lays them out on a synthetic
 * timeline ending at `MSC_REFERENCE_TIME` so the Memory Manager still sees increasing, plausible times.
 */
import { z } from 'zod';
import { answerToString } from '../metrics';
import { readJsonLines } from './files';
import { validate } from './validate';

/** One utterance of an earlier session. */
export interface MscTurn {
  speaker: string;
  text: string;
}

/** One earlier session with its synthetic start time (epoch ms). */
export interface MscSession {
  index: number;
  time: number;
  turns: MscTurn[];
}

/** One MSC-Self-Instruct item: earlier sessions plus a question about them. */
export interface MscConversation {
  /** `msc-<line number>`, stable across runs. */
  id: string;
  sessions: MscSession[];
  question: string;
  answer: string;
  /** When the question is asked: one day after the last session. */
  questionTime: number;
}

/** The synthetic timeline's end: the question of every item is asked at this instant (2023-06-01 UTC). */
export const MSC_REFERENCE_TIME = Date.UTC(2023, 5, 1);

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = {
  hour: 3_600_000,
  day: DAY,
  week: 7 * DAY,
  month: 30 * DAY,
  year: 365 * DAY,
};

const dialogSchema = z.looseObject({
  dialog: z.array(z.looseObject({ id: z.string().optional(), text: z.string() })),
  time_num: z.number().optional(),
  time_unit: z.string().optional(),
});

const itemSchema = z.looseObject({
  previous_dialogs: z.array(dialogSchema),
  self_instruct: z.looseObject({ A: z.union([z.string(), z.number()]), B: z.string() }),
});

/** The gap a session's `time_num` / `time_unit` describe ("3", "weeks"), one day when absent or unreadable. */
function gapMs(num: number | undefined, unit: string | undefined): number {
  const key = (unit ?? '').toLowerCase().replace(/s$/, '');
  const per = UNIT_MS[key];
  return num !== undefined && per !== undefined && num > 0 ? num * per : DAY;
}

/** Validates one parsed MSC-Self-Instruct line (`where` names it in messages). */
export function parseMscItem(raw: unknown, id: string, where: string): MscConversation {
  const item = validate(itemSchema, raw, where, 'MSC-Self-Instruct');
  const questionTime = MSC_REFERENCE_TIME;
  // A session's time_num/time_unit is the gap since the session before it; walk back from the question, which
  // comes one day after the last session.
  const times: number[] = new Array<number>(item.previous_dialogs.length);
  let t = questionTime - DAY;
  for (let i = item.previous_dialogs.length - 1; i >= 0; i--) {
    times[i] = t;
    const next = item.previous_dialogs[i]!;
    t -= gapMs(next.time_num, next.time_unit);
  }
  return {
    id,
    sessions: item.previous_dialogs.map((d, index) => ({
      index,
      time: times[index]!,
      turns: d.dialog.map((turn, k) => ({
        speaker: turn.id ?? (k % 2 === 0 ? 'Speaker 1' : 'Speaker 2'),
        text: turn.text,
      })),
    })),
    question: item.self_instruct.B,
    answer: answerToString(item.self_instruct.A),
    questionTime,
  };
}

/** Reads an MSC-Self-Instruct JSONL file, or its first `limit` items. */
export async function loadMsc(
  file: string,
  opts: { limit?: number; signal?: AbortSignal } = {},
): Promise<MscConversation[]> {
  const out: MscConversation[] = [];
  for await (const { line, value } of readJsonLines(file, opts.signal)) {
    if (opts.limit !== undefined && out.length >= opts.limit) break;
    out.push(parseMscItem(value, `msc-${line}`, `${file}:${line}`));
  }
  return out;
}
