// runHaystack's stop rule (the scored runs are exercised end to end in cli.test.ts): like runLocomo, a run whose
// model keeps failing stops after MAX_CONSECUTIVE_FAILURES consecutive failures instead of failing every item.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../core/errors';
import { ScriptedChatModel } from '../testing/scripted-chat-model';
import { useTempDir } from '../testing/vitest-fixtures';
import { MAX_CONSECUTIVE_FAILURES } from './failure-breaker';
import { runHaystack, type HaystackItem } from './haystack-runner';

const tempDir = useTempDir('haystack-');

const items: HaystackItem[] = Array.from({ length: 3 * MAX_CONSECUTIVE_FAILURES }, (_, i) => ({
  id: `q${i}`,
  group: 'single-session-user',
  sessions: [{ time: Date.UTC(2024, 0, 1), turns: [{ speaker: 'Ana', text: `I moved to city ${i}.` }] }],
  question: 'Where did Ana move?',
  answer: `city ${i}`,
}));

describe('runHaystack', () => {
  it('stops after MAX_CONSECUTIVE_FAILURES consecutive model failures and says why', async () => {
    const model = new ScriptedChatModel({
      respond: () => new AppError('server-down', 'The server at 127.0.0.1 is not answering.'),
    });
    const warnings: string[] = [];
    const result = await runHaystack({
      title: 'test',
      items,
      model,
      withJudge: false,
      concurrency: 1,
      outDir: join(tempDir(), 'stop'),
      onWarning: (m) => warnings.push(m),
    });
    expect(result.aborted).toBe(true);
    expect(result.records).toEqual([]);
    expect(result.failed.length).toBeGreaterThan(0);
    expect(result.failed.length).toBeLessThan(MAX_CONSECUTIVE_FAILURES);
    expect(warnings).toEqual([
      `Stopped after ${MAX_CONSECUTIVE_FAILURES} consecutive model failures; the last one: ` +
        'The server at 127.0.0.1 is not answering.',
    ]);
  });
});
