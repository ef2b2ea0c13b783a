/**
 * `npm run bench:llm`: on-device LLM speed where a real GPU is present — prefill and decode tokens/s, time to first
 * token, and the overhead of `WebLlmChatModel` over calling the WebLLM engine directly (target ≤ 3 %). Starts a Vite
 * dev server on this project, opens `bench/llm-bench.html` in Debian's Chromium with WebGPU enabled, and prints each
 * figure the page reports as one JSON line. Without a real (non-software) adapter it prints a skip line and exits 0.
 * The model is downloaded from Hugging Face on the first run and kept in a persistent profile
 * (`node_modules/.cache/llm-bench-profile`).
 *
 * Options: `--runs=5`, `--prompt-words=400`, `--max-tokens=128`, `--model=<catalog id>`.
 * With `--cpu` it benchmarks the CPU engine (llama.cpp in WebAssembly) instead: see `llm-cpu-bench.ts`.
 */
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import { benchFlags, openBenchPage, positiveInt, runBench, startVite } from './bench-support';
import type { LlmBenchOptions } from './llm-bench-page';

/** Reads the command-line flags into bench options. */
function readOptions(argv: string[]): LlmBenchOptions {
  const flags = benchFlags(
    argv,
    ['runs', 'prompt-words', 'max-tokens', 'model'],
    '--runs=5, --prompt-words=400, --max-tokens=128, --model=<id>',
  );
  return {
    runs: flags.runs === undefined ? 5 : positiveInt(flags.runs, '--runs'),
    promptWords:
      flags['prompt-words'] === undefined ? 400 : positiveInt(flags['prompt-words'], '--prompt-words'),
    maxTokens: flags['max-tokens'] === undefined ? 128 : positiveInt(flags['max-tokens'], '--max-tokens'),
    ...(flags.model !== undefined && { model: nonEmpty(flags.model, '--model') }),
  };
}

function nonEmpty(text: string, flag: string): string {
  if (text === '') throw new Error(`${flag} needs a value, e.g. ${flag}=Qwen2.5-3B-Instruct-q4f16_1-MLC.`);
  return text;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--cpu')) {
    const { runCpuBench } = await import('./llm-cpu-bench');
    return runCpuBench(argv.filter((a) => a !== '--cpu'));
  }
  const opts = readOptions(argv);
  const { server, origin } = await startVite({ worker: { format: 'es' } });
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
    const page = await openBenchPage(context, `${origin}/bench/llm-bench.html`, 'runLlmBench');
    await page.evaluate((o) => window.runLlmBench(o), opts);
  } finally {
    await context.close();
    await server.close();
  }
}

runBench(main);
