/**
 * `npm run bench:llm -- --cpu`: the CPU engine's speed, printed as JSON lines (never asserted).
 * 1. Generates (once) a random-weight GGUF with Qwen2.5-0.5B's shapes, Q4_0, with the script of the test fixture
 *    (`scripts/make-gguf.ts`, merges trained so the benchmark prompts cost about as many tokens as with Qwen's
 *    vocabulary), into node_modules/.cache/llm-cpu-bench/.
 * 2. Native llama.cpp (node-llama-cpp, its prebuilt CPU binary): prefill and decode tokens/s with 1 and 2 threads.
 * 3. The WASM engine in headless Chromium on a cross-origin isolated page (COOP/COEP from the Vite dev server),
 *    through our engine worker: the same figures with 1 and 2 threads and the WASM/native ratio (target ≥ 0.5
 *    with threads); on the committed fixture the time to a first token (cold: empty cache, new worker; warm:
 *    cached; loaded: a new request to a loaded model); and on the 0.5B-shaped model the seconds one memory pass
 *    (extract + decide, this project's prompts) and one answer take, output capped as `llm-cpu-workload.ts` says.
 * Prefill = prompt tokens / time to first token, decode = (tokens − 1) / time after it, both per wall-clock
 * second and per CPU second (native: this process; WASM: the Chromium renderer's threads, read from /proc). The
 * ratios use CPU time, which stays meaningful when the machine is shared.
 *
 * Options: `--runs=2`, `--words=300` (throughput prompt), `--max-tokens=64`, `--threads=1,2`, `--model=FILE`
 * (an existing GGUF instead of the generated one).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { getLlama, LlamaCompletion } from 'node-llama-cpp';
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import { writeModel } from '../scripts/make-gguf';
import { benchFlags, openBenchPage, positiveInt, positiveInts, startVite } from './bench-support';
import {
  renderChatML,
  throughputFigures,
  throughputMessages,
  workloadCorpus,
  type ThroughputSample,
} from './llm-cpu-workload';
import type { CpuBenchOptions, NativeFigure } from './llm-cpu-bench-page';

const CACHE_DIR = 'node_modules/.cache/llm-cpu-bench';
const PROFILE_DIR = 'node_modules/.cache/llm-cpu-bench-profile';

/** Reads the `--cpu` run's flags. */
function readOptions(argv: string[]) {
  const flags = benchFlags(
    argv,
    ['runs', 'words', 'max-tokens', 'threads', 'quant', 'model'],
    '--cpu [--runs=2] [--words=300] [--max-tokens=64] [--threads=1,2] [--quant=q4_0|q8_0] [--model=FILE]',
  );
  const quant = flags.quant ?? 'q4_0';
  if (quant !== 'q4_0' && quant !== 'q8_0') throw new Error(`--quant needs q4_0 or q8_0, got "${quant}".`);
  return {
    runs: flags.runs === undefined ? 2 : positiveInt(flags.runs, '--runs'),
    words: flags.words === undefined ? 300 : positiveInt(flags.words, '--words'),
    maxTokens: flags['max-tokens'] === undefined ? 64 : positiveInt(flags['max-tokens'], '--max-tokens'),
    threads: flags.threads === undefined ? [1, 2] : positiveInts(flags.threads, '--threads'),
    quant,
    ...(flags.model !== undefined && { model: flags.model }),
  };
}

/** A short hash of text (FNV-1a, 32 bits), naming the generated model after the workload it was trained for. */
function fnv(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The generated 0.5B-shaped model in `quant`, written on its first run (280 MB in Q4_0, 10–30 s). */
function benchModel(quant: string): string {
  const corpus = workloadCorpus();
  const file = join(CACHE_DIR, `qwen2.5-0.5b-shape-${quant}-${fnv(corpus)}.gguf`);
  if (!existsSync(file)) {
    mkdirSync(CACHE_DIR, { recursive: true });
    process.stderr.write(`Generating ${file}…\n`);
    writeModel(file, 'qwen2.5-0.5b', { quant, extraCorpus: corpus });
  }
  return file;
}

/** CPU seconds this process has used (every thread: llama.cpp's too). */
function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Native llama.cpp's prefill and decode speeds on `file`, per thread count. */
async function nativeFigures(file: string, opts: ReturnType<typeof readOptions>): Promise<NativeFigure[]> {
  const llama = await getLlama({ gpu: false, build: 'never' });
  const model = await llama.loadModel({ modelPath: file });
  const figures: NativeFigure[] = [];
  try {
    for (const threads of opts.threads) {
      const context = await model.createContext({ contextSize: 4096, threads, batchSize: 512 });
      const sequence = context.getSequence();
      const completion = new LlamaCompletion({ contextSequence: sequence });
      const samples: ThroughputSample[] = [];
      for (let run = 0; run <= opts.runs; run++) {
        // The run number first, so no run reuses an earlier one's KV cache; run 0 warms up and is not counted.
        const prompt = renderChatML(throughputMessages(opts.words)).replace(
          'Summarize',
          `(${run}) Summarize`,
        );
        const start = { wall: performance.now(), cpu: processCpuSeconds() };
        let first: typeof start | undefined;
        let tokens = 0;
        await completion.generateCompletion(prompt, {
          maxTokens: opts.maxTokens,
          temperature: 0,
          onToken: () => {
            first ??= { wall: performance.now(), cpu: processCpuSeconds() };
            tokens++;
          },
        });
        const end = { wall: performance.now(), cpu: processCpuSeconds() };
        await sequence.clearHistory();
        if (run === 0 || !first) continue;
        samples.push({
          promptTokens: model.tokenize(prompt, true).length,
          tokens,
          wall: { prefill: (first.wall - start.wall) / 1000, decode: (end.wall - first.wall) / 1000 },
          cpu: { prefill: first.cpu - start.cpu, decode: end.cpu - first.cpu },
        });
      }
      const figure: NativeFigure = { engine: 'native', threads, ...throughputFigures(samples) };
      process.stdout.write(`${JSON.stringify(figure)}\n`);
      figures.push(figure);
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
  return figures;
}

/**
 * CPU seconds used so far by the Chromium renderers of the benchmark profile (every thread: the page, our engine
 * worker, wllama's worker and its pthreads), from /proc; null where /proc is not there.
 */
function rendererCpuSeconds(): number | null {
  if (!existsSync('/proc/self/stat')) return null;
  const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const processes = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return { pid, ppid: fields[1] ?? '', ticks: Number(fields[11]) + Number(fields[12]), cmdline };
      } catch {
        return undefined;
      }
    })
    .filter((p) => p !== undefined);
  // The browser process has the profile directory on its command line; renderers descend from it.
  const ours = new Set(processes.filter((p) => p.cmdline.includes(PROFILE_DIR)).map((p) => p.pid));
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) {
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        grew = true;
      }
    }
  }
  const ticks = processes
    .filter((p) => ours.has(p.pid) && p.cmdline.includes('--type=renderer'))
    .reduce((sum, p) => sum + p.ticks, 0);
  return ticks / ticksPerSecond;
}

/** Runs the CPU benchmark (see the module header); `argv` are the flags after `--cpu`. */
export async function runCpuBench(argv: string[]): Promise<void> {
  const opts = readOptions(argv);
  const file = opts.model ?? benchModel(opts.quant);
  process.stdout.write(
    `${JSON.stringify({ model: file, bytes: statSync(file).size, load_average: (await import('node:os')).loadavg() })}\n`,
  );
  const native = await nativeFigures(file, opts);
  const { server, origin } = await startVite({
    server: {
      // No file watching: an edit in the worktree would reload the page and end an hour-long run.
      watch: null,
      hmr: false,
      headers: {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      },
      fs: { allow: [process.cwd(), ...(opts.model ? [opts.model] : [])] },
    },
    worker: { format: 'es' },
  });
  const context = await chromium.launchPersistentContext(PROFILE_DIR, {
    executablePath: chromiumPath(),
    args: chromiumArgs(),
  });
  await context.exposeFunction('cpuSeconds', rendererCpuSeconds);
  try {
    const page = await openBenchPage(context, `${origin}/bench/llm-cpu-bench.html`, 'runCpuBench');
    const modelPath = opts.model ? `/@fs${opts.model}` : `/${file}`;
    const benchOptions: CpuBenchOptions = {
      // The file's time in the URL: a regenerated model is a new cache entry, never mixed with an old one.
      modelUrl: `${origin}${modelPath}?v=${Math.round(statSync(file).mtimeMs)}`,
      fixtureUrl: `${origin}/src/llm/fixtures/tiny-qwen2.gguf`,
      runs: opts.runs,
      words: opts.words,
      maxTokens: opts.maxTokens,
      threads: opts.threads,
      native,
    };
    await page.evaluate((o) => window.runCpuBench(o), benchOptions);
  } finally {
    await context.close();
    await server.close();
  }
}
