/**
 * The page side of `npm run bench:llm -- --cpu` (see `llm-cpu-bench.ts`): drives the CPU engine worker on a
 * cross-origin isolated page and reports each figure as a JSON line: time to first token on the fixture, then per
 * thread count the load time, prefill and decode speeds (wall clock and llama.cpp's own timings) with their ratio
 * to native llama.cpp, and the seconds of one memory pass and one answer.
 */
import type { ChatMessage } from '../src/core/types';
import { CpuEngineClient } from '../src/llm/cpu-engine-client';
import { createCpuRoleModels } from '../src/llm/cpu-models';
import { deleteCachedGguf, listCachedGgufModels } from '../src/llm/gguf-cache';
import {
  OUTPUT_CAPS,
  passRequests,
  throughputFigures,
  throughputMessages,
  type ThroughputSample,
} from './llm-cpu-workload';

/** Native llama.cpp's figures for one thread count, measured by the Node driver. */
export type NativeFigure = { engine: 'native'; threads: number } & ReturnType<typeof throughputFigures>;

/** Options the Node driver passes in. */
export interface CpuBenchOptions {
  modelUrl: string;
  fixtureUrl: string;
  runs: number;
  words: number;
  maxTokens: number;
  threads: number[];
  native: NativeFigure[];
}

declare global {
  interface Window {
    reportFigure(line: string): Promise<void>;
    /** CPU seconds the page's renderer process has used (exposed by the driver); null when unknown. */
    cpuSeconds(): Promise<number | null>;
    runCpuBench(opts: CpuBenchOptions): Promise<void>;
  }
}

const report = (figure: Record<string, unknown>) => window.reportFigure(JSON.stringify(figure));
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

function engineWorker(): { worker: Worker; engine: CpuEngineClient } {
  const worker = new Worker(new URL('../src/workers/cpu-engine.worker.ts', import.meta.url), {
    type: 'module',
  });
  return { worker, engine: new CpuEngineClient(worker) };
}

/** One streamed completion through the client: wall clock and CPU time at start, first token and end. */
async function timedChat(engine: CpuEngineClient, url: string, messages: ChatMessage[], maxTokens: number) {
  const cpu0 = await window.cpuSeconds();
  const t0 = performance.now();
  let first = 0;
  let cpuFirst: Promise<number | null> | undefined;
  const end = await engine.chat(
    url,
    { messages, maxTokens, temperature: 0 },
    {
      onText: () => {
        if (first) return;
        first = performance.now();
        cpuFirst = window.cpuSeconds();
      },
    },
  );
  const t1 = performance.now();
  const [cpuAtFirst, cpu1] = [await cpuFirst, await window.cpuSeconds()];
  const cpu =
    cpu0 !== null && cpuAtFirst != null && cpu1 !== null
      ? { prefill: cpuAtFirst - cpu0, decode: cpu1 - cpuAtFirst }
      : null;
  return { t0, first, t1, end, cpu };
}

/** Time to a first token on the committed fixture: cold (empty cache, new worker), warm (cached), loaded. */
async function firstToken(fixtureUrl: string): Promise<void> {
  await deleteCachedGguf(fixtureUrl);
  const messages: ChatMessage[] = [{ role: 'user', content: 'Hello!' }];
  for (const state of ['cold', 'warm'] as const) {
    const t0 = performance.now();
    const { worker, engine } = engineWorker();
    const roles = await createCpuRoleModels(engine, { chat: { url: fixtureUrl } });
    let first = 0;
    for await (const d of roles.answer.stream({ messages, maxTokens: 4 }))
      if (d.text && !first) first = performance.now();
    const loaded = await timedChat(engine, fixtureUrl, messages, 4);
    await report({
      figure: 'fixture_first_token',
      cache: state,
      from_new_worker_ms: round(first - t0),
      loaded_model_ms: round(loaded.first - loaded.t0),
    });
    worker.terminate();
  }
}

/** Load, throughput, memory pass and answer on the 0.5B-shaped model with `threads` threads. */
async function modelFigures(opts: CpuBenchOptions, threads: number): Promise<void> {
  const { worker, engine } = engineWorker();
  const t0 = performance.now();
  const roles = await createCpuRoleModels(engine, { chat: { url: opts.modelUrl }, threads });
  await report({
    figure: 'load',
    threads: roles.threads,
    multi_thread: roles.multiThread,
    seconds: round((performance.now() - t0) / 1000, 2),
  });

  const samples: ThroughputSample[] = [];
  const own = { prefill: [] as number[], decode: [] as number[] };
  for (let run = 0; run <= opts.runs; run++) {
    // The run number first, so no run reuses an earlier one's KV cache; run 0 warms up and is not counted.
    const messages = throughputMessages(opts.words).map((m) => ({ ...m, content: `(${run}) ${m.content}` }));
    const r = await timedChat(engine, opts.modelUrl, messages, opts.maxTokens);
    if (run === 0) continue;
    samples.push({
      promptTokens: r.end.usage?.promptTokens ?? 0,
      tokens: r.end.usage?.completionTokens ?? 0,
      wall: { prefill: (r.first - r.t0) / 1000, decode: (r.t1 - r.first) / 1000 },
      cpu: r.cpu,
    });
    own.prefill.push(r.end.timings?.promptTokensPerSecond ?? NaN);
    own.decode.push(r.end.timings?.decodeTokensPerSecond ?? NaN);
  }
  const wasm = throughputFigures(samples);
  await report({
    engine: 'wasm',
    threads: roles.threads,
    ...wasm,
    llama_cpp_prefill_tokens_per_s: round(median(own.prefill)),
    llama_cpp_decode_tokens_per_s: round(median(own.decode)),
  });
  const native = opts.native.find((n) => n.threads === threads);
  if (native) {
    await report({
      figure: 'wasm_vs_native',
      threads,
      prefill_ratio_cpu_time: round(wasm.prefill_tokens_per_cpu_s / native.prefill_tokens_per_cpu_s, 2),
      decode_ratio_cpu_time: round(wasm.decode_tokens_per_cpu_s / native.decode_tokens_per_cpu_s, 2),
      prefill_ratio_wall_clock: round(wasm.prefill_tokens_per_s / native.prefill_tokens_per_s, 2),
      decode_ratio_wall_clock: round(wasm.decode_tokens_per_s / native.decode_tokens_per_s, 2),
      target: 0.5,
    });
  }

  const seconds: Record<string, number> = {};
  const cpuSeconds: Record<string, number> = {};
  const tokens: Record<string, [number, number]> = {};
  for (const { name, messages } of passRequests()) {
    const r = await timedChat(engine, opts.modelUrl, messages, OUTPUT_CAPS[name]);
    seconds[name] = (r.t1 - r.t0) / 1000;
    if (r.cpu) cpuSeconds[name] = r.cpu.prefill + r.cpu.decode;
    tokens[name] = [r.end.usage?.promptTokens ?? 0, r.end.usage?.completionTokens ?? 0];
  }
  await report({
    figure: 'memory_pass_and_answer',
    threads: roles.threads,
    memory_pass_s: round((seconds.extract ?? 0) + (seconds.decide ?? 0), 2),
    extract_s: round(seconds.extract ?? 0, 2),
    decide_s: round(seconds.decide ?? 0, 2),
    answer_s: round(seconds.answer ?? 0, 2),
    cpu_seconds: Object.fromEntries(Object.entries(cpuSeconds).map(([k, v]) => [k, round(v, 2)])),
    prompt_and_output_tokens: tokens,
  });
  await engine.unload();
  worker.terminate();
}

window.runCpuBench = async (opts: CpuBenchOptions) => {
  await report({ cross_origin_isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency });
  // Only the current benchmark model stays cached in the profile (an earlier, regenerated one is dropped).
  for (const cached of await listCachedGgufModels()) {
    if (cached.url !== opts.modelUrl) await deleteCachedGguf(cached.url);
  }
  await firstToken(opts.fixtureUrl);
  for (const threads of opts.threads) await modelFigures(opts, threads);
};
