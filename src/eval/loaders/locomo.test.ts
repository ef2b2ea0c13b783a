// The LoCoMo loader on a hand-written fixture with the dataset's quirks (never on LoCoMo data itself).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../testing/vitest-fixtures';
import { DatasetError } from '../errors';
import { loadLocomo } from './locomo';
import {
  locomoSplit,
  locomoTurns,
  parseEvidenceIds,
  parseLocomo,
  parseLocomoDateTime,
  type LocomoDataset,
} from './locomo-format';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

const tmp = useTempDir('mr1-loaders-');

describe('LoCoMo loader', () => {
  let data: LocomoDataset;
  beforeAll(async () => {
    data = await loadLocomo(join(fixtures, 'locomo-mini.json'));
  });

  it('parses session dates as UTC epoch milliseconds', () => {
    expect(parseLocomoDateTime('1:56 pm on 8 May, 2023')).toBe(Date.UTC(2023, 4, 8, 13, 56));
    expect(parseLocomoDateTime('12:09 am on 13 Sept, 2023')).toBe(Date.UTC(2023, 8, 13, 0, 9));
    expect(parseLocomoDateTime('12:30 pm on 1 January, 2024')).toBe(Date.UTC(2024, 0, 1, 12, 30));
    expect(parseLocomoDateTime('yesterday')).toBeUndefined();
    expect(parseLocomoDateTime('1:00 pm on 31 February, 2023')).toBeUndefined();
  });

  it('skips date keys that have no session and stamps every turn with its session time', () => {
    const conv = data.conversations[0]!;
    expect(conv.sessions.map((s) => s.index)).toEqual([1, 2]);
    expect(conv.sessions[1]!.turns[0]!.time).toBe(Date.UTC(2023, 3, 12, 9, 0));
    expect(data.warnings).toContain('conv-26: 1 session dates have no session (skipped).');
  });

  it('keeps image captions with their turn', () => {
    const turn = locomoTurns(data.conversations[0]!).find((t) => t.diaId === 'D1:3')!;
    expect(turn.imageCaption).toBe('a photo of a blue ceramic vase on a wooden table');
  });

  it('splits malformed evidence entries and sets aside ids that name no turn', () => {
    expect(parseEvidenceIds('D8:6; D9:17')).toEqual(['D8:6', 'D9:17']);
    expect(parseEvidenceIds('D30:05')).toEqual(['D30:5']);
    const questions = data.conversations[0]!.questions;
    expect(questions[2]!.evidence).toEqual(['D1:2', 'D2:2']);
    expect(questions[4]!.evidence).toEqual(['D1:4']);
    expect(questions[4]!.danglingEvidence).toEqual(['D9:9']);
    expect(questions[3]!.evidence).toEqual([]);
    expect(data.warnings).toContain('conv-26: 1 malformed evidence entries were split or cleaned.');
    expect(data.warnings).toContain('conv-26: 1 evidence ids name no turn (not retrievable).');
  });

  it('casts integer answers to strings and keeps category-5 items without an answer', () => {
    const questions = data.conversations[0]!.questions;
    expect(questions[1]!.answer).toBe('2022');
    const adversarial = questions[5]!;
    expect(adversarial.category).toBe(5);
    expect(adversarial.answer).toBe('');
    expect(adversarial.adversarialAnswer).toBe('Biscuit');
  });

  it('gives questions stable ids for resuming', () => {
    expect(data.conversations[1]!.questions.map((q) => q.id)).toEqual([
      'conv-30/q0',
      'conv-30/q1',
      'conv-30/q2',
    ]);
  });

  it('reads observations whose evidence is a string or a list', () => {
    const obs = data.conversations[0]!.observations;
    expect(obs).toHaveLength(6);
    expect(obs.find((o) => o.text.includes('marathon'))).toEqual({
      session: 1,
      speaker: 'Ben',
      text: 'Ben is training for the Lisbon marathon in May.',
      evidence: ['D1:4'],
    });
  });

  it('splits train = conv-26, val = conv-30, test = the rest', () => {
    const ids = (split: 'train' | 'val' | 'test' | 'all') =>
      locomoSplit(data.conversations, split).map((c) => c.id);
    expect(ids('train')).toEqual(['conv-26']);
    expect(ids('val')).toEqual(['conv-30']);
    expect(ids('test')).toEqual(['conv-41']);
    expect(ids('all')).toHaveLength(3);
  });

  it('skips answerless questions outside category 5 with a warning', () => {
    const parsed = parseLocomo([
      {
        sample_id: 'x',
        conversation: {
          speaker_a: 'A',
          speaker_b: 'B',
          session_1: [{ speaker: 'A', dia_id: 'D1:1', text: 'hi' }],
        },
        qa: [
          { question: 'q?', evidence: ['D1:1'], category: 4 },
          { question: 'q2?', answer: 'a', evidence: ['D1:1'], category: 9 },
        ],
      },
    ]);
    expect(parsed.conversations[0]!.questions).toEqual([]);
    expect(parsed.warnings).toEqual([
      'x: session_1 has no date.',
      'x qa[0]: category 4 question without an answer (skipped).',
      'x qa[1]: unknown category 9 (skipped).',
    ]);
  });

  it('names the place and the problem when the file is not LoCoMo', async () => {
    expect(() => parseLocomo({ conversations: [] }, 'f.json')).toThrow(
      /expected a JSON list of conversations/,
    );
    expect(() => parseLocomo([{ sample_id: 'x', qa: [] }], 'f.json')).toThrow(
      /f\.json conversation 0 is not in the LoCoMo format: conversation/,
    );
    await expect(loadLocomo(join(tmp(), 'missing.json'))).rejects.toThrow(
      /does not exist. Check the --dataset path/,
    );
    const bad = join(tmp(), 'bad.json');
    await writeFile(bad, '[{"sample_id":');
    await expect(loadLocomo(bad)).rejects.toBeInstanceOf(DatasetError);
  });
});
