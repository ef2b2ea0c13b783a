// The LLM judge: prompts per protocol, tolerant verdict parsing, one retry, and no silent grading.
import { describe, expect, it } from 'vitest';
import { ModelOutputError } from '../core/errors';
import type { ChatDelta, ChatModel, ChatRequest, ChatResult } from '../core/types';
import { Judge, JUDGE_SCHEMA, locomoJudgeMessages, longMemEvalJudgeMessages, parseJudgeLabel } from './judge';

/** A chat model that replies with the given texts in order and records the requests. */
function scripted(...replies: string[]): ChatModel & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    id: 'scripted',
    requests,
    async complete(req: ChatRequest): Promise<ChatResult> {
      requests.push(req);
      const text = replies.shift();
      if (text === undefined) throw new Error('no scripted reply left');
      return { text, finishReason: 'stop' };
    },
    // eslint-disable-next-line require-yield
    async *stream(): AsyncIterable<ChatDelta> {
      throw new Error('the judge never streams');
    },
  };
}

describe('parseJudgeLabel', () => {
  it('reads the label key of JSON in any casing, inside prose or fences', () => {
    expect(parseJudgeLabel('{"reason": "same date", "label": "CORRECT"}')).toBe('CORRECT');
    expect(parseJudgeLabel('Both name May.\n```json\n{"Label": "wrong"}\n```')).toBe('WRONG');
    expect(parseJudgeLabel('{"label": "yes"}')).toBe('CORRECT');
  });

  it('reads a bare verdict word when the reply has no JSON', () => {
    expect(parseJudgeLabel('The answer matches the topic. CORRECT')).toBe('CORRECT');
    expect(parseJudgeLabel('INCORRECT: different city')).toBe('WRONG');
    expect(parseJudgeLabel('Yes, the response contains the answer.')).toBe('CORRECT');
    expect(parseJudgeLabel('no')).toBe('WRONG');
  });

  it('refuses replies that name both verdicts or neither', () => {
    expect(parseJudgeLabel('CORRECT or WRONG? Hard to say.')).toBeUndefined();
    expect(parseJudgeLabel('I am not sure.')).toBeUndefined();
    expect(parseJudgeLabel('{"label": "maybe"}')).toBeUndefined();
  });
});

describe('judge prompts', () => {
  it('tells the LoCoMo judge to be generous on topic and date formats and shows all three answers', () => {
    const [system, user] = locomoJudgeMessages({
      question: 'When?',
      gold: '7 May 2023',
      prediction: 'May 7th',
    });
    expect(system!.content).toMatch(/same thing as the gold answer/);
    expect(system!.content).toMatch(/same date or\s+period/);
    expect(user!.content).toContain('Question: When?\nGold answer: 7 May 2023\nGenerated answer: May 7th');
    expect(user!.content).toContain('"label"');
  });

  it('uses the rubric of each LongMemEval question type and the abstention rubric for _abs questions', () => {
    const prompt = (type: Parameters<typeof longMemEvalJudgeMessages>[0]['type'], abstention = false) =>
      longMemEvalJudgeMessages({ type, abstention, question: 'q', gold: 'g', prediction: 'p' })
        .map((m) => m.content)
        .join('\n');
    expect(prompt('temporal-reasoning')).toMatch(/off-by-one/);
    expect(prompt('knowledge-update')).toMatch(/updated answer/);
    expect(prompt('single-session-preference')).toMatch(/Rubric for the desired response: g/);
    expect(prompt('multi-session')).toMatch(/intermediate steps/);
    expect(prompt('single-session-user', true)).toMatch(
      /cannot be answered[\s\S]*Why it cannot be answered: g/,
    );
  });
});

describe('Judge', () => {
  it('asks for the judge_label structured output at temperature 0', async () => {
    const model = scripted('{"reason": "same", "label": "CORRECT"}');
    const verdict = await new Judge({ model }).judgeLocomo({ question: 'q', gold: 'g', prediction: 'g' });
    expect(verdict).toEqual({ label: 'CORRECT', raw: '{"reason": "same", "label": "CORRECT"}' });
    expect(model.requests[0]!.schema).toEqual(JUDGE_SCHEMA);
    expect(model.requests[0]!.temperature).toBe(0);
  });

  it('asks once more after a reply without a verdict', async () => {
    const model = scripted('Let me think about it.', '{"label": "WRONG"}');
    const verdict = await new Judge({ model }).judgeLongMemEval({
      type: 'multi-session',
      abstention: false,
      question: 'q',
      gold: 'g',
      prediction: 'p',
    });
    expect(verdict.label).toBe('WRONG');
    expect(model.requests).toHaveLength(2);
    expect(model.requests[1]!.messages.at(-2)).toEqual({
      role: 'assistant',
      content: 'Let me think about it.',
    });
  });

  it('throws ModelOutputError with both replies when the retry has no verdict either', async () => {
    const model = scripted('hmm', 'still unsure');
    const run = new Judge({ model }).judgeLocomo({ question: 'q', gold: 'g', prediction: 'p' });
    await expect(run).rejects.toBeInstanceOf(ModelOutputError);
    await expect(run).rejects.toMatchObject({ rawOutput: 'hmm\n--- retry ---\nstill unsure' });
  });
});
