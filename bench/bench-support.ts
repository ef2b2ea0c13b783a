/**
 * What the benchmark runners share: reading their `--name=value` flags (node:util `parseArgs`, as the eval and RL
 * CLIs do), a Vite dev server on this project, a Chromium page that hands figures back as JSON lines, and the
 * top-level error handler.
 */
import { parseArgs } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { createServer, type InlineConfig, type ViteDevServer } from 'vite';

/** The given flags' raw values; an unknown or malformed flag is an error that shows `usage`. */
export function benchFlags<N extends string>(
  argv: string[],
  names: readonly N[],
  usage: string,
): Partial<Record<N, string>> {
  const options = Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
  try {
    return parseArgs({ args: argv, options, strict: true }).values as Partial<Record<N, string>>;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\nUse ${usage}.`, { cause: err });
  }
}

/**
 * A positive integer flag value.
 * @example positiveInt('100', '--queries') // => 100
 */
export function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs positive integers, got "${text}".`);
  return n;
}

/**
 * A comma-separated list of positive integers.
 * @example positiveInts('1000,10000', '--sizes') // => [1000, 10000]
 */
export function positiveInts(text: string, flag: string): number[] {
  return text.split(',').map((s) => positiveInt(s, flag));
}

/** A Vite dev server on this project at 127.0.0.1 on a free port, with its origin. */
export async function startVite(
  config: Omit<InlineConfig, 'server'> & { server?: InlineConfig['server'] } = {},
): Promise<{ server: ViteDevServer; origin: string }> {
  const server = await createServer({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    ...config,
    server: { host: '127.0.0.1', port: 0, ...config.server },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report a TCP port.');
  return { server, origin: `http://127.0.0.1:${address.port}` };
}

/**
 * Opens a bench page whose `window.reportFigure(line)` prints each figure on stdout (page errors and console go to
 * stderr) and waits until it defines the global `entry` it is driven through.
 */
export async function openBenchPage(context: BrowserContext, url: string, entry: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
  page.on('console', (msg) => process.stderr.write(`[page] ${msg.text()}\n`));
  await page.exposeFunction('reportFigure', (line: string) => process.stdout.write(`${line}\n`));
  await page.goto(url);
  await page.waitForFunction((name) => name in window, entry, { timeout: 120_000 });
  return page;
}

/** Runs a runner's `main`, printing a failure's stack on stderr and exiting with status 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
