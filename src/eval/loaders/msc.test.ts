// The MSC-Self-Instruct loader on a hand-written JSONL fixture.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../testing/vitest-fixtures';
import { loadMsc, MSC_REFERENCE_TIME } from './msc';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

const tmp = useTempDir('mr1-loaders-');

describe('MSC-Self-Instruct loader', () => {
  it('reads earlier sessions, the question and the answer, skipping blank lines', async () => {
    const items = await loadMsc(join(fixtures, 'msc-mini.jsonl'));
    expect(items.map((i) => i.id)).toEqual(['msc-1', 'msc-3']);
    const first = items[0]!;
    expect(first.question).toBe('Which instrument do you play again?');
    expect(first.answer).toBe('the cello');
    expect(first.sessions[0]!.turns[1]).toEqual({
      speaker: 'Speaker 2',
      text: 'I play the cello in a quartet.',
    });
  });

  it('names speakers by turn order when the file does not', async () => {
    const [first] = await loadMsc(join(fixtures, 'msc-mini.jsonl'));
    expect(first!.sessions[1]!.turns.map((t) => t.speaker)).toEqual(['Speaker 1', 'Speaker 2']);
  });

  it('lays sessions out on a timeline from their gaps, ending a day before the question', async () => {
    const [first] = await loadMsc(join(fixtures, 'msc-mini.jsonl'));
    const day = 86_400_000;
    expect(first!.questionTime).toBe(MSC_REFERENCE_TIME);
    expect(first!.sessions[1]!.time).toBe(MSC_REFERENCE_TIME - day);
    expect(first!.sessions[0]!.time).toBe(MSC_REFERENCE_TIME - day - 14 * day);
  });

  it('names the line of a broken record', async () => {
    const file = join(tmp(), 'msc-bad.jsonl');
    await writeFile(file, '{"previous_dialogs": [], "self_instruct": {"A": "x"}}\n');
    await expect(loadMsc(file)).rejects.toThrow(/msc-bad\.jsonl:1 is not in the MSC-Self-Instruct format/);
  });
});
