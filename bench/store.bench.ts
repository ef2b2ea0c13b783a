/**
 * `node --import tsx bench/store.bench.ts`: the Node run of the memory-store benchmarks. Prints one JSON line per
 * figure on stdout: HybridIndex hybrid / dense-only / lexical-only top-60 search at each size vs the naive
 * baseline (number[] per item, cosine, full sort) measured in the same run, with the dense recall@60 against
 * exact search; `VectorTable.topK` vs exact scan with recall@60 on clustered and on random vectors; and `apply`
 * of a 5-op batch on an InMemoryStore holding 10,000 memories. Progress goes to stderr.
 *
 * Options: `--sizes=1000,10000,100000`, `--queries=100`, `--apply-size=10000`.
 */
import { InMemoryStore } from '../src/store/in-memory-store';
import { type Figure, benchApply, benchDense, benchSearch } from './store-bench-lib';

interface Options {
  sizes: number[];
  queries: number;
  applySize: number;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs positive integers, got "${text}".`);
  return n;
}

/** Parses `--name=value` flags, rejecting unknown ones with the list of known ones. */
function parseArgs(argv: string[]): Options {
  const opts: Options = { sizes: [1_000, 10_000, 100_000], queries: 100, applySize: 10_000 };
  for (const arg of argv) {
    const m = /^--(sizes|queries|apply-size)=(.+)$/.exec(arg);
    if (!m)
      throw new Error(`Unknown option ${arg}. Known: --sizes=1000,10000 --queries=100 --apply-size=10000.`);
    if (m[1] === 'sizes') opts.sizes = m[2]!.split(',').map((s) => positiveInt(s, '--sizes'));
    else if (m[1] === 'queries') opts.queries = positiveInt(m[2]!, '--queries');
    else opts.applySize = positiveInt(m[2]!, '--apply-size');
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const print = (figure: Figure) =>
    process.stdout.write(`${JSON.stringify({ runtime: `node ${process.version}`, ...figure })}\n`);
  for (const size of opts.sizes) {
    process.stderr.write(`search at ${size} memories…\n`);
    await benchSearch({ size, queries: opts.queries }, print);
    for (const vectors of ['clustered', 'random'] as const) {
      process.stderr.write(`dense top-k at ${size} ${vectors} vectors…\n`);
      await benchDense({ size, queries: opts.queries, vectors }, print);
    }
  }
  process.stderr.write(`apply at ${opts.applySize} memories…\n`);
  await benchApply(
    { store: 'InMemoryStore', size: opts.applySize, makeStore: async () => new InMemoryStore() },
    print,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
