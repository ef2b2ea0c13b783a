// Rollouts end to end: G samples per prompt from the local OpenAI-compatible test server with a scripted handler,
// scored by the reward implementation, with GRPO advantages and the summary; also through the CLI.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadLocomo } from '../eval/loaders/locomo';
import { type LocomoConversation } from '../eval/loaders/locomo-format';
import { OpenAICompatibleChatModel } from '../llm/openai-compatible';
import { runCaptured } from '../testing/cli-capture';
import { startTestServer, type TestServer } from '../testing/openai-test-server';
import { defaultHandler } from '../testing/fake-memory-r1-model';
import { observationBank } from './banks';
import { runCli } from './cli';
import { buildAnswerRows, buildManagerRows, type RlRow } from './dataset';
import { writeRows } from './export';
import { runRollouts } from './rollout';

const fixture = join(import.meta.dirname, 'fixtures', 'locomo-rl-mini.json');
let server: TestServer;
let tmp: string;
let train: LocomoConversation;
let answerRows: RlRow[];
let managerRows: RlRow[];

beforeAll(async () => {
  server = await startTestServer();
  tmp = await mkdtemp(join(tmpdir(), 'mr1-rl-rollout-'));
  train = (await loadLocomo(fixture)).conversations.find((c) => c.id === 'conv-26')!;
  answerRows = (await buildAnswerRows(train, observationBank(train), { split: 'train' })).rows;
  managerRows = (await buildManagerRows(train, observationBank(train), { split: 'train' })).rows;
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => server.setHandler(defaultHandler));

const model = (name = 'policy') =>
  new OpenAICompatibleChatModel({ baseUrl: server.baseUrl, model: name, maxRetries: 0 });
const question = (content: string) => /"question":\s*"([^"]*)"/.exec(content)?.[1] ?? '';

describe('runRollouts (answer agent)', () => {
  it('samples G completions per prompt at the given temperature and normalizes rewards within each group', async () => {
    const rows = answerRows.filter((r) => r.extra_info.question === 'When did Ana move to Porto?');
    let n = 0;
    // Samples alternate: right, wrong, no marker, right.
    server.setHandler(
      () => ['**Answer:** 2022', '**Answer:** 2021', '2022', '**Answer:** in 2022.'][n++ % 4]!,
    );
    const { records, summary } = await runRollouts({
      rows,
      agent: 'answer',
      policy: model(),
      group: 4,
      concurrency: 1,
    });
    expect(server.requests.at(-1)!.body).toMatchObject({ temperature: 1, max_tokens: 2048 });
    expect(records.map((r) => [r.sample, r.score, r.reason])).toEqual([
      [0, 1, 'exact-match'],
      [1, 0, 'wrong-answer'],
      [2, 0, 'missing-marker'],
      [3, 0, 'wrong-answer'],
    ]);
    expect(records[0]!.advantage).toBeCloseTo(1.5, 5);
    expect(records[1]!.advantage).toBeCloseTo(-0.5, 5);
    expect(summary).toMatchObject({
      agent: 'answer',
      model: 'policy',
      prompts: 1,
      samples: 4,
      meanReward: 0.25,
      exactMatchRate: 0.25,
      malformedRate: 0.25,
      malformedByReason: { 'missing-marker': 1 },
      informativeGroups: 1,
    });
  });

  it('gives zero advantages to a group whose samples all score the same', async () => {
    server.setHandler(() => '**Answer:** no idea');
    const { records, summary } = await runRollouts({
      rows: answerRows.slice(0, 2),
      agent: 'answer',
      policy: model(),
      group: 3,
    });
    expect(records.map((r) => r.advantage)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(summary.informativeGroups).toBe(0);
  });
});

describe('runRollouts (memory manager)', () => {
  it('scores operations through the frozen answer model and reports the operation mix', async () => {
    const row = managerRows.find((r) => r.extra_info.question === 'When did Ana move to Porto?')!;
    server.setHandler((req) => {
      if (req.model === 'policy') {
        return '{"operations": [{"op": "ADD", "id": null, "text": "Ana moved to Porto in 2022."}]}';
      }
      // The frozen Answer Agent answers 2022 only when the ADD reached the memories it was shown.
      const prompt = req.messages.at(-1)!.content;
      return question(prompt) === 'When did Ana move to Porto?' && prompt.includes('Porto in 2022')
        ? '**Answer:** 2022'
        : '**Answer:** unknown';
    });
    const { records, summary } = await runRollouts({
      rows: [row],
      agent: 'manager',
      policy: model('policy'),
      answerModel: model('frozen'),
      group: 2,
    });
    expect(records.map((r) => r.score)).toEqual([1, 1]);
    expect(summary.operationMix).toEqual({ ADD: 2, UPDATE: 0, DELETE: 0, NOOP: 0 });
    expect(summary.meanReward).toBe(1);
  });

  it('counts malformed completions by reason', async () => {
    let n = 0;
    server.setHandler((req) =>
      req.model === 'policy'
        ? ['{"operations": [{"op": "DELETE", "id": "99"}]}', 'sorry', '{"operations": [{"op": "ADD"'][
            n++ % 3
          ]!
        : '**Answer:** unknown',
    );
    const { summary } = await runRollouts({
      rows: managerRows.slice(0, 1),
      agent: 'manager',
      policy: model('policy'),
      answerModel: model('frozen'),
      group: 3,
      concurrency: 1,
    });
    expect(summary.malformedRate).toBe(1);
    expect(summary.malformedByReason).toEqual({ 'unknown-alias': 1, 'no-json': 1, 'truncated-json': 1 });
  });

  it('refuses rows of the other agent', async () => {
    await expect(
      runRollouts({ rows: answerRows, agent: 'manager', policy: model(), answerModel: model(), group: 1 }),
    ).rejects.toThrow(/another agent/);
  });
});

describe('rl rollout command', () => {
  it('writes rollouts.jsonl and summary.json from a Parquet dataset', async () => {
    const files = await writeRows(join(tmp, 'data', 'answer-train'), answerRows);
    server.setHandler(() => '**Answer:** a blue vase');
    const out = join(tmp, 'rollouts');
    const { code, stdout } = await runCaptured(runCli, [
      'rollout',
      '--agent',
      'answer',
      '--dataset',
      files.parquet,
      '--base-url',
      server.baseUrl,
      '--model',
      'm',
      '--group',
      '2',
      '--limit',
      '3',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const lines = (await readFile(join(out, 'rollouts.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(6);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ prompts: 3, samples: 6, meanReward: 2 / 6 });
    expect(stdout.split('\n')[0]).toContain('3 prompts x 2 = 6 samples');
  });

  it('asks for a frozen answer model before a Memory Manager rollout', async () => {
    const { code, stderr } = await runCaptured(runCli, [
      'rollout',
      '--agent',
      'manager',
      '--dataset',
      'x.jsonl',
      '--base-url',
      server.baseUrl,
      '--model',
      'm',
      '--group',
      '2',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--answer-base-url and --answer-model/);
  });
});
