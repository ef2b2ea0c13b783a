// The one reward implementation: Answer Agent exact match after the marker, and the Memory Manager reward through
// a frozen Answer Agent, with every malformed completion scored 0 under its reason.
import { describe, expect, it } from 'vitest';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import type { ManagerState } from './dataset';
import { answerReward, computeReward, isMalformed, managerReward, parseOperations } from './rewards';

describe('answerReward', () => {
  it('scores 1 when the answer after the marker matches the gold answer after normalization', () => {
    expect(
      answerReward('Memories used:\n- [0] x\n**Answer:** The Lisbon Marathon.', 'Lisbon marathon'),
    ).toEqual({
      score: 1,
      reason: 'exact-match',
      answer: 'The Lisbon Marathon.',
    });
    expect(answerReward('**Answer:** 2022', '2022').score).toBe(1);
  });

  it('scores 0 for a different answer', () => {
    expect(answerReward('**Answer:** Berlin marathon', 'Lisbon marathon')).toMatchObject({
      score: 0,
      reason: 'wrong-answer',
    });
  });

  it('scores 0 as malformed when the marker is missing, even if the text is the gold answer', () => {
    const r = answerReward('Lisbon marathon', 'Lisbon marathon');
    expect(r).toEqual({ score: 0, reason: 'missing-marker' });
    expect(isMalformed(r.reason)).toBe(true);
  });

  it('scores 0 as malformed when nothing follows the marker', () => {
    expect(answerReward('Memories used: none\n**Answer:**   ', 'x')).toMatchObject({
      score: 0,
      reason: 'empty-answer',
    });
  });

  it('reads only the first line after the marker, as benchmark mode does', () => {
    expect(answerReward('**Answer:** a blue vase\nBecause she said so.', 'a blue vase').score).toBe(1);
  });
});

describe('parseOperations', () => {
  it('accepts strict and lenient forms (null or missing id, numeric id, lower-case op)', () => {
    const r = parseOperations(
      '```json\n{"operations": [{"op": "add", "text": "A"}, {"op": "UPDATE", "id": 1, "text": "B"}, {"op": "NOOP", "id": "0", "text": null}]}\n```',
      2,
    );
    expect(r).toEqual({
      ok: true,
      operations: [
        { op: 'ADD', text: 'A' },
        { op: 'UPDATE', id: '1', text: 'B' },
        { op: 'NOOP', id: '0', text: null },
      ],
    });
  });

  it.each([
    ['no JSON at all', 'I would add a memory.', 'no-json'],
    ['JSON cut off', '{"operations": [{"op": "ADD", "text": "A"', 'truncated-json'],
    ['the wrong shape', '{"ops": 3}', 'schema-mismatch'],
    ['an unknown operation', '{"operations": [{"op": "MERGE", "id": "0"}]}', 'schema-mismatch'],
    ['a DELETE of an unknown alias', '{"operations": [{"op": "DELETE", "id": "7"}]}', 'unknown-alias'],
    [
      'a DELETE naming a real id instead of an alias',
      '{"operations": [{"op": "DELETE", "id": "conv-26/obs1"}]}',
      'unknown-alias',
    ],
    ['an UPDATE without id', '{"operations": [{"op": "UPDATE", "id": null, "text": "x"}]}', 'missing-id'],
    ['an ADD without text', '{"operations": [{"op": "ADD", "id": null, "text": ""}]}', 'missing-text'],
  ])('rejects %s', (_name, completion, reason) => {
    expect(parseOperations(completion, 2)).toEqual({ ok: false, reason });
  });
});

/** A frozen Answer Agent that answers "lake" when a shown memory mentions the lake, else "park" or "unknown". */
function frozenAnswerer(): ScriptedChatModel {
  return new ScriptedChatModel({
    id: 'frozen',
    respond: (req) => {
      const prompt = req.messages.at(-1)?.content ?? '';
      const answer = /lake/.test(prompt) ? 'lake' : /park/.test(prompt) ? 'park' : 'unknown';
      return `Memories used: none\n**Answer:** ${answer}`;
    },
  });
}

const state: ManagerState = {
  conversationId: 'conv-26',
  turnId: 'conv-26/D2:2',
  speaker: 'Ben',
  turnTime: Date.UTC(2023, 3, 20),
  question: 'Where does Ben walk Biscuit?',
  questionTime: Date.UTC(2023, 4, 1),
  facts: ['Ben walks Biscuit by the lake every morning.'],
  bank: [
    { id: 'm1', text: 'Ben adopted a puppy named Biscuit.', speaker: 'Ben' },
    { id: 'm2', text: 'Ben walks Biscuit in the park.', speaker: 'Ben' },
    { id: 'm3', text: 'Ana moved to Porto in 2022.', speaker: 'Ana' },
  ],
  aliases: ['m1', 'm2'],
};

describe('managerReward', () => {
  it('applies the operations to the bank and rewards the frozen answer that then matches the gold answer', async () => {
    const answerModel = frozenAnswerer();
    const r = await managerReward(
      '{"operations": [{"op": "UPDATE", "id": "1", "text": "Ben walks Biscuit by the lake."}, {"op": "NOOP", "id": "0", "text": null}]}',
      'lake',
      state,
      { answerModel },
    );
    expect(r).toEqual({
      score: 1,
      reason: 'exact-match',
      answer: 'lake',
      operations: { ADD: 0, UPDATE: 1, DELETE: 0, NOOP: 1 },
      rejected: 0,
    });
    const prompt = answerModel.requests[0]!.messages.at(-1)!.content;
    expect(prompt).not.toContain('in the park');
    expect(prompt).toContain('Ben walks Biscuit by the lake.');
  });

  it('scores 0 when the operations leave the bank unable to answer', async () => {
    const r = await managerReward(
      '{"operations": [{"op": "DELETE", "id": "1", "text": null}]}',
      'lake',
      state,
      {
        answerModel: frozenAnswerer(),
      },
    );
    expect(r).toMatchObject({
      score: 0,
      reason: 'wrong-answer',
      answer: 'unknown',
      operations: { DELETE: 1 },
    });
  });

  it('scores a DELETE of an unknown alias 0 without calling the answer model', async () => {
    const answerModel = frozenAnswerer();
    const r = await managerReward(
      '{"operations": [{"op": "DELETE", "id": "2", "text": null}]}',
      'lake',
      state,
      {
        answerModel,
      },
    );
    expect(r).toEqual({ score: 0, reason: 'unknown-alias' });
    expect(answerModel.requests).toHaveLength(0);
  });

  it('drops operations the core validator rejects but still scores the rest', async () => {
    const r = await managerReward(
      '{"operations": [{"op": "ADD", "text": "Ben adopted a puppy named Biscuit."}, {"op": "ADD", "text": "Ben walks Biscuit by the lake."}]}',
      'lake',
      state,
      { answerModel: frozenAnswerer() },
    );
    expect(r).toMatchObject({ score: 1, rejected: 1, operations: { ADD: 2 } });
  });

  it('explains what is missing when a manager reward lacks its state or answer model', async () => {
    await expect(computeReward({ agent: 'manager', completion: '{}', groundTruth: 'x' })).rejects.toThrow(
      /extra_info.manager_state/,
    );
    await expect(
      computeReward({ agent: 'manager', completion: '{}', groundTruth: 'x', managerState: state }),
    ).rejects.toThrow(/--answer-base-url and --answer-model/);
  });
});
