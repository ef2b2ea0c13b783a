/**
 * The LoCoMo question-answering protocol pieces shared by the command-line run (`locomo-runner.ts`) and the app's
 * Benchmark view (`benchmark-run.ts`): the turns fed to the Memory Manager (text with image captions, session
 * times, recent context), the time questions are asked at, per-question scoring (Memory-R1 / mem0 F1 and BLEU-1,
 * LoCoMo-protocol F1) and per-category summaries in the order of the Memory-R1 tables. Free of Node APIs.
 */
import type { TurnInput } from '../core/memory-manager-types';
import type { ChatMessage } from '../core/types';
import {
  isAdversarial,
  type LocomoConversation,
  type LocomoQuestion,
  type LocomoTurn,
} from './loaders/locomo-format';
import { meanByGroup } from './group-means';
import { type MetricByGroup } from '../core/benchmark-types';
import { bleu1, isAbstention, locomoF1, mem0F1 } from './metrics';
import { type LocomoCategoryName } from '../core/benchmark-types';

/** Categories in the order of the Memory-R1 tables. */
export const CATEGORY_ORDER: readonly LocomoCategoryName[] = [
  'single-hop',
  'multi-hop',
  'open-domain',
  'temporal',
  'adversarial',
];

/** Earlier turns shown to the Memory Manager with each turn, as in the Memory-R1 ingestion. */
const CONTEXT_TURNS = 4;

/** The text a turn is ingested as: its words plus the caption of a shared image. */
export function turnText(turn: LocomoTurn): string {
  return turn.imageCaption ? `${turn.text} [shared an image: ${turn.imageCaption}]` : turn.text;
}

/** Turn times: the session's, else the previous session's, else 0 (the loader warned about undated sessions). */
function turnTimes(conversation: LocomoConversation): Map<string, number> {
  const times = new Map<string, number>();
  let last = 0;
  for (const s of conversation.sessions) {
    if (s.time !== undefined) last = s.time;
    for (const t of s.turns) times.set(t.diaId, last);
  }
  return times;
}

/**
 * Every turn of a conversation as Memory Manager input, in order: turn id `<conversation>/<dia id>`, the session
 * time, and the previous four turns (`speaker: text`) as context.
 */
export function locomoTurnInputs(conversation: LocomoConversation): TurnInput[] {
  const times = turnTimes(conversation);
  const context: ChatMessage[] = [];
  const inputs: TurnInput[] = [];
  for (const s of conversation.sessions) {
    for (const t of s.turns) {
      inputs.push({
        conversationId: conversation.id,
        turnId: `${conversation.id}/${t.diaId}`,
        speaker: t.speaker,
        text: turnText(t),
        time: times.get(t.diaId) ?? 0,
        context: context.slice(-CONTEXT_TURNS),
      });
      context.push({ role: 'user', content: `${t.speaker}: ${turnText(t)}` });
    }
  }
  return inputs;
}

/** The time questions are asked at: the last dated session's (undefined when no session is dated). */
export function conversationEndTime(conversation: LocomoConversation): number | undefined {
  return [...conversation.sessions].reverse().find((s) => s.time !== undefined)?.time;
}

/** Scores one prediction; adversarial questions count 1 on every metric when the answer declines. */
export function scoreLocomo(
  question: Pick<LocomoQuestion, 'category' | 'answer'>,
  prediction: string,
): { f1: number; f1Locomo: number; bleu1: number } {
  if (isAdversarial(question)) {
    const v = isAbstention(prediction) ? 1 : 0;
    return { f1: v, f1Locomo: v, bleu1: v };
  }
  return {
    f1: mem0F1(prediction, question.answer),
    f1Locomo: locomoF1(prediction, question.answer, question.category),
    bleu1: bleu1(prediction, question.answer),
  };
}

/** What a summary needs of one scored question; `judge` is `null` (or absent) when no verdict exists. */
export interface ScoredLocomoAnswer {
  categoryName: LocomoCategoryName;
  f1: number;
  f1Locomo: number;
  bleu1: number;
  judge?: 'CORRECT' | 'WRONG' | null;
}

/** `summary.json` of a LoCoMo run: scores per category (and overall) for each metric, and question counts. */
export interface LocomoSummary {
  f1: MetricByGroup;
  f1_locomo: MetricByGroup;
  bleu1: MetricByGroup;
  judge: MetricByGroup | null;
  count: Record<string, number>;
}

/** Summarizes scored answers per category (in the Memory-R1 table order) and overall. */
export function summarizeLocomo(records: readonly ScoredLocomoAnswer[], withJudge: boolean): LocomoSummary {
  const groups = CATEGORY_ORDER.filter((c) => records.some((r) => r.categoryName === c));
  const by = (value: (r: ScoredLocomoAnswer) => number | null) =>
    meanByGroup(records, (r) => r.categoryName, value, groups);
  const count: Record<string, number> = { overall: records.length };
  for (const g of groups) count[g] = records.filter((r) => r.categoryName === g).length;
  return {
    f1: by((r) => r.f1),
    f1_locomo: by((r) => r.f1Locomo),
    bleu1: by((r) => r.bleu1),
    judge: withJudge
      ? by((r) => (r.judge === null || r.judge === undefined ? null : r.judge === 'CORRECT' ? 1 : 0))
      : null,
    count,
  };
}
