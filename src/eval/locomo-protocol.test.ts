// The Memory Manager input built from LoCoMo turns (shared by the command line and the app's benchmark).
import { describe, expect, it } from 'vitest';
import type { LocomoConversation } from './loaders/locomo-format';
import { conversationEndTime, locomoTurnInputs } from './locomo-protocol';

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
