// The LongMemEval loader on a hand-written fixture in the oracle/S/M format.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../testing/vitest-fixtures';
import { loadLongMemEval, parseLongMemEvalDate } from './longmemeval';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

const tmp = useTempDir('mr1-loaders-');

describe('LongMemEval loader', () => {
  it('parses haystack dates', () => {
    expect(parseLongMemEvalDate('2023/05/20 (Sat) 02:21')).toBe(Date.UTC(2023, 4, 20, 2, 21));
    expect(parseLongMemEvalDate('May 20')).toBeUndefined();
  });

  it('reads questions with their dated sessions, evidence flags, integer answers and abstention', async () => {
    const questions = await loadLongMemEval(join(fixtures, 'longmemeval-mini.json'));
    expect(questions.map((q) => [q.id, q.type, q.abstention])).toEqual([
      ['fx001', 'single-session-user', false],
      ['fx002', 'temporal-reasoning', false],
      ['fx003_abs', 'single-session-user', true],
    ]);
    const first = questions[0]!;
    expect(first.sessions[0]!.time).toBe(Date.UTC(2023, 4, 20, 2, 21));
    expect(first.sessions[0]!.messages[0]!.hasAnswer).toBe(true);
    expect(first.sessions[0]!.messages[1]!.hasAnswer).toBe(false);
    expect(first.answerSessionIds).toEqual(['s1']);
    expect(questions[1]!.answer).toBe('5');
  });

  it('stops reading after the limit', async () => {
    expect(await loadLongMemEval(join(fixtures, 'longmemeval-mini.json'), { limit: 1 })).toHaveLength(1);
  });

  it('rejects haystacks whose ids, dates and sessions disagree in length', async () => {
    const file = join(tmp(), 'lme-bad.json');
    await writeFile(
      file,
      JSON.stringify([
        {
          question_id: 'a',
          question_type: 'multi-session',
          question: 'q',
          answer: 'a',
          question_date: '2023/01/01 (Sun) 00:00',
          haystack_session_ids: ['s1', 's2'],
          haystack_dates: ['2023/01/01 (Sun) 00:00'],
          haystack_sessions: [[]],
        },
      ]),
    );
    await expect(loadLongMemEval(file)).rejects.toThrow(/must have the same length/);
  });
});
