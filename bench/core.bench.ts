/**
 * `npm run bench`: the non-LLM overhead of the Memory-R1 agents in Node. A zero-latency scripted model stands in
 * for the LLM, so what is measured is everything else a turn costs: prompt assembly and token packing, retrieval
 * (hybrid search per fact), parsing and validating the model's JSON, and applying the batch to the in-memory store;
 * and per question, candidate retrieval (60, per-speaker quota), packing and reply parsing.
 *
 * Each figure is one JSON line on stdout. The baseline, measured in the same run, is the model-call plumbing alone
 * (two structured calls with repair-ready validation on tiny prompts, no store); `ratio_to_baseline` says how many
 * times that the full per-turn overhead costs. Options: `--sizes=1000,10000`, `--turns=200`, `--questions=100`.
 */
import { AnswerAgent } from '../src/core/answer-agent';
import { MemoryManager } from '../src/core/memory-manager';
import type { TurnStage } from '../src/core/memory-manager-types';
import { MEMORY_FACTS, MEMORY_OPERATIONS } from '../src/core/schemas';
import { completeStructured } from '../src/core/structured-output';
import type { ChatRequest, StoreOp } from '../src/core/types';
import { InMemoryStore } from '../src/store/in-memory-store';
import { ScriptedChatModel } from '../src/testing/scripted-chat-model';
import { benchFlags, positiveInt, positiveInts } from './bench-support';

interface Options {
  sizes: number[];
  turns: number;
  questions: number;
}

/** Reads the command-line flags into options. */
function readOptions(argv: string[]): Options {
  const flags = benchFlags(
    argv,
    ['sizes', 'turns', 'questions'],
    '--sizes=1000,10000, --turns=200, --questions=100',
  );
  return {
    sizes: flags.sizes === undefined ? [1_000, 10_000] : positiveInts(flags.sizes, '--sizes'),
    turns: flags.turns === undefined ? 200 : positiveInt(flags.turns, '--turns'),
    questions: flags.questions === undefined ? 100 : positiveInt(flags.questions, '--questions'),
  };
}

const NAMES = ['Caroline', 'Melanie', 'Jon', 'Gina', 'Tim', 'John', 'Maria', 'Joanna', 'Nate', 'Audrey'];
const ACTIVITIES = [
  'went hiking at',
  'adopted a dog from',
  'started painting classes in',
  'gave a talk at',
  'visited a museum in',
  'joined a support group in',
  'ran a half marathon in',
  'bought a guitar in',
  'cooked dinner for friends in',
  'volunteered at a shelter in',
];
const PLACES = [
  'Boston',
  'Paris',
  'Tokyo',
  'Denver',
  'Lisbon',
  'Oslo',
  'Austin',
  'Berlin',
  'Nairobi',
  'Lima',
];
const MONTHS = ['January', 'March', 'May', 'July', 'September', 'November'];

/** A plausible memory text; `i` picks the combination deterministically. */
function memoryText(i: number): string {
  const name = NAMES[i % NAMES.length]!;
  const act = ACTIVITIES[Math.floor(i / 10) % ACTIVITIES.length]!;
  const place = PLACES[Math.floor(i / 100) % PLACES.length]!;
  const month = MONTHS[i % MONTHS.length]!;
  return `${name} ${act} ${place} on ${1 + (i % 28)} ${month} ${2019 + (i % 5)} (note ${i})`;
}

async function seededStore(size: number): Promise<InMemoryStore> {
  const store = new InMemoryStore();
  for (let start = 0; start < size; start += 500) {
    const ops: StoreOp[] = [];
    for (let i = start; i < Math.min(size, start + 500); i++) {
      ops.push({
        op: 'ADD',
        text: memoryText(i),
        speaker: i % 2 ? 'Melanie' : 'Caroline',
        conversationId: 'c1',
      });
    }
    await store.apply({ turnId: `seed-${start}`, ops });
  }
  return store;
}

/** The zero-latency model: three facts per turn, then ADD + UPDATE "0" + NOOP "1". */
function scriptedResponder(req: ChatRequest, turn: () => number): string {
  const n = turn();
  if (req.schema?.name === 'memory_facts') {
    return JSON.stringify({
      facts: [memoryText(n * 7), memoryText(n * 7 + 3), `Caroline likes tea number ${n}`],
    });
  }
  if (req.schema?.name === 'memory_operations') {
    return JSON.stringify({
      operations: [
        { op: 'ADD', id: null, text: `Caroline likes tea number ${n}` },
        { op: 'UPDATE', id: '0', text: `${memoryText(n * 7)} and loved it` },
        { op: 'NOOP', id: '1', text: null },
      ],
    });
  }
  return `Memories used:\n- [0] ${memoryText(n)}\n- [3] something\n**Answer:** ${PLACES[n % PLACES.length]}`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(samples: number[]): { median_ms: number; p95_ms: number; mean_ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    median_ms: round(quantile(sorted, 0.5)),
    p95_ms: round(quantile(sorted, 0.95)),
    mean_ms: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  };
}

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Two structured calls on tiny prompts: what any turn costs with no prompt building, retrieval or store. */
async function baseline(turns: number): Promise<number[]> {
  let n = 0;
  const model = new ScriptedChatModel({ respond: (req) => scriptedResponder(req, () => n) });
  const messages = [{ role: 'user' as const, content: 'x' }];
  const samples: number[] = [];
  for (let i = 0; i < turns + 20; i++) {
    n = i;
    const t0 = performance.now();
    await completeStructured(model, messages, MEMORY_FACTS);
    await completeStructured(model, messages, MEMORY_OPERATIONS);
    if (i >= 20) samples.push(performance.now() - t0);
  }
  return samples;
}

async function benchTurns(size: number, turns: number, baselineMedian: number): Promise<void> {
  const store = await seededStore(size);
  let n = 0;
  const model = new ScriptedChatModel({ respond: (req) => scriptedResponder(req, () => n) });
  const manager = new MemoryManager({ model, store, scope: 'conversation' });
  const total: number[] = [];
  const stages: Record<TurnStage, number[]> = { extract: [], retrieve: [], decide: [], apply: [] };
  const warmup = 10;
  for (let i = 0; i < turns + warmup; i++) {
    n = i;
    const marks: [TurnStage, number][] = [];
    const t0 = performance.now();
    const result = await manager.processTurn(
      {
        conversationId: 'c1',
        turnId: `bench-${size}-${i}`,
        speaker: 'Caroline',
        text: memoryText(i),
        time: 0,
      },
      { onStage: (stage) => marks.push([stage, performance.now()]) },
    );
    const end = performance.now();
    if (result.status !== 'applied') throw new Error(`Turn ${i} ${result.status}: ${result.error?.message}`);
    if (i < warmup) continue;
    total.push(end - t0);
    marks.forEach(([stage, at], k) => stages[stage].push((marks[k + 1]?.[1] ?? end) - at));
  }
  const s = summary(total);
  emit({
    bench: 'memory-manager.turn',
    memories: size,
    turns,
    ...s,
    stages_median_ms: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, summary(v).median_ms])),
    baseline_median_ms: Math.round(baselineMedian * 1000) / 1000,
    ratio_to_baseline: Math.round((s.median_ms / baselineMedian) * 10) / 10,
  });
}

async function benchQuestions(size: number, questions: number, baselineMedian: number): Promise<void> {
  const store = await seededStore(size);
  let n = 0;
  const model = new ScriptedChatModel({ respond: (req) => scriptedResponder(req, () => n) });
  const agent = new AnswerAgent({ model, store });
  const samples: number[] = [];
  let candidates = 0;
  let shown = 0;
  for (let i = 0; i < questions + 10; i++) {
    n = i;
    const t0 = performance.now();
    const result = await agent.answer({
      question: `Where did ${NAMES[i % NAMES.length]} go in ${MONTHS[i % MONTHS.length]}?`,
      mode: 'benchmark',
    });
    if (i < 10) continue;
    samples.push(performance.now() - t0);
    candidates += result.candidates.length;
    shown += result.shownCount;
  }
  const s = summary(samples);
  emit({
    bench: 'answer-agent.question',
    memories: size,
    questions,
    ...s,
    mean_candidates: candidates / questions,
    mean_shown_in_4096_context: shown / questions,
    ratio_to_baseline: Math.round((s.median_ms / baselineMedian) * 10) / 10,
  });
}

async function main(): Promise<void> {
  const opts = readOptions(process.argv.slice(2));
  const base = summary(await baseline(opts.turns));
  emit({ bench: 'baseline.model-plumbing', turns: opts.turns, ...base });
  for (const size of opts.sizes) {
    process.stderr.write(`memories: ${size}\n`);
    await benchTurns(size, opts.turns, base.median_ms);
    await benchQuestions(size, opts.questions, base.median_ms);
  }
}

await main();
