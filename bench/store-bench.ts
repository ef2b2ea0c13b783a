/**
 * `npm run bench:store`: measures the IndexedDB memory store and its hybrid search in headless Chromium. Starts a
 * Vite dev server on this project, opens `bench/store-bench.html` in Debian's Chromium (via playwright-core) and
 * prints each figure the page reports as one JSON line on stdout. Progress goes to stderr.
 *
 * Options: `--sizes=1000,10000,100000` (memories per search run), `--queries=100` (timed searches per size).
 */
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import { benchFlags, openBenchPage, positiveInt, positiveInts, runBench, startVite } from './bench-support';
import type { BenchOptions } from './store-bench-page';

/** Reads the command-line flags into bench options. */
function readOptions(argv: string[]): BenchOptions {
  const flags = benchFlags(argv, ['sizes', 'queries'], '--sizes=1000,10000 and/or --queries=100');
  return {
    sizes: flags.sizes === undefined ? [1_000, 10_000, 100_000] : positiveInts(flags.sizes, '--sizes'),
    queries: flags.queries === undefined ? 100 : positiveInt(flags.queries, '--queries'),
  };
}

async function main(): Promise<void> {
  const opts = readOptions(process.argv.slice(2));
  const { server, origin } = await startVite({
    // No file watching or hot reload: an edit elsewhere in the tree must not reload the page mid-measurement.
    server: { hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const page = await openBenchPage(
      await browser.newContext(),
      `${origin}/bench/store-bench.html`,
      'runStoreBench',
    );
    await page.evaluate(
      (o) => (window as unknown as { runStoreBench(o: BenchOptions): Promise<void> }).runStoreBench(o),
      opts,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

runBench(main);
