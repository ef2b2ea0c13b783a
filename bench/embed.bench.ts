/**
 * `npm run bench:embed`: embedding throughput of Universal Sentence Encoder lite for a memory backfill, in Node (TF.js
 * WebAssembly backend, model files from the npm package) and in headless Chromium (the same backend in a module
 * worker, model files served by Vite under /use-lite/ as the app serves them). Prints one JSON line per figure on
 * stdout: load time, then memories per second for the backfill and the seconds a 10,000-memory backfill takes at
 * that rate. Progress goes to stderr.
 *
 * Options: `--memories=1000` (memories backfilled per runtime; 10000 measures a full 10k backfill),
 * `--runtimes=node,chromium`.
 */
import { chromium } from 'playwright-core';
import { loadUseLiteFromPackage } from '../src/embed/use-lite-node';
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import { useLite } from '../scripts/vite-use-lite';
import { benchFlags, openBenchPage, positiveInt, runBench, startVite } from './bench-support';
import { benchBackfill, type Figure } from './embed-bench-lib';

const print = (figure: Figure) => void process.stdout.write(`${JSON.stringify(figure)}\n`);

async function node(memories: number): Promise<void> {
  process.stderr.write(`Node: backfilling ${memories} memories...\n`);
  const runtime = `node ${process.versions.node}`;
  const loadStart = performance.now();
  const embedder = await loadUseLiteFromPackage();
  print({ runtime, bench: 'load', embedder: embedder.id, ms: Math.round(performance.now() - loadStart) });
  await benchBackfill(embedder, memories, (figure) => print({ runtime, ...figure }));
  embedder.dispose();
}

async function browser(memories: number): Promise<void> {
  process.stderr.write(`Chromium: backfilling ${memories} memories in a worker...\n`);
  const { server, origin } = await startVite({
    plugins: [useLite()],
    server: { hmr: false, watch: null },
  });
  const instance = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() });
  try {
    const page = await openBenchPage(
      await instance.newContext(),
      `${origin}/bench/embed-bench.html`,
      'runEmbedBench',
    );
    await page.evaluate((o) => window.runEmbedBench(o), { memories });
  } finally {
    await instance.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  const flags = benchFlags(
    process.argv.slice(2),
    ['memories', 'runtimes'],
    '--memories=1000 --runtimes=node,chromium',
  );
  const memories = flags.memories === undefined ? 1000 : positiveInt(flags.memories, '--memories');
  const runtimes = (flags.runtimes ?? 'node,chromium').split(',');
  if (runtimes.includes('node')) await node(memories);
  if (runtimes.includes('chromium')) await browser(memories);
}

runBench(main);
