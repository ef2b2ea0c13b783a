// Dataset builders on the hand-written LoCoMo fixture: evidence lookup, temporal windows, quirky evidence ids,
// exact agent prompts, banks built by the Memory Manager against the local test server, and the exported files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnswerAgent } from '../core/answer-agent';
import { loadLocomo } from '../eval/loaders/locomo';
import { type LocomoConversation } from '../eval/loaders/locomo-format';
import { OpenAICompatibleChatModel } from '../llm/openai-compatible';
import { startTestServer, type TestServer } from '../testing/openai-test-server';
import { bankBefore, finalBank, modelBank, observationBank, storeOf } from './banks';
import { buildAnswerRows, buildManagerRows, managerStateSchema, type RlRow } from './dataset';
import { readRows, rowsToParquet, writeRows } from './export';

const fixture = join(import.meta.dirname, 'fixtures', 'locomo-rl-mini.json');
let train: LocomoConversation;
let val: LocomoConversation;
let server: TestServer;
let tmp: string;

beforeAll(async () => {
  const data = await loadLocomo(fixture);
  train = data.conversations.find((c) => c.id === 'conv-26')!;
  val = data.conversations.find((c) => c.id === 'conv-30')!;
  server = await startTestServer();
  tmp = await mkdtemp(join(tmpdir(), 'mr1-rl-dataset-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

const stateOf = (row: RlRow) => managerStateSchema.parse(JSON.parse(row.extra_info.manager_state ?? 'null'));

describe('observation banks', () => {
  it('writes each observation at its latest evidence turn, as a fact of that turn', () => {
    const bank = observationBank(train);
    const at = (diaId: string) => bank.facts[bank.turns.findIndex((t) => t.diaId === diaId)];
    expect(at('D1:3')).toEqual(['Ana made a blue vase in her pottery class.']);
    expect(at('D1:5')).toEqual([]);
    expect(finalBank(bank)).toHaveLength(7);
  });

  it('keeps only memories written by the window of turns before a turn', () => {
    const bank = observationBank(train);
    const d2_2 = bank.turns.findIndex((t) => t.diaId === 'D2:2');
    expect(bankBefore(bank, d2_2).map((m) => m.text)).toEqual([
      'Ana started a pottery class in late February 2023.',
      'Ben adopted a puppy named Biscuit.',
      'Ana made a blue vase in her pottery class.',
      'Ben is training for the Lisbon marathon in May 2023.',
      'Ana moved to Porto in 2022.',
    ]);
    // Window 3 before D2:2 (index 6) covers turns 3..5: D1:4, D1:5, D2:1.
    expect(bankBefore(bank, d2_2, 3).map((m) => m.text)).toEqual([
      'Ben is training for the Lisbon marathon in May 2023.',
      'Ana moved to Porto in 2022.',
    ]);
  });
});

describe('buildAnswerRows', () => {
  it('records exactly the messages the Answer Agent sends, with the gold answer as a string', async () => {
    const bank = observationBank(train);
    const { rows, skipped } = await buildAnswerRows(train, bank, { split: 'train' });
    expect(rows).toHaveLength(6);
    expect(skipped).toEqual({ adversarial: 1 });
    const porto = rows.find((r) => r.extra_info.question === 'When did Ana move to Porto?')!;
    expect(porto.reward_model).toEqual({ style: 'rule', ground_truth: '2022' });
    expect(porto.data_source).toBe('locomo/memory-r1-answer');
    expect(porto.extra_info).toMatchObject({
      split: 'train',
      agent: 'answer',
      category: 2,
      manager_state: null,
    });
    const store = await storeOf(finalBank(bank), train.id);
    const agent = new AnswerAgent({
      model: new OpenAICompatibleChatModel({ baseUrl: server.baseUrl, model: 'm' }),
      store,
    });
    const { request } = await agent.buildRequest({
      question: 'When did Ana move to Porto?',
      mode: 'benchmark',
      conversationId: train.id,
      time: Date.UTC(2023, 3, 20, 16, 30),
    });
    expect(porto.prompt).toEqual(request.messages);
    expect(porto.prompt.at(-1)!.content).toContain('Ana moved to Porto in 2022.');
    expect(rows.map((r) => r.extra_info.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('buildManagerRows', () => {
  it('uses the latest evidence turn that has facts, and counts the questions it cannot use', async () => {
    const bank = observationBank(train);
    const { rows, skipped } = await buildManagerRows(train, bank, { split: 'train' });
    expect(skipped).toEqual({ adversarial: 1, 'no-evidence-turn': 1 });
    const turnOf = (q: string) => stateOf(rows.find((r) => r.extra_info.question === q)!).turnId;
    // "D1:2; D2:2" is one malformed entry naming two turns: the later one is used.
    expect(turnOf('What does Ben do with Biscuit, and where?')).toBe('conv-26/D2:2');
    // D9:9 names no turn; D1:4 is used.
    expect(turnOf('Which race is Ben training for?')).toBe('conv-26/D1:4');
    // D2:5 has the fact; D2:4 (a question) has none.
    expect(turnOf('Where does Ana volunteer?')).toBe('conv-26/D2:5');
  });

  it('shows the evidence turn facts and the temporal bank under aliases in the decision prompt', async () => {
    const bank = observationBank(train);
    const { rows } = await buildManagerRows(train, bank, { split: 'train', window: 3 });
    const row = rows.find((r) => r.extra_info.question === 'What does Ben do with Biscuit, and where?')!;
    const state = stateOf(row);
    expect(state.facts).toEqual(['Ben walks Biscuit by the lake every morning.']);
    expect(state.bank.map((m) => m.text)).toEqual([
      'Ben is training for the Lisbon marathon in May 2023.',
      'Ana moved to Porto in 2022.',
    ]);
    expect(state.aliases.every((id) => state.bank.some((m) => m.id === id))).toBe(true);
    const block = JSON.parse(/(\{"facts".*\})$/s.exec(row.prompt.at(-1)!.content)![1]!) as {
      facts: string[];
      memories: { id: string; text: string }[];
    };
    expect(block.facts).toEqual(state.facts);
    expect(block.memories.map((m) => m.id)).toEqual(state.aliases.map((_, i) => String(i)));
    expect(row.prompt[0]!.role).toBe('system');
    expect(row.reward_model.ground_truth).toBe('walks, lake');
    expect(state.question).toBe('What does Ben do with Biscuit, and where?');
  });

  it('builds from a bank the Memory Manager wrote with a model', async () => {
    const model = new OpenAICompatibleChatModel({ baseUrl: server.baseUrl, model: 'test-model' });
    const bank = await modelBank(val, { model });
    expect(bank.failedTurns).toEqual([]);
    expect(bank.facts[0]).toEqual(['Chen: I opened a bakery today!']);
    expect(finalBank(bank).map((m) => m.text)).toContain('Dara: I am writing a novel about sailors.');
    const { rows } = await buildManagerRows(val, bank, { split: 'val', model });
    const state = stateOf(rows.find((r) => r.extra_info.question === "What is Dara's novel about?")!);
    expect(state.facts).toEqual(['Dara: I am writing a novel about sailors.']);
    expect(state.bank.map((m) => m.text)).toEqual(['Chen: I opened a bakery today!']);
    expect(rows.every((r) => r.extra_info.bank_source === 'model')).toBe(true);
  });
});

describe('export', () => {
  it('round-trips rows through Parquet with prompt as a list of {role, content} structs', async () => {
    const { rows: answer } = await buildAnswerRows(train, observationBank(train), { split: 'train' });
    const { rows: manager } = await buildManagerRows(train, observationBank(train), { split: 'train' });
    const files = await writeRows(join(tmp, 'answer-train'), answer);
    expect(await readRows(files.parquet)).toEqual(answer);
    expect(await readRows(files.jsonl)).toEqual(answer);
    const managerFiles = await writeRows(join(tmp, 'manager-train'), manager);
    expect(await readRows(managerFiles.parquet)).toEqual(manager);
    const meta = parquetMetadata(rowsToParquet(answer));
    const names = meta.schema.map((s) => s.name);
    expect(names.slice(0, 7)).toEqual([
      'root',
      'data_source',
      'prompt',
      'list',
      'element',
      'role',
      'content',
    ]);
    expect(meta.schema.find((s) => s.name === 'prompt')?.converted_type).toBe('LIST');
    expect(Number(meta.num_rows)).toBe(answer.length);
  });

  it('rejects a file that is not an RL dataset with the line that is wrong', async () => {
    const bad = join(tmp, 'bad.jsonl');
    await writeRows(join(tmp, 'bad'), []);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(bad, '{"data_source": "x"}\n');
    await expect(readRows(bad)).rejects.toThrow(/line 1 is not an RL dataset row/);
  });
});
