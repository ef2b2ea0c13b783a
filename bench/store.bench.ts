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
import { benchFlags, positiveInt, positiveInts, runBench } from './bench-support';
import { type Figure, benchApply, benchDense, benchSearch } from './store-bench-lib';

interface Options {
  sizes: number[];
  queries: number;
  applySize: number;
}

/** Reads the command-line flags into options. */
function readOptions(argv: string[]): Options {
  const flags = benchFlags(
    argv,
    ['sizes', 'queries', 'apply-size'],
    '--sizes=1000,10000 --queries=100 --apply-size=10000',
  );
  return {
    sizes: flags.sizes === undefined ? [1_000, 10_000, 100_000] : positiveInts(flags.sizes, '--sizes'),
    queries: flags.queries === undefined ? 100 : positiveInt(flags.queries, '--queries'),
    applySize: flags['apply-size'] === undefined ? 10_000 : positiveInt(flags['apply-size'], '--apply-size'),
  };
}

async function main(): Promise<void> {
  const opts = readOptions(process.argv.slice(2));
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

runBench(main);
