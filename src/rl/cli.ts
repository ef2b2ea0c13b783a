/**
 * The RL command line: `npm run rl -- <command> [flags]`.
 *
 * - `build-dataset`: Answer Agent and Memory Manager datasets from a LoCoMo file (train = conv-26, val = conv-30),
 *   as verl-ready Parquet and JSONL, with banks from LoCoMo's observations or from the Memory Manager run by a model.
 * - `rollout`: G sampled completions per prompt from an OpenAI-compatible server, scored, with GRPO advantages.
 * - `serve-rewards`: the rewards over HTTP on 127.0.0.1 for verl's reward function (training/verl/reward_fn.py).
 *
 * Flags are parsed with `node:util` `parseArgs` (strict). Long runs show a progress bar on a terminal; Ctrl-C stops
 * cleanly. See docs/training.md.
 */
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChatModel } from '../core/types';
import { chatModel } from '../eval/cli-model';
import { type CliIo, flagReaders, progressBar, runAsMain, runCommands, slug } from '../node/cli-support';
import { UsageError } from '../node/errors';
import { loadLocomo } from '../eval/loaders/locomo';
import { locomoSplit } from '../eval/loaders/locomo-format';
import { appendJsonLines, writeText } from '../node/report';
import { finalBank, modelBank, observationBank, type BankSource, type ConversationBank } from './banks';
import {
  buildAnswerRows,
  buildManagerRows,
  DEFAULT_WINDOW,
  type BuiltRows,
  type RlAgent,
  type RlRow,
} from './dataset';
import { readRows, writeRows } from './export';
import { startRewardServer } from './reward-server';
import { runRollouts } from './rollout';

const USAGE = `Usage: npm run rl -- <command> [flags]

Commands:
  build-dataset  --dataset FILE [--agent answer|manager|both] [--bank model|observations]
                 [--base-url URL --model NAME] [--window 50] [--split train|val|both] [--context-window N]
                 [--out DIR]
  rollout        --agent answer|manager --dataset FILE.jsonl|FILE.parquet --base-url URL --model NAME --group G
                 [--temperature 1.0] [--limit N] [--max-tokens 2048] [--concurrency 4] [--structured]
                 [--answer-base-url URL --answer-model NAME] [--out DIR]
  serve-rewards  [--port 8390] [--answer-base-url URL --answer-model NAME] [--context-window N]
                 [--concurrency 8]

Memory Manager rewards need a frozen Answer Agent: --answer-base-url and --answer-model.
An API key, when a server needs one, is read from the OPENAI_API_KEY environment variable.
See docs/training.md.`;

const OPTIONS = {
  dataset: { type: 'string' },
  agent: { type: 'string' },
  bank: { type: 'string' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  window: { type: 'string' },
  split: { type: 'string' },
  'context-window': { type: 'string' },
  out: { type: 'string' },
  group: { type: 'string' },
  temperature: { type: 'string' },
  limit: { type: 'string' },
  'max-tokens': { type: 'string' },
  concurrency: { type: 'string' },
  structured: { type: 'boolean' },
  'answer-base-url': { type: 'string' },
  'answer-model': { type: 'string' },
  port: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const { required, integer, oneOf } = flagReaders<Flags>(USAGE);

/** The frozen Answer Agent model, when both of its flags are given (one without the other is a mistake). */
function answerModel(flags: Flags, contextWindow?: number): ChatModel | undefined {
  const url = flags['answer-base-url'];
  const name = flags['answer-model'];
  if (url === undefined && name === undefined) return undefined;
  if (!url || !name) throw new UsageError('--answer-base-url and --answer-model go together; pass both.');
  return chatModel(url, name, contextWindow);
}

const SPLITS = [
  { name: 'train', split: 'train' },
  { name: 'val', split: 'val' },
] as const;

async function buildDatasetCommand(flags: Flags, io: CliIo): Promise<number> {
  const dataset = required(flags, 'dataset');
  const agentFlag = oneOf(flags, 'agent', ['answer', 'manager', 'both'] as const) ?? 'both';
  const agents: RlAgent[] = agentFlag === 'both' ? ['answer', 'manager'] : [agentFlag];
  const source = oneOf<BankSource>(flags, 'bank', ['model', 'observations']) ?? 'model';
  const window = integer(flags, 'window', 0) ?? DEFAULT_WINDOW;
  const contextWindow = integer(flags, 'context-window', 256);
  const splitFlag = oneOf(flags, 'split', ['train', 'val', 'both'] as const) ?? 'both';
  const out = resolve(flags.out ?? 'rl-data');
  let model: ChatModel | undefined;
  if (source === 'model') {
    if (!flags['base-url'] || !flags.model) {
      throw new UsageError(
        '--bank model (the default) runs the Memory Manager and needs --base-url and --model; ' +
          'without a model, use --bank observations.',
      );
    }
    model = chatModel(flags['base-url'], flags.model, contextWindow);
  }
  const data = await loadLocomo(dataset);
  for (const w of data.warnings) io.stderr(`warning: ${w}`);
  const summary: Record<string, unknown> = {
    dataset: basename(dataset),
    bank: source,
    model: model?.id ?? null,
    window,
    splits: {},
  };
  const bar = progressBar(io, 'bank');
  try {
    for (const { name, split } of SPLITS) {
      if (splitFlag !== 'both' && splitFlag !== name) continue;
      const conversations = locomoSplit(data.conversations, split);
      if (conversations.length === 0) {
        io.stderr(
          `warning: ${dataset} has no ${name} conversation (${name === 'train' ? 'conv-26' : 'conv-30'}).`,
        );
        continue;
      }
      const banks: ConversationBank[] = [];
      for (const c of conversations) {
        banks.push(
          model
            ? await modelBank(c, { model, signal: io.signal, onProgress: (d, t) => bar.update(d, t) })
            : observationBank(c),
        );
      }
      const splitSummary: Record<string, unknown> = {
        conversations: conversations.map((c, i) => ({
          id: c.id,
          turns: banks[i]!.turns.length,
          memories: finalBank(banks[i]!).length,
          failedTurns: banks[i]!.failedTurns.length,
        })),
      };
      for (const agent of agents) {
        const rows: RlRow[] = [];
        const skipped: BuiltRows['skipped'] = {};
        for (const [i, c] of conversations.entries()) {
          const build = agent === 'answer' ? buildAnswerRows : buildManagerRows;
          const built = await build(c, banks[i]!, {
            split: name,
            startIndex: rows.length,
            window,
            contextWindow,
            model,
            signal: io.signal,
          });
          rows.push(...built.rows);
          for (const [reason, n] of Object.entries(built.skipped)) {
            skipped[reason as keyof typeof skipped] = (skipped[reason as keyof typeof skipped] ?? 0) + n;
          }
        }
        const files = await writeRows(join(out, `${agent}-${name}`), rows);
        splitSummary[agent] = { rows: rows.length, skipped, parquet: files.parquet, jsonl: files.jsonl };
        io.stdout(
          `${agent} ${name}: ${rows.length} rows` +
            (Object.keys(skipped).length > 0
              ? ` (skipped: ${Object.entries(skipped)
                  .map(([r, n]) => `${r} ${n}`)
                  .join(', ')})`
              : '') +
            ` -> ${files.parquet}`,
        );
      }
      (summary.splits as Record<string, unknown>)[name] = splitSummary;
    }
  } finally {
    bar.stop();
  }
  await writeText(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

async function rolloutCommand(flags: Flags, io: CliIo): Promise<number> {
  const agent = oneOf<RlAgent>(flags, 'agent', ['answer', 'manager']);
  if (!agent) throw new UsageError(`--agent is required (answer or manager).\n\n${USAGE}`);
  const dataset = required(flags, 'dataset');
  const baseUrl = required(flags, 'base-url');
  const modelName = required(flags, 'model');
  const group = integer(flags, 'group', 1);
  if (group === undefined)
    throw new UsageError(`--group is required (completions per prompt, e.g. 8).\n\n${USAGE}`);
  const temperature = flags.temperature === undefined ? 1.0 : Number(flags.temperature);
  if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) {
    throw new UsageError(`--temperature must be a number from 0 to 2, got "${flags.temperature}".`);
  }
  const contextWindow = integer(flags, 'context-window', 256);
  const answer = answerModel(flags, contextWindow);
  if (agent === 'manager' && !answer) {
    throw new UsageError(
      'Memory Manager rollouts are scored by a frozen Answer Agent: pass --answer-base-url and --answer-model.',
    );
  }
  let rows = await readRows(dataset);
  const limit = integer(flags, 'limit', 1);
  if (limit !== undefined) rows = rows.slice(0, limit);
  const policy = chatModel(baseUrl, modelName, contextWindow);
  const out = resolve(flags.out ?? join('rl-rollouts', `${agent}-${slug(modelName)}`));
  const bar = progressBar(io, 'rollout');
  let result;
  try {
    result = await runRollouts({
      rows,
      agent,
      policy,
      group,
      temperature,
      maxTokens: integer(flags, 'max-tokens', 1),
      answerModel: answer,
      structured: flags.structured ?? false,
      concurrency: integer(flags, 'concurrency', 1),
      signal: io.signal,
      onProgress: (d, t) => bar.update(d, t),
    });
  } finally {
    bar.stop();
  }
  const file = join(out, 'rollouts.jsonl');
  await rm(file, { force: true });
  await appendJsonLines(file, result.records);
  await writeText(join(out, 'summary.json'), `${JSON.stringify(result.summary, null, 2)}\n`);
  const s = result.summary;
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  io.stdout(
    `${s.agent} rollouts of ${s.model}: ${s.prompts} prompts x ${s.group} = ${s.samples} samples; ` +
      `mean reward ${s.meanReward?.toFixed(3) ?? 'n/a'}, exact match ${pct(s.exactMatchRate)}, ` +
      `malformed ${pct(s.malformedRate)}, ${s.informativeGroups} groups with reward variance.`,
  );
  io.stdout(`Wrote ${file} and ${join(out, 'summary.json')}.`);
  return 0;
}

async function serveRewardsCommand(flags: Flags, io: CliIo): Promise<number> {
  const port = integer(flags, 'port', 0) ?? 8390;
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}.`);
  const contextWindow = integer(flags, 'context-window', 256);
  const server = await startRewardServer({
    port,
    answerModel: answerModel(flags, contextWindow),
    contextWindow,
    concurrency: integer(flags, 'concurrency', 1),
  });
  io.stdout(`Reward server listening on ${server.url}`);
  await new Promise<void>((resolveWait) => {
    if (io.signal?.aborted) resolveWait();
    io.signal?.addEventListener('abort', () => resolveWait(), { once: true });
  });
  await server.close();
  return 0;
}

/** Runs one CLI invocation (`argv` without `node` and the script) and returns the process exit code. */
export function runCli(argv: string[], io: CliIo): Promise<number> {
  return runCommands(argv, io, {
    options: OPTIONS,
    usage: USAGE,
    commands: {
      'build-dataset': buildDatasetCommand,
      rollout: rolloutCommand,
      'serve-rewards': serveRewardsCommand,
    },
  });
}

// The process entry point: Ctrl-C (or SIGTERM) aborts; a second Ctrl-C exits at once.
await runAsMain(import.meta.url, runCli, { signals: ['SIGINT', 'SIGTERM'], reason: 'Interrupted.' });
