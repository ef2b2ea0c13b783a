/**
 * What the CPU engine checks about a GGUF before spending a download on it: that llama.cpp knows its architecture
 * and can chat with it, and that the weights plus the context's KV cache fit the memory the engine may use. The
 * checks read only the header's first kilobytes (the metadata comes before the vocabulary) and the file size.
 *
 * Memory: llama.cpp in WebAssembly reads the weights into its own memory (no mmap), so a model needs its file size,
 * plus the KV cache (2 × layers × KV heads × head size × context × 2 bytes, f16), plus compute buffers (taken as
 * 10 % of the weights + 64 MB, what llama.cpp allocated for the benchmark models here). wllama's build caps
 * WebAssembly memory at 4 GB; where the browser reports the device's RAM (`navigator.deviceMemory`, Chromium),
 * the models may take at most 60 % of it.
 */
import { cpuModelTooLarge, UnsupportedArchitectureError } from './cpu-engine-errors';
import type { GgufModelInfo } from './gguf';

/**
 * Architectures llama.cpp runs as text generators: its list as of build b12211, the one wllama 3.13.0 bundles
 * (names as in `general.architecture`).
 */
export const CHAT_ARCHITECTURES = new Set(
  (
    'llama llama4 deci falcon grok gpt2 gptj gptneox mpt baichuan starcoder refact bloom stablelm ' +
    'qwen qwen2 qwen2moe qwen2vl qwen3 qwen3moe qwen3next qwen3vl qwen3vlmoe phi2 phi3 phimoe plamo ' +
    'plamo2 codeshell orion internlm2 minicpm minicpm3 gemma gemma2 gemma3 gemma3n starcoder2 mamba ' +
    'mamba2 jamba falcon-h1 xverse command-r cohere2 dbrx olmo olmo2 olmoe openelm arctic deepseek ' +
    'deepseek2 chatglm glm4 glm4moe bitnet t5 jais nemotron nemotron_h exaone exaone4 rwkv6 ' +
    'rwkv6qwen2 rwkv7 arwkv7 granite granitemoe granitehybrid chameleon plm bailingmoe bailingmoe2 ' +
    'dots1 arcee ernie4_5 ernie4_5-moe hunyuan-moe hunyuan-dense smollm3 gpt-oss lfm2 lfm2moe ' +
    'seed_oss apertus mistral3'
  ).split(' '),
);

/** Architectures llama.cpp reads but that do not generate chat text (encoders, projectors, vocoders). */
export const NON_CHAT_ARCHITECTURES = new Set(
  (
    'clip bert modern-bert nomic-bert nomic-bert-moe neo-bert jina-bert-v2 jina-bert-v3 eurobert ' +
    'gemma-embedding t5encoder wavtokenizer-dec llama-embed'
  ).split(' '),
);

/** Throws `UnsupportedArchitectureError` unless llama.cpp can chat with a model of this architecture. */
export function checkArchitecture(architecture: string | undefined): void {
  if (architecture === undefined) throw new UnsupportedArchitectureError('(none)', 'unknown');
  if (NON_CHAT_ARCHITECTURES.has(architecture))
    throw new UnsupportedArchitectureError(architecture, 'not-chat');
  if (!CHAT_ARCHITECTURES.has(architecture)) throw new UnsupportedArchitectureError(architecture, 'unknown');
}

/** The most WebAssembly memory wllama's build may grow to (its `MAXIMUM_MEMORY`). */
export const WASM_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;
/** Share of the device's reported RAM the models may take. */
const DEVICE_MEMORY_SHARE = 0.6;

/** Bytes of the KV cache for `contextTokens` (f16 keys and values, every layer). */
export function kvCacheBytes(info: GgufModelInfo, contextTokens: number): number {
  const layers = info.blockCount ?? 0;
  const kvHeads = info.headCountKv ?? 0;
  const perToken = layers * kvHeads * ((info.keyLength ?? 0) + (info.valueLength ?? 0)) * 2;
  return perToken * contextTokens;
}

/** Memory the CPU engine needs to run a model with a `contextTokens` context (see the module header). */
export function estimateCpuMemoryBytes(
  info: GgufModelInfo,
  fileBytes: number,
  contextTokens: number,
): number {
  return fileBytes + kvCacheBytes(info, contextTokens) + fileBytes * 0.1 + 64 * 1024 * 1024;
}

/** What limits the CPU engine's memory here. */
export interface MemoryLimits {
  /** `navigator.deviceMemory` in GB, when the browser reports it. */
  deviceMemoryGB?: number;
}

/** The memory limits of the current browser. */
export function currentMemoryLimits(): MemoryLimits {
  const reported = (globalThis.navigator as { deviceMemory?: unknown } | undefined)?.deviceMemory;
  return typeof reported === 'number' && reported > 0 ? { deviceMemoryGB: reported } : {};
}

/**
 * Throws the CPU engine's `ModelTooLargeError` when models that will be loaded together need more than the
 * WebAssembly limit or the device's share; returns the total need otherwise.
 */
export function checkCpuMemory(
  models: { name: string; neededBytes: number }[],
  limits: MemoryLimits = currentMemoryLimits(),
): number {
  const needed = models.reduce((sum, m) => sum + m.neededBytes, 0);
  const names = models.map((m) => m.name);
  if (needed > WASM_MEMORY_LIMIT_BYTES) {
    throw cpuModelTooLarge(names, needed, WASM_MEMORY_LIMIT_BYTES, 'the in-browser CPU engine can address');
  }
  if (limits.deviceMemoryGB !== undefined) {
    const device = limits.deviceMemoryGB * 1024 ** 3 * DEVICE_MEMORY_SHARE;
    if (needed > device) throw cpuModelTooLarge(names, needed, device, 'this device can spare');
  }
  return needed;
}
