/**
 * `npm run bench:store`: measures the IndexedDB memory store and its hybrid search in headless Chromium. Starts a
 * Vite dev server on this project, opens `bench/store-bench.html` in Debian's Chromium (via playwright-core) and
 * prints each figure the page reports as one JSON line on stdout. Progress goes to stderr.
 *
 * Options: `--sizes=1000,10000,100000` (memories per search run), `--queries=100` (timed searches per size).
 */
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import type { BenchOptions } from './store-bench-page';

/** Parses `--name=value` command-line flags into bench options, rejecting unknown flags. */
function parseArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = { sizes: [1_000, 10_000, 100_000], queries: 100 };
  for (const arg of argv) {
    const m = /^--(sizes|queries)=(.+)$/.exec(arg);
    if (!m) throw new Error(`Unknown option ${arg}. Use --sizes=1000,10000 and/or --queries=100.`);
    if (m[1] === 'sizes') opts.sizes = m[2]!.split(',').map((s) => positiveInt(s, '--sizes'));
    else opts.queries = positiveInt(m[2]!, '--queries');
  }
  return opts;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs positive integers, got "${text}".`);
  return n;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const server = await createServer({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    // No file watching or hot reload: an edit elsewhere in the tree must not reload the page mid-measurement.
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report a TCP port.');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
    page.on('console', (msg) => process.stderr.write(`[page] ${msg.text()}\n`));
    await page.exposeFunction('reportFigure', (line: string) => process.stdout.write(`${line}\n`));
    await page.goto(`http://127.0.0.1:${address.port}/bench/store-bench.html`);
    await page.waitForFunction(() => 'runStoreBench' in window, undefined, { timeout: 120_000 });
    await page.evaluate(
      (o) => (window as unknown as { runStoreBench(o: BenchOptions): Promise<void> }).runStoreBench(o),
      opts,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
