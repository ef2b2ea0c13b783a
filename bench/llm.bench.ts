/**
 * `npm run bench:llm`: on-device LLM speed where a real GPU is present — prefill and decode tokens/s, time to first
 * token, and the overhead of `WebLlmChatModel` over calling the WebLLM engine directly (target ≤ 3 %). Starts a Vite
 * dev server on this project, opens `bench/llm-bench.html` in Debian's Chromium with WebGPU enabled, and prints each
 * figure the page reports as one JSON line. Without a real (non-software) adapter it prints a skip line and exits 0.
 * The model is downloaded from Hugging Face on the first run and kept in a persistent profile
 * (`node_modules/.cache/llm-bench-profile`).
 *
 * Options: `--runs=5`, `--prompt-words=400`, `--max-tokens=128`, `--model=<catalog id>`.
 */
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import type { LlmBenchOptions } from './llm-bench-page';

/** Parses `--name=value` flags into bench options, rejecting unknown flags. */
function parseArgs(argv: string[]): LlmBenchOptions {
  const opts: LlmBenchOptions = { runs: 5, promptWords: 400, maxTokens: 128 };
  for (const arg of argv) {
    const m = /^--(runs|prompt-words|max-tokens|model)=(.+)$/.exec(arg);
    if (!m?.[2])
      throw new Error(
        `Unknown option ${arg}. Use --runs=5, --prompt-words=400, --max-tokens=128, --model=<id>.`,
      );
    if (m[1] === 'model') {
      opts.model = m[2];
      continue;
    }
    const n = Number(m[2]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${m[1]} needs a positive integer, got "${m[2]}".`);
    if (m[1] === 'runs') opts.runs = n;
    else if (m[1] === 'prompt-words') opts.promptWords = n;
    else opts.maxTokens = n;
  }
  return opts;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const server = await createServer({
    configFile: false,
    root: process.cwd(),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0 },
    worker: { format: 'es' },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('Vite did not report a TCP port.');
  // No SwiftShader here: the bench is about the real GPU, so only WebGPU itself is switched on.
  const args = [
    ...chromiumArgs(),
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--ignore-gpu-blocklist',
  ];
  const context = await chromium.launchPersistentContext('node_modules/.cache/llm-bench-profile', {
    executablePath: chromiumPath(),
    args,
  });
  try {
    const page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
    page.on('console', (msg) => process.stderr.write(`[page] ${msg.text()}\n`));
    await page.exposeFunction('reportFigure', (line: string) => process.stdout.write(`${line}\n`));
    await page.goto(`http://127.0.0.1:${address.port}/bench/llm-bench.html`);
    await page.waitForFunction(() => 'runLlmBench' in window, undefined, { timeout: 120_000 });
    await page.evaluate((o) => window.runLlmBench(o), opts);
  } finally {
    await context.close();
    await server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
