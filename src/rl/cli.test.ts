// The rl command line on the hand-written LoCoMo fixture: build-dataset with both bank sources, usage errors, and
// serve-rewards until its signal aborts.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/openai-test-server';
import { runCaptured } from '../testing/cli-capture';
import { runCli } from './cli';
import { readRows } from './export';

const fixture = join(import.meta.dirname, 'fixtures', 'locomo-rl-mini.json');
let server: TestServer;
let tmp: string;

beforeAll(async () => {
  server = await startTestServer();
  tmp = await mkdtemp(join(tmpdir(), 'mr1-rl-cli-'));
});
afterAll(async () => {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
});

const run = (argv: string[], signal?: AbortSignal) => runCaptured(runCli, argv, signal);

describe('rl build-dataset', () => {
  it('exports train (conv-26) and val (conv-30) rows of both agents from observation banks', async () => {
    const out = join(tmp, 'obs');
    const r = await run(['build-dataset', '--dataset', fixture, '--bank', 'observations', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('answer train: 6 rows (skipped: adversarial 1)');
    expect(r.stdout).toContain('manager train: 5 rows');
    expect(r.stdout).toContain('answer val: 2 rows');
    expect(r.stderr).toContain('1 session dates have no session');
    const train = await readRows(join(out, 'answer-train.parquet'));
    expect(new Set(train.map((row) => row.extra_info.conversation_id))).toEqual(new Set(['conv-26']));
    const val = await readRows(join(out, 'manager-val.jsonl'));
    expect(
      val.every((row) => row.extra_info.split === 'val' && row.extra_info.conversation_id === 'conv-30'),
    ).toBe(true);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      splits: { train: { manager: { skipped: Record<string, number> } } };
    };
    expect(summary.splits.train.manager.skipped).toEqual({ adversarial: 1, 'no-evidence-turn': 1 });
  });

  it('builds banks with the Memory Manager when given a model', async () => {
    const out = join(tmp, 'model');
    const r = await run([
      'build-dataset',
      '--dataset',
      fixture,
      '--agent',
      'manager',
      '--split',
      'val',
      '--base-url',
      server.baseUrl,
      '--model',
      'test-model',
      '--window',
      '10',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const rows = await readRows(join(out, 'manager-val.parquet'));
    expect(rows.map((row) => row.extra_info.bank_source)).toEqual(['model', 'model']);
  });

  it('asks for a model or --bank observations', async () => {
    const r = await run(['build-dataset', '--dataset', fixture]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--base-url and --model; without a model, use --bank observations/);
  });

  it('rejects a bad window with the flag named', async () => {
    const r = await run(['build-dataset', '--dataset', fixture, '--bank', 'observations', '--window', 'ten']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--window must be an integer >= 0, got "ten"');
  });
});

describe('rl serve-rewards', () => {
  it('serves on loopback until its signal aborts', async () => {
    const controller = new AbortController();
    const stdout: string[] = [];
    const done = runCli(['serve-rewards', '--port', '0'], {
      stdout: (t) => stdout.push(t),
      stderr: () => undefined,
      signal: controller.signal,
    });
    await expect.poll(() => stdout.length).toBe(1);
    const url = /listening on (\S+)/.exec(stdout[0]!)![1]!;
    const res = await fetch(`${url}/reward`, {
      method: 'POST',
      body: JSON.stringify({ agent: 'answer', completion: '**Answer:** x', ground_truth: 'X' }),
    });
    expect(await res.json()).toMatchObject({ score: 1 });
    controller.abort();
    expect(await done).toBe(0);
  });
});
