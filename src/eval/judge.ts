/**
 * LLM-as-a-Judge: a chat model labels a generated answer CORRECT or WRONG against the gold answer. Two protocols:
 *
 * - LoCoMo as graded in the Memory-R1 / mem0 tables: generous on topic (a longer answer about the same thing is
 *   correct) and on date formats (a relative or differently written date naming the same day or period is
 *   correct); the verdict is JSON with the key "label".
 * - LongMemEval: one rubric per question type (off-by-one day counts tolerated for temporal reasoning, updated
 *   facts for knowledge updates, a rubric for preferences) and an abstention rubric for `_abs` questions.
 *
 * The prompts are ours, written after those protocols. The judge asks for structured output (`judge_label`: a
 * one-sentence reason, then the label) and parses the reply robustly: JSON anywhere in the text, any casing,
 * yes/no for correct/wrong, or a bare CORRECT / WRONG; after one unusable reply it asks once more, then throws
 * `ModelOutputError` with the raw replies, so a question is never silently graded.
 */
import { z } from 'zod';
import { ModelOutputError, throwIfAborted } from '../core/errors';
import { extractJson } from '../core/structured-output';
import type { CallOptions, ChatMessage, ChatModel } from '../core/types';
import type { LongMemEvalType } from './loaders/longmemeval';

/** A judge's verdict. */
export type JudgeLabel = 'CORRECT' | 'WRONG';

/** A verdict with the reply it was read from. */
export interface JudgeVerdict {
  label: JudgeLabel;
  raw: string;
}

/** The strict JSON Schema the judge's reply is decoded against (reason first, so the label follows it). */
export const JUDGE_SCHEMA = {
  name: 'judge_label',
  schema: {
    type: 'object',
    properties: {
      reason: { type: 'string' },
      label: { type: 'string', enum: ['CORRECT', 'WRONG'] },
    },
    required: ['reason', 'label'],
    additionalProperties: false,
  },
} as const;

const LABEL_WORDS: Record<string, JudgeLabel> = {
  correct: 'CORRECT',
  wrong: 'WRONG',
  incorrect: 'WRONG',
  yes: 'CORRECT',
  no: 'WRONG',
  true: 'CORRECT',
  false: 'WRONG',
};

const labelObject = z.record(z.string(), z.unknown());

function labelFromValue(value: unknown): JudgeLabel | undefined {
  if (typeof value === 'boolean') return value ? 'CORRECT' : 'WRONG';
  if (typeof value !== 'string') return undefined;
  return LABEL_WORDS[
    value
      .trim()
      .toLowerCase()
      .replace(/[.!"']/g, '')
  ];
}

/**
 * Reads a verdict from a judge reply: the "label" key (any casing) of JSON anywhere in the reply, else a reply
 * that uses exactly one of CORRECT / WRONG (upper case, as the prompt asks), else a reply that is just one verdict
 * word in any casing, else a reply that starts with yes or no; `undefined` when the reply commits to neither.
 * @example parseJudgeLabel('The dates match.\n{"label": "correct"}') // => 'CORRECT'
 */
export function parseJudgeLabel(raw: string): JudgeLabel | undefined {
  const extracted = extractJson(raw);
  if (extracted.ok) {
    for (const value of extracted.values) {
      const obj = labelObject.safeParse(value);
      if (!obj.success) continue;
      const key = Object.keys(obj.data).find((k) => k.toLowerCase() === 'label');
      const label = key === undefined ? undefined : labelFromValue(obj.data[key]);
      if (label) return label;
    }
  }
  const hasCorrect = /\bCORRECT\b/.test(raw);
  const hasWrong = /\b(?:WRONG|INCORRECT)\b/.test(raw);
  if (hasCorrect !== hasWrong) return hasCorrect ? 'CORRECT' : 'WRONG';
  const whole = labelFromValue(raw.replace(/[^a-z]/gi, ''));
  if (whole) return whole;
  const lead = /^\W*(yes|no)\b/i.exec(raw.trim());
  return lead ? labelFromValue(lead[1]) : undefined;
}

const VERDICT_INSTRUCTIONS =
  'First give your reason in one short sentence, then the verdict. Reply with JSON only: ' +
  '{"reason": "<one sentence>", "label": "CORRECT"} or {"reason": "<one sentence>", "label": "WRONG"}. ' +
  'The label must be exactly one of CORRECT or WRONG, never both.';

/** Prompt messages for grading one LoCoMo answer (generous on topic and date formats). */
export function locomoJudgeMessages(input: {
  question: string;
  gold: string;
  prediction: string;
}): ChatMessage[] {
  const system =
    'You grade answers to questions about a long conversation between two people. You see the question, the ' +
    'gold answer and a generated answer, and label the generated answer CORRECT or WRONG.\n\n' +
    'Be generous. Gold answers are short; a longer generated answer is CORRECT as long as it is about the same ' +
    'thing as the gold answer. For questions about time, the generated answer may write the date differently or ' +
    'relatively ("last Tuesday", "the week before 9 June"); it is CORRECT when it refers to the same date or ' +
    'period as the gold answer ("7 May" and "May 7th" are the same date). It is WRONG when it is about something ' +
    'else, names a different date or period, or says it does not know.';
  const user =
    `Question: ${input.question}\nGold answer: ${input.gold}\nGenerated answer: ${input.prediction}\n\n` +
    VERDICT_INSTRUCTIONS;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

function longMemEvalRubric(
  type: LongMemEvalType,
  abstention: boolean,
): { reference: string; rubric: string } {
  if (abstention) {
    return {
      reference: 'Why it cannot be answered',
      rubric:
        'This question cannot be answered from the conversation history; the reference explains why. The ' +
        'response is CORRECT if it recognises that: it may say the information is missing or incomplete, or that ' +
        'related information was mentioned but not what was asked. It is WRONG if it gives an answer as if known.',
    };
  }
  if (type === 'single-session-preference') {
    return {
      reference: 'Rubric for the desired response',
      rubric:
        'The reference describes what a well-personalised response looks like. The response is CORRECT if it ' +
        'satisfies it: it need not cover every point, but it must recall and use the personal information about ' +
        'the user correctly. Otherwise it is WRONG.',
    };
  }
  const base =
    'The response is CORRECT if it contains the correct answer, is equivalent to it, or contains all the ' +
    'intermediate steps that lead to it. It is WRONG if it gives only part of the required information, or ' +
    'something else.';
  if (type === 'temporal-reasoning') {
    return {
      reference: 'Correct answer',
      rubric:
        `${base} Do not penalise off-by-one errors in counts of days, weeks, months and so on: "19 days" when ` +
        'the answer is 18 days is still CORRECT.',
    };
  }
  if (type === 'knowledge-update') {
    return {
      reference: 'Correct answer',
      rubric:
        `${base} The user's information changed over time: a response that also mentions earlier information is ` +
        'CORRECT as long as the updated answer it gives is the required one.',
    };
  }
  return { reference: 'Correct answer', rubric: base };
}

/** Prompt messages for grading one LongMemEval answer with its question type's rubric (or the abstention one). */
export function longMemEvalJudgeMessages(input: {
  type: LongMemEvalType;
  abstention: boolean;
  question: string;
  gold: string;
  prediction: string;
}): ChatMessage[] {
  const { reference, rubric } = longMemEvalRubric(input.type, input.abstention);
  const system =
    'You grade the response of a chat assistant with a long-term memory to a question about its past ' +
    `conversations with the user, labelling it CORRECT or WRONG.\n\n${rubric}`;
  const user =
    `Question: ${input.question}\n${reference}: ${input.gold}\nResponse: ${input.prediction}\n\n` +
    VERDICT_INSTRUCTIONS;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/** Options of `Judge`. */
export interface JudgeOptions {
  model: ChatModel;
  /** Longest reply in tokens; default 256 (a sentence and the label). */
  maxTokens?: number;
}

/** Grades answers with a chat model (temperature 0), using the protocols above. */
export class Judge {
  private readonly model: ChatModel;
  private readonly maxTokens: number;

  constructor(opts: JudgeOptions) {
    this.model = opts.model;
    this.maxTokens = opts.maxTokens ?? 256;
  }

  /** Grades one LoCoMo answer. */
  judgeLocomo(input: { question: string; gold: string; prediction: string }, opts?: CallOptions) {
    return this.run(locomoJudgeMessages(input), opts);
  }

  /** Grades one LongMemEval answer. */
  judgeLongMemEval(
    input: { type: LongMemEvalType; abstention: boolean; question: string; gold: string; prediction: string },
    opts?: CallOptions,
  ) {
    return this.run(longMemEvalJudgeMessages(input), opts);
  }

  private async run(messages: ChatMessage[], opts: CallOptions = {}): Promise<JudgeVerdict> {
    const request = { messages, temperature: 0, maxTokens: this.maxTokens, schema: JUDGE_SCHEMA };
    throwIfAborted(opts.signal);
    const first = await this.model.complete(request, opts);
    const firstLabel = parseJudgeLabel(first.text);
    if (firstLabel) return { label: firstLabel, raw: first.text };
    throwIfAborted(opts.signal);
    const retry: ChatMessage[] = [
      ...messages,
      { role: 'assistant', content: first.text },
      {
        role: 'user',
        content: `That reply had no usable verdict. ${VERDICT_INSTRUCTIONS}`,
      },
    ];
    const second = await this.model.complete({ ...request, messages: retry }, opts);
    const secondLabel = parseJudgeLabel(second.text);
    if (secondLabel) return { label: secondLabel, raw: second.text };
    throw new ModelOutputError(
      'The judge model gave no CORRECT/WRONG verdict twice. Use a stronger judge model (--judge-model) or a ' +
        'server that supports JSON-schema output.',
      `${first.text}\n--- retry ---\n${second.text}`,
    );
  }
}
