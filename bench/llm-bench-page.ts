/**
 * The page side of `npm run bench:llm`: finds a real (non-fallback) WebGPU adapter or reports why it skips, loads
 * the recommended catalog model in the engine worker, then times the same streamed request through the engine
 * directly and through `WebLlmChatModel`, interleaved, reporting each figure as a JSON line.
 */
import { WebWorkerMLCEngine, prebuiltAppConfig, type ChatCompletionRequestStreaming } from '@mlc-ai/web-llm';
import { checkCapabilities } from '../src/llm/capabilities';
import { DEFAULT_MODEL_ID, findCatalogEntry, recommendModel } from '../src/llm/catalog';
import { WebLlmChatModel } from '../src/llm/webllm-chat-model';
import { loadModels } from '../src/llm/webllm-loader';

/** Options the Node driver passes in. */
export interface LlmBenchOptions {
  runs: number;
  promptWords: number;
  maxTokens: number;
  model?: string;
}

/** One timed generation. */
interface Run {
  ttftMs: number;
  totalMs: number;
  promptTokens?: number;
  completionTokens?: number;
  prefillTps?: number;
  decodeTps?: number;
}

declare global {
  interface Window {
    reportFigure(line: string): Promise<void>;
    runLlmBench(opts: LlmBenchOptions): Promise<void>;
  }
}

const report = (figure: Record<string, unknown>) => window.reportFigure(JSON.stringify(figure));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

async function realAdapter(): Promise<{ ok: true; description: string } | { ok: false; reason: string }> {
  const gpu = (
    navigator as {
      gpu?: {
        requestAdapter(): Promise<{
          info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string };
        } | null>;
      };
    }
  ).gpu;
  if (!gpu) return { ok: false, reason: 'no navigator.gpu' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { ok: false, reason: 'requestAdapter() returned null' };
  const info = adapter.info ?? {};
  if (info.isFallbackAdapter || info.architecture === 'swiftshader') {
    return {
      ok: false,
      reason: `only a software adapter (${info.vendor ?? '?'} ${info.architecture ?? ''})`,
    };
  }
  return { ok: true, description: `${info.vendor ?? ''} ${info.architecture ?? ''}`.trim() };
}

window.runLlmBench = async (opts: LlmBenchOptions) => {
  const adapter = await realAdapter();
  if (!adapter.ok) {
    await report({ skipped: true, reason: `bench:llm needs a real GPU: ${adapter.reason}` });
    return;
  }
  const probe = findCatalogEntry(DEFAULT_MODEL_ID);
  const caps = probe ? await checkCapabilities(probe) : undefined;
  const modelId = opts.model ?? recommendModel({ shaderF16: caps?.adapter?.shaderF16 === true }).modelId;
  const worker = new Worker(new URL('../src/workers/engine.worker.ts', import.meta.url), { type: 'module' });
  const engine = new WebWorkerMLCEngine(worker);
  const loadStart = performance.now();
  let lastText = '';
  await loadModels(engine, [modelId], {
    appConfig: prebuiltAppConfig,
    onProgress: (p) => {
      if (p.text !== lastText) console.info(`${p.phase} ${(p.fraction * 100).toFixed(0)}% ${p.text}`);
      lastText = p.text;
    },
  });
  await report({
    adapter: adapter.description,
    model: modelId,
    load_s: (performance.now() - loadStart) / 1000,
  });

  const words = Array.from({ length: opts.promptWords }, (_, i) => `word${i % 97}`).join(' ');
  const messages = [{ role: 'user' as const, content: `Summarize this list in one sentence: ${words}` }];
  const request: ChatCompletionRequestStreaming = {
    model: modelId,
    messages,
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    max_tokens: opts.maxTokens,
    ignore_eos: true,
  };
  const model = new WebLlmChatModel({ engine, modelId });

  const direct = async (): Promise<Run> => {
    await engine.resetChat();
    const t0 = performance.now();
    let ttft = NaN;
    let run: Partial<Run> = {};
    for await (const chunk of await engine.chat.completions.create(request)) {
      if (Number.isNaN(ttft) && chunk.choices[0]?.delta.content) ttft = performance.now() - t0;
      if (chunk.usage) {
        run = {
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
          prefillTps: chunk.usage.extra.prefill_tokens_per_s,
          decodeTps: chunk.usage.extra.decode_tokens_per_s,
        };
      }
    }
    return { ...run, ttftMs: ttft, totalMs: performance.now() - t0 };
  };
  const wrapped = async (): Promise<Run> => {
    await engine.resetChat();
    const t0 = performance.now();
    let ttft = NaN;
    for await (const delta of model.stream({ messages, temperature: 0, maxTokens: opts.maxTokens })) {
      if (Number.isNaN(ttft) && delta.text) ttft = performance.now() - t0;
    }
    return { ttftMs: ttft, totalMs: performance.now() - t0 };
  };

  await direct();
  const d: Run[] = [];
  const w: Run[] = [];
  for (let i = 0; i < opts.runs; i++) {
    d.push(await direct());
    w.push(await wrapped());
  }
  await report({
    figure: 'engine_direct',
    prompt_tokens: d[0]?.promptTokens,
    completion_tokens: d[0]?.completionTokens,
    prefill_tokens_per_s: median(d.map((r) => r.prefillTps ?? NaN)),
    decode_tokens_per_s: median(d.map((r) => r.decodeTps ?? NaN)),
    ttft_ms: median(d.map((r) => r.ttftMs)),
    total_ms: median(d.map((r) => r.totalMs)),
  });
  const overhead = median(w.map((r) => r.totalMs)) / median(d.map((r) => r.totalMs)) - 1;
  await report({
    figure: 'webllm_chat_model',
    ttft_ms: median(w.map((r) => r.ttftMs)),
    total_ms: median(w.map((r) => r.totalMs)),
    overhead_vs_direct_pct: overhead * 100,
    target_pct: 3,
  });
  worker.terminate();
};
