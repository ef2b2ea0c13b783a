// End-to-end runs of the eval CLI on the hand-written fixtures, against the local OpenAI-compatible test server.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/openai-test-server';
import type { Handler, TestChatRequest } from '../testing/test-server-types';
import { defaultHandler } from '../testing/fake-memory-r1-model';
import { runCaptured } from '../testing/cli-capture';
import { runCli } from './cli';
import { loadLocomo } from './loaders/locomo';
import { type LocomoQuestion } from './loaders/locomo-format';

const fixtures = join(import.meta.dirname, 'fixtures');
const locomoFile = join(fixtures, 'locomo-mini.json');

let server: TestServer;
let tmp: string;
let questions: LocomoQuestion[];

beforeAll(async () => {
  server = await startTestServer();
  tmp = await mkdtemp(join(tmpdir(), 'mr1-eval-cli-'));
  questions = (await loadLocomo(locomoFile)).conversations.flatMap((c) => c.questions);
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

let outCount = 0;
beforeEach(() => {
  server.setHandler(defaultHandler);
});

function freshOut(): string {
  outCount += 1;
  return join(tmp, `out-${outCount}`);
}

/** Runs the CLI, capturing its output. */
const cli = (args: string[], signal?: AbortSignal) => runCaptured(runCli, args, signal);

const lastUser = (req: TestChatRequest) =>
  [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';

/** The fixture question an answer prompt asks, found by its text. */
function askedQuestion(req: TestChatRequest): LocomoQuestion | undefined {
  const prompt = lastUser(req);
  return questions.find((q) => prompt.includes(JSON.stringify(q.question)) || prompt.endsWith(q.question));
}

/** Memory Manager calls get the default stand-in; answers come from `answerFor`; the judge compares with gold. */
function answering(answerFor: (q: LocomoQuestion) => string): Handler {
  return (req, ctx) => {
    if (req.schemaName === 'judge_label') {
      const prompt = lastUser(req);
      const gold = /Gold answer: (.*)\n/.exec(prompt)?.[1];
      const generated = /Generated answer: (.*)\n/.exec(prompt)?.[1];
      const label = gold !== undefined && gold === generated ? 'CORRECT' : 'WRONG';
      return JSON.stringify({ reason: 'compared with the gold answer', label });
    }
    if (req.schemaName !== undefined) return defaultHandler(req, ctx);
    const q = askedQuestion(req);
    return `Memories used: none\n**Answer:** ${q ? answerFor(q) : 'unknown'}`;
  };
}

const goldAnswers = answering((q) => q.answer);
const wrongAnswers = answering(() => 'zebra xylophone');

/** Arguments of a question-answering command on `dataset` with test-model as both model and judge. */
const judgedArgs = (command: string, dataset: string, out: string, ...extra: string[]) => [
  command,
  '--dataset',
  dataset,
  '--base-url',
  server.baseUrl,
  '--model',
  'test-model',
  '--judge-model',
  'test-model',
  '--out',
  out,
  ...extra,
];
const locomoArgs = (out: string, ...extra: string[]) => judgedArgs('locomo', locomoFile, out, ...extra);

/** The per-group metrics in a question-answering run's summary.json that these tests read. */
interface MetricSummary {
  f1: Record<string, number>;
  bleu1: Record<string, number>;
  judge: Record<string, number>;
  f1_locomo: Record<string, number>;
  count: Record<string, number>;
}

async function readMetrics(out: string): Promise<MetricSummary> {
  return (await readJson(join(out, 'summary.json'))) as MetricSummary;
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

/** The log's records, the latest line per question (an answer line is followed by its judged line). */
async function logLines(out: string): Promise<{ id: string; prediction?: string; judge?: string | null }[]> {
  const text = await readFile(join(out, 'questions.jsonl'), 'utf8');
  const latest = new Map<string, { id: string; prediction?: string; judge?: string | null }>();
  for (const line of text.split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { id: string; prediction?: string; judge?: string | null };
    latest.set(record.id, record);
  }
  return [...latest.values()];
}

const answerRequests = () =>
  server.requests.filter((r) => {
    const body = r.body as { response_format?: unknown };
    return r.path.endsWith('/chat/completions') && body.response_format === undefined;
  }).length;

describe('eval retrieval', () => {
  it('writes summary.json in the issue shape with per-category evidence recall', async () => {
    const out = freshOut();
    const { code, stdout } = await cli(['retrieval', '--dataset', locomoFile, '--k', '1,60', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain('| recall@60 | 100.00 |');
    const summary = (await readJson(join(out, 'summary.json'))) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(['dataset', 'memory', 'questions', 'recall']);
    expect(summary).toMatchObject({ dataset: 'locomo-mini.json', memory: 'turns', questions: 9 });
    const recall = summary.recall as Record<string, Record<string, number | null>>;
    expect(Object.keys(recall)).toEqual(['1', '60']);
    expect(Object.keys(recall['60']!)).toEqual([
      'overall',
      'single-hop',
      'multi-hop',
      'temporal',
      'open-domain',
    ]);
    // Every bank is smaller than 60 memories, so every evidence turn is found; no open-domain question has evidence.
    expect(recall['60']).toEqual({
      overall: 1,
      'single-hop': 1,
      'multi-hop': 1,
      temporal: 1,
      'open-domain': null,
    });
    // The multi-hop question has two evidence turns: one hit can find at most half.
    expect(recall['1']!['multi-hop']).toBeLessThanOrEqual(0.5);
  });

  it('builds the bank from observations on request', async () => {
    const out = freshOut();
    const { code } = await cli([
      'retrieval',
      '--dataset',
      locomoFile,
      '--memory',
      'observations',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const summary = (await readJson(join(out, 'summary.json'))) as { memory: string; questions: number };
    // Only conv-26 has observations; the other conversations' questions find nothing.
    expect(summary.memory).toBe('observations');
    expect(summary.questions).toBe(9);
  });
  it('runs hybrid retrieval with a local embedding model folder', async () => {
    const out = freshOut();
    const tiny = join(import.meta.dirname, '..', 'embed', 'fixtures', 'tiny-embedder');
    const { code, stdout } = await cli([
      'retrieval',
      '--dataset',
      locomoFile,
      '--embedder',
      tiny,
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('(all split, turns, hybrid:tiny-embedder#q8)');
    const summary = (await readJson(join(out, 'summary.json'))) as { questions: number };
    expect(summary.questions).toBe(9);
  });

  it('refuses an embedder folder without a model, downloading nothing', async () => {
    const { code, stderr } = await cli([
      'retrieval',
      '--dataset',
      locomoFile,
      '--embedder',
      join(tmp, 'no-model'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is not a model folder: it needs config\.json/);
  });
});

describe('eval locomo', () => {
  it('scores F1 = 1 (and judge 100 %) when the model returns the gold answers', async () => {
    server.setHandler(goldAnswers);
    const out = freshOut();
    const { code, stdout } = await cli(locomoArgs(out));
    expect(code).toBe(0);
    expect(stdout).toContain('10 questions');
    const summary = await readMetrics(out);
    expect(summary.f1.overall).toBe(1);
    expect(summary.bleu1.overall).toBe(1);
    expect(summary.judge.overall).toBe(1);
    expect(summary.count).toEqual({
      overall: 10,
      'single-hop': 6,
      'multi-hop': 1,
      'open-domain': 1,
      temporal: 2,
    });
    // LoCoMo's scorer cuts the open-domain gold at ";", so the full gold answer scores below 1 there only.
    expect(summary.f1_locomo['single-hop']).toBe(1);
    expect(summary.f1_locomo['open-domain']).toBeLessThan(1);
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('| F1 (Memory-R1 / mem0) | 100.00 |');
    const svg = await readFile(join(out, 'summary.svg'), 'utf8');
    expect(svg).toMatch(/^<svg[\s\S]*single-hop[\s\S]*<\/svg>\n$/);
    expect(await logLines(out)).toHaveLength(10);
  });

  it('ingests every turn through the Memory Manager with its session date', async () => {
    server.setHandler(goldAnswers);
    const before = server.requests.length;
    await cli(locomoArgs(freshOut(), '--split', 'val'));
    const extraction = server.requests
      .slice(before)
      .filter(
        (r) =>
          (r.body as { response_format?: { json_schema?: { name?: string } } }).response_format?.json_schema
            ?.name === 'memory_facts',
      );
    expect(extraction).toHaveLength(3);
    expect(JSON.stringify(extraction[0]!.body)).toContain('2023');
  });

  it('scores F1 near 0 and judge 0 when the model answers wrongly', async () => {
    server.setHandler(wrongAnswers);
    const out = freshOut();
    const { code } = await cli(locomoArgs(out));
    expect(code).toBe(0);
    const summary = await readMetrics(out);
    expect(summary.f1.overall).toBeLessThan(0.05);
    expect(summary.judge.overall).toBe(0);
  });

  it('resumes: a rerun answers only the questions the first run did not finish', async () => {
    server.setHandler(goldAnswers);
    const out = freshOut();
    expect((await cli(locomoArgs(out, '--limit', '4'))).code).toBe(0);
    expect(await logLines(out)).toHaveLength(4);
    const before = answerRequests();
    const { code, stdout } = await cli(locomoArgs(out));
    expect(code).toBe(0);
    expect(stdout).toContain('6 answered now');
    expect(answerRequests() - before).toBe(6);
    const lines = await logLines(out);
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => l.judge === 'CORRECT')).toBe(true);
  });

  it('keeps finished questions when aborted, and the rerun completes the rest', async () => {
    const controller = new AbortController();
    // Stop when the third question is asked: answers run one at a time, while judging runs beside them, so a count
    // of verdicts would depend on the machine's load.
    const asked = new Set<string>();
    server.setHandler((req, ctx) => {
      const q = req.schemaName === 'judge_label' ? undefined : askedQuestion(req);
      if (q && !asked.has(q.id) && asked.add(q.id).size === 3) controller.abort();
      return goldAnswers(req, ctx);
    });
    const out = freshOut();
    const first = await cli(locomoArgs(out, '--concurrency', '1'), controller.signal);
    expect(first.code).toBe(130);
    const kept = await logLines(out);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(10);
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toContain('rerun the same command');

    server.setHandler(goldAnswers);
    const second = await cli(locomoArgs(out));
    expect(second.code).toBe(0);
    const lines = await logLines(out);
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => l.judge === 'CORRECT')).toBe(true);
  });

  it('refuses to mix results of another model into an existing directory', async () => {
    server.setHandler(goldAnswers);
    const out = freshOut();
    await cli(locomoArgs(out, '--limit', '1'));
    const { code, stderr } = await cli([
      ...locomoArgs(out, '--limit', '1').slice(0, 5),
      '--model',
      'other',
      '--out',
      out,
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/model: "test-model" now "other"[\s\S]*another --out/);
  });

  it('runs the rag-turns and full-context baselines', async () => {
    server.setHandler(goldAnswers);
    for (const baseline of ['rag-turns', 'full-context']) {
      const out = freshOut();
      const { code } = await cli(locomoArgs(out, '--baseline', baseline));
      expect(code).toBe(0);
      const summary = await readMetrics(out);
      expect(summary.f1.overall).toBe(1);
    }
  });

  it('includes adversarial questions on request, scored by whether the answer declines', async () => {
    server.setHandler(answering((q) => (q.category === 5 ? 'Not mentioned in the conversation' : q.answer)));
    const out = freshOut();
    expect((await cli(locomoArgs(out, '--include-adversarial', '--split', 'train'))).code).toBe(0);
    const summary = await readMetrics(out);
    expect(summary.count.adversarial).toBe(1);
    expect(summary.f1.adversarial).toBe(1);
  });

  it('says which split is empty instead of running nothing', async () => {
    const onlyTrain = join(tmp, 'only-train.json');
    const all = (await readJson(locomoFile)) as { sample_id: string }[];
    await writeFile(onlyTrain, JSON.stringify(all.filter((c) => c.sample_id === 'conv-26')));
    const args = locomoArgs(freshOut(), '--split', 'test').map((a) => (a === locomoFile ? onlyTrain : a));
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/no conversations in the test split \(it holds conv-26\)/);
  });

  it('keeps the answer when the judge fails, and the rerun only asks the judge again', async () => {
    let judgeReplies = 0;
    server.setHandler((req, ctx) => {
      if (req.schemaName === 'judge_label' && judgeReplies++ < 2) return 'I cannot decide.';
      return goldAnswers(req, ctx);
    });
    const out = freshOut();
    const first = await cli(locomoArgs(out, '--split', 'val', '--concurrency', '1'));
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/gave no CORRECT\/WRONG verdict twice/);
    server.setHandler(goldAnswers);
    const before = answerRequests();
    const second = await cli(locomoArgs(out, '--split', 'val'));
    expect(second.code).toBe(0);
    expect(answerRequests()).toBe(before);
    const summary = await readMetrics(out);
    expect(summary.judge.overall).toBe(1);
  });

  it('records a failing question and exits 1, and the rerun retries it', async () => {
    let failOnce = true;
    server.setHandler((req, ctx) => {
      if (req.schemaName === undefined && failOnce) {
        failOnce = false;
        return { kind: 'error', status: 400, message: 'bad request' };
      }
      return goldAnswers(req, ctx);
    });
    const out = freshOut();
    const first = await cli(locomoArgs(out, '--split', 'val', '--concurrency', '1'));
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/failed conv-30\/q0/);
    const second = await cli(locomoArgs(out, '--split', 'val'));
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('1 answered now');
  });
});

describe('eval longmemeval and msc', () => {
  /** Answers with the gold of the fixture item whose question is asked; the judge says yes when it matches. */
  const handler =
    (gold: Record<string, string>): Handler =>
    (req, ctx) => {
      const prompt = lastUser(req);
      if (req.schemaName === 'judge_label') {
        const ok = Object.values(gold).some(
          (g) => prompt.includes(`Response: ${g}\n`) || prompt.includes(`Generated answer: ${g}\n`),
        );
        return JSON.stringify({ reason: 'checked', label: ok ? 'CORRECT' : 'WRONG' });
      }
      if (req.schemaName !== undefined) return defaultHandler(req, ctx);
      const question = Object.keys(gold).find((q) => prompt.includes(JSON.stringify(q)));
      return `Memories used: none\n**Answer:** ${question ? gold[question] : 'unknown'}`;
    };

  it('runs LongMemEval on the fixture, grouped by question type with abstention apart', async () => {
    server.setHandler(
      handler({
        'What breed is my dog?': 'a beagle',
        'How many days before my pasta question did I adopt the dog?': '5',
        'What breed is my cat?': 'The user never mentioned a cat; only a beagle called Pepper.',
      }),
    );
    const out = freshOut();
    const { code } = await cli(judgedArgs('longmemeval', join(fixtures, 'longmemeval-mini.json'), out));
    expect(code).toBe(0);
    const summary = await readMetrics(out);
    expect(summary.count).toEqual({
      overall: 3,
      'single-session-user': 1,
      'temporal-reasoning': 1,
      abstention: 1,
    });
    expect(summary.f1.overall).toBe(1);
    expect(summary.judge.overall).toBe(1);
  });

  it('runs MSC-Self-Instruct on the fixture', async () => {
    server.setHandler(
      handler({
        'Which instrument do you play again?': 'the cello',
        'Where are you saving up to travel?': 'Iceland',
      }),
    );
    const out = freshOut();
    const { code, stdout } = await cli([
      'msc',
      '--dataset',
      join(fixtures, 'msc-mini.jsonl'),
      '--base-url',
      server.baseUrl,
      '--model',
      'test-model',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('2 questions, F1 100.00');
  });
});

describe('eval command line', () => {
  it('prints the usage for --help and exits 2 without a command', async () => {
    expect((await cli(['--help'])).stdout).toContain('Usage: npm run eval --');
    expect((await cli([])).code).toBe(2);
  });

  it('names the problem with a flag', async () => {
    const unknown = await cli(['locomo', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/bogus/);
    const missing = await cli(['locomo', '--dataset', locomoFile]);
    expect(missing.stderr).toMatch(/--base-url is required/);
    const badK = await cli(['retrieval', '--dataset', locomoFile, '--k', '10,x']);
    expect(badK.stderr).toMatch(/--k must be a comma-separated list of positive integers/);
    const badCommand = await cli(['evaluate']);
    expect(badCommand.stderr).toMatch(/Unknown command "evaluate"/);
  });

  it('reports a missing dataset file with the path', async () => {
    const { code, stderr } = await cli(['retrieval', '--dataset', join(tmp, 'nope.json')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/nope\.json does not exist/);
  });
});
