// The Memory Manager input built from LoCoMo turns (shared by the command line and the app's benchmark), and scoring
// and summarizing LoCoMo answers (the full runs are exercised end to end in cli.test.ts).
import { describe, expect, it } from 'vitest';
import type { LocomoConversation } from './loaders/locomo-format';
import { conversationEndTime, locomoTurnInputs, scoreLocomo, summarizeLocomo } from './locomo-protocol';
import type { LocomoRecord } from './locomo-runner';

const turn = (session: number, n: number, text: string, imageCaption?: string) => ({
  diaId: `D${session}:${n}`,
  session,
  speaker: n % 2 ? 'Ana' : 'Ben',
  text,
  ...(imageCaption && { imageCaption }),
});

const conversation: LocomoConversation = {
  id: 'c1',
  speakerA: 'Ana',
  speakerB: 'Ben',
  sessions: [
    { index: 1, time: 1000, turns: [1, 2, 3, 4, 5].map((n) => turn(1, n, `line ${n}`)) },
    { index: 2, turns: [turn(2, 1, 'Look!', 'a blue vase')] },
  ],
  questions: [],
  observations: [],
};

describe('locomoTurnInputs', () => {
  it('shows the previous four turns as context and appends image captions to the text', () => {
    const inputs = locomoTurnInputs(conversation);
    expect(inputs.map((i) => i.turnId)).toEqual([
      'c1/D1:1',
      'c1/D1:2',
      'c1/D1:3',
      'c1/D1:4',
      'c1/D1:5',
      'c1/D2:1',
    ]);
    expect(inputs[0]!.context).toEqual([]);
    expect(inputs[5]!.context?.map((m) => m.content)).toEqual([
      'Ben: line 2',
      'Ana: line 3',
      'Ben: line 4',
      'Ana: line 5',
    ]);
    expect(inputs[5]!.text).toBe('Look! [shared an image: a blue vase]');
  });

  it('gives turns of an undated session the previous session time', () => {
    const inputs = locomoTurnInputs(conversation);
    expect(inputs.map((i) => i.time)).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    expect(conversationEndTime(conversation)).toBe(1000);
  });
});

function record(
  id: string,
  categoryName: LocomoRecord['categoryName'],
  f1: number,
  judge: 'CORRECT' | 'WRONG' | null,
): LocomoRecord {
  return {
    id,
    conversationId: 'c',
    category: 4,
    categoryName,
    question: 'q',
    gold: 'g',
    prediction: 'p',
    f1,
    f1Locomo: f1,
    bleu1: f1,
    judge,
    usedMemories: [],
    candidates: 0,
    raw: 'p',
  };
}

describe('scoreLocomo', () => {
  it('scores with both F1 protocols and BLEU-1', () => {
    // mem0 sets {in, 2022} vs {2022}: F1 2/3; LoCoMo bag [in, 2022] vs [2022]: 2/3; BLEU-1 p1 = 1/2, no penalty.
    expect(scoreLocomo({ category: 2, answer: '2022' }, 'In 2022')).toEqual({
      f1: 2 / 3,
      f1Locomo: 2 / 3,
      bleu1: 0.5,
    });
  });

  it('scores adversarial questions 1 on every metric when the answer declines, else 0', () => {
    expect(scoreLocomo({ category: 5, answer: '' }, 'Not mentioned in the conversation')).toEqual({
      f1: 1,
      f1Locomo: 1,
      bleu1: 1,
    });
    expect(scoreLocomo({ category: 5, answer: '' }, 'Biscuit')).toEqual({ f1: 0, f1Locomo: 0, bleu1: 0 });
  });
});

describe('summarizeLocomo', () => {
  it('averages per category in the Memory-R1 table order and counts questions', () => {
    const summary = summarizeLocomo(
      [
        record('a', 'temporal', 1, 'CORRECT'),
        record('b', 'single-hop', 0.5, 'WRONG'),
        record('c', 'single-hop', 0, null),
      ],
      true,
    );
    expect(Object.keys(summary.f1)).toEqual(['overall', 'single-hop', 'temporal']);
    expect(summary.f1).toEqual({ overall: 0.5, 'single-hop': 0.25, temporal: 1 });
    // The unjudged answer is left out of the judge score rather than counted wrong.
    expect(summary.judge).toEqual({ overall: 0.5, 'single-hop': 0, temporal: 1 });
    expect(summary.count).toEqual({ overall: 3, 'single-hop': 2, temporal: 1 });
  });

  it('reports no judge scores when no judge ran', () => {
    expect(summarizeLocomo([record('a', 'temporal', 1, null)], false).judge).toBeNull();
  });
});
