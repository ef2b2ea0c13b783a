// Scoring and summarizing LoCoMo answers (the full runs are exercised end to end in cli.test.ts).
import { describe, expect, it } from 'vitest';
import { scoreLocomo, summarizeLocomo, type LocomoRecord } from './locomo-runner';

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
