/**
 * Writes random-weight GGUF models with a real architecture (qwen2), a ChatML chat template and a real byte-level
 * BPE tokenizer (256 byte tokens plus merges trained on a small built-in corpus, then Qwen's special tokens), so
 * llama.cpp loads them like any Qwen2.5 GGUF and every part of the CPU inference path runs for real; the output is
 * gibberish. Deterministic: the same preset and seed give the same bytes (a test checks the committed fixture).
 *
 * Presets:
 * - `tiny` (default): 2 layers, hidden 64, Q8_0 — the 119 KB fixture committed as src/llm/fixtures/tiny-qwen2.gguf.
 * - `qwen2.5-0.5b`: Qwen2.5-0.5B's shapes (hidden 896, 24 layers, 14 heads, 2 KV heads, FFN 4864, tied embeddings)
 *   with its real vocabulary size (151,936: the trained tokens padded with filler tokens), Q4_0 (or `--quant=q8_0`):
 *   about 280 MB, for `npm run bench:llm -- --cpu` (never committed).
 *
 * Run: `node --import tsx scripts/make-gguf.ts [--preset=tiny|qwen2.5-0.5b] [--quant=q4_0|q8_0] [--seed=N]
 * [--out=FILE]`. Without `--out` the tiny preset rewrites the committed fixture.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BYTE_CHARS, PRE_TOKENIZERS, TokenType, preTokenize, toByteLevel } from '../src/llm/gguf-tokenizer';
import { GGML, GgufWriter, type GgmlType } from './gguf-writer';

/** Where the tiny preset is committed. */
export const TINY_FIXTURE_PATH = fileURLToPath(
  new URL('../src/llm/fixtures/tiny-qwen2.gguf', import.meta.url),
);

/** The shapes and storage of a generated model. */
export interface ModelShape {
  name: string;
  embedding: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  contextLength: number;
  /** Merges trained on the corpus (fewer when the corpus runs out of pairs seen `minPairCount` times). */
  merges: number;
  /** Least occurrences of a pair worth a merge; default 2 (1 lets merges grow into whole words, as Qwen's do). */
  minPairCount?: number;
  /** Total vocabulary, padded with filler tokens; default: just the trained tokens. */
  vocabSize?: number;
  quant: GgmlType;
}

/** The presets (see the module header). */
export const PRESETS: Record<string, ModelShape> = {
  tiny: {
    name: 'Tiny Random Qwen2 (test fixture)',
    embedding: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffn: 128,
    contextLength: 4096,
    merges: 480,
    quant: GGML.Q8_0,
  },
  'qwen2.5-0.5b': {
    name: 'Random Qwen2.5-0.5B-shaped (benchmark)',
    embedding: 896,
    layers: 24,
    heads: 14,
    kvHeads: 2,
    ffn: 4864,
    contextLength: 32768,
    merges: 2000,
    minPairCount: 1,
    vocabSize: 151936,
    quant: GGML.Q4_0,
  },
};

/** ChatML, as Qwen2.5 Instruct uses it (without its tool-calling branches). */
export const CHATML_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** Qwen's special tokens, appended after the trained vocabulary (the first is BOS and padding, the last EOS). */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** Text the merges are trained on: chat, memories and the JSON shapes the Memory Manager writes. */
const CORPUS = [
  'I moved to Lisbon last week and I am still looking for a flat near the river.',
  'My sister Ana lives in Porto with her two children; her son is 6 and her daughter is 9.',
  'I like green tea in the morning, but I never drink coffee after lunch.',
  'We are planning a trip to Japan in April 2024 to see the cherry blossoms.',
  'The user has a dog named Max who is 3 years old and loves the beach.',
  'Melanie went camping with her family in the mountains in July 2023.',
  'Caroline is a counselor and she supports people who are going through hard times.',
  'What do you remember about my plans for the summer? Where do I live now?',
  'Thank you! That is really helpful. Can you tell me more about the museum?',
  'The meeting with the team is on Monday, 8 May 2023 at 10 am in the office.',
  'He started learning the piano in 2022 and plays every evening for an hour.',
  'She prefers vegetarian food and is allergic to peanuts.',
  '{"facts": ["The user moved to Lisbon in May 2023.", "The user likes green tea."]}',
  '{"facts": []}',
  '{"facts": ["Ana has two children.", "Ana lives in Porto."]}',
  '{"operations": [{"op": "ADD", "id": null, "text": "The user has a dog named Max."}]}',
  '{"operations": [{"op": "UPDATE", "id": "0", "text": "Melanie has two children; her son is 6."}, {"op": "NOOP", "id": "1", "text": null}]}',
  '{"operations": [{"op": "DELETE", "id": "2", "text": null}, {"op": "ADD", "id": null, "text": "The user works from home."}]}',
  'Speaker: User\nTurn: I just adopted a cat called Luna.\n',
  'Reply with JSON only, in exactly this shape. Use only ids from the list of existing memories.',
  'The answer is based on the memories: the user lives in Lisbon and likes tea.',
].join('\n');

/** mulberry32: a small, fast, fully deterministic 32-bit generator. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The vocabulary: tokens, their types and the merges, trained by byte-level BPE on `CORPUS`. */
export interface Vocabulary {
  tokens: string[];
  types: number[];
  merges: string[];
}

/**
 * Trains byte-level BPE merges on `corpus` with the qwen2 pre-tokenizer: repeatedly merges the most frequent
 * adjacent pair (ties: the alphabetically first), as the tokenizer will apply them by rank.
 */
export function trainVocabulary(corpus: string, maxMerges: number, minPairCount = 2): Vocabulary {
  const counts = new Map<string, number>();
  for (const piece of preTokenize(corpus, PRE_TOKENIZERS.qwen2 as string)) {
    const word = toByteLevel(piece);
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const words = [...counts].map(([word, count]) => ({ symbols: [...word], count }));
  const tokens = [...BYTE_CHARS];
  const known = new Set(tokens);
  const merges: string[] = [];
  while (merges.length < maxMerges) {
    const pairs = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.symbols.length; i++) {
        const pair = `${w.symbols[i]} ${w.symbols[i + 1]}`;
        pairs.set(pair, (pairs.get(pair) ?? 0) + w.count);
      }
    }
    let best: string | undefined;
    let bestCount = minPairCount - 1;
    for (const [pair, count] of pairs) {
      if (count > bestCount || (count === bestCount && best !== undefined && pair < best)) {
        best = pair;
        bestCount = count;
      }
    }
    if (best === undefined) break;
    const [left, right] = best.split(' ') as [string, string];
    const merged = left + right;
    merges.push(best);
    if (!known.has(merged)) {
      known.add(merged);
      tokens.push(merged);
    }
    for (const w of words) {
      for (let i = 0; i + 1 < w.symbols.length; i++) {
        if (w.symbols[i] === left && w.symbols[i + 1] === right) w.symbols.splice(i, 2, merged);
      }
    }
  }
  return { tokens, types: tokens.map(() => TokenType.NORMAL), merges };
}

/** IEEE half-precision bits of `x` (round to nearest; the values here are small and finite). */
export function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mant = bits & 0x7fffff;
  if (exp <= 0) return sign | Math.round((mant | 0x800000) / 2 ** (14 - exp));
  if (exp >= 31) return sign | 0x7c00;
  const half = sign | (exp << 10) | (mant >>> 13);
  return (mant & 0x1fff) > 0x1000 ? half + 1 : half;
}

/**
 * Random quantized blocks with weights of standard deviation `std`: Q8_0 blocks are an f16 scale and 32 int8
 * values uniform in [-127, 127]; Q4_0 blocks an f16 scale and 32 4-bit values (value − 8). F32 is Gaussian-free
 * uniform noise of the same spread.
 */
function randomTensor(type: GgmlType, values: number, std: number, next: () => number): Uint8Array {
  if (type === GGML.F32) {
    const out = new Float32Array(values);
    const half = std * Math.sqrt(3);
    for (let i = 0; i < values; i++) out[i] = ((next() / 2 ** 32) * 2 - 1) * half;
    return new Uint8Array(out.buffer);
  }
  const blocks = values / 32;
  const out = new Uint8Array(blocks * type.blockBytes);
  const view = new DataView(out.buffer);
  const scale = toHalf(type === GGML.Q8_0 ? std / 73.3 : std / 4.61);
  for (let b = 0; b < blocks; b++) {
    const at = b * type.blockBytes;
    view.setUint16(at, scale, true);
    if (type === GGML.Q8_0) {
      for (let i = 0; i < 32; i++) out[at + 2 + i] = (next() % 255) - 127;
    } else {
      for (let i = 0; i < 16; i++) out[at + 2 + i] = next() & 0xff;
    }
  }
  return out;
}

function ones(values: number): Uint8Array {
  return new Uint8Array(new Float32Array(values).fill(1).buffer);
}

/**
 * The GGUF of a shape, ready to write (tensors are generated as they are written). `extraCorpus` adds training
 * text for the merges: the benchmark passes the prompts it sends, so they cost about as many tokens as with a
 * real vocabulary (otherwise a few hundred merges split every word into pieces).
 */
export function buildModel(shape: ModelShape, seed: number, extraCorpus = ''): GgufWriter {
  const vocab = trainVocabulary(
    extraCorpus ? `${CORPUS}\n${extraCorpus}` : CORPUS,
    shape.merges,
    shape.minPairCount,
  );
  const fillers = Math.max(0, (shape.vocabSize ?? 0) - vocab.tokens.length - SPECIAL_TOKENS.length);
  const tokens = [
    ...vocab.tokens,
    ...Array.from({ length: fillers }, (_, i) => `<filler_${i}>`),
    ...SPECIAL_TOKENS,
  ];
  const types = [
    ...vocab.types,
    ...Array.from({ length: fillers }, () => TokenType.NORMAL),
    ...SPECIAL_TOKENS.map(() => TokenType.CONTROL),
  ];
  const special = (t: (typeof SPECIAL_TOKENS)[number]) => tokens.indexOf(t);
  const { embedding: n, heads, kvHeads, ffn, layers } = shape;
  const headSize = n / heads;
  const kv = kvHeads * headSize;

  const w = new GgufWriter();
  w.string('general.architecture', 'qwen2');
  w.string('general.name', shape.name);
  w.u32('general.alignment', 32);
  w.u32('general.file_type', shape.quant === GGML.Q4_0 ? 2 : 7);
  w.u32('general.quantization_version', 2);
  w.u32('qwen2.context_length', shape.contextLength);
  w.u32('qwen2.embedding_length', n);
  w.u32('qwen2.block_count', layers);
  w.u32('qwen2.feed_forward_length', ffn);
  w.u32('qwen2.attention.head_count', heads);
  w.u32('qwen2.attention.head_count_kv', kvHeads);
  w.f32('qwen2.rope.freq_base', 1_000_000);
  w.f32('qwen2.attention.layer_norm_rms_epsilon', 1e-6);
  w.string('tokenizer.ggml.model', 'gpt2');
  w.string('tokenizer.ggml.pre', 'qwen2');
  w.strings('tokenizer.ggml.tokens', tokens);
  w.i32s('tokenizer.ggml.token_type', types);
  w.strings('tokenizer.ggml.merges', vocab.merges);
  w.u32('tokenizer.ggml.bos_token_id', special('<|endoftext|>'));
  w.u32('tokenizer.ggml.eos_token_id', special('<|im_end|>'));
  w.u32('tokenizer.ggml.padding_token_id', special('<|endoftext|>'));
  w.bool('tokenizer.ggml.add_bos_token', false);
  w.string('tokenizer.chat_template', CHATML_TEMPLATE);

  // One generator per tensor, seeded from the model seed and the tensor's position, so tensors can be generated
  // in any order and one shape change does not reshuffle every other tensor.
  let index = 0;
  const add = (name: string, dims: number[], type: GgmlType, std: number) => {
    const tensorSeed = (seed * 1_000_003 + index++ * 7919) >>> 0;
    const values = dims.reduce((a, b) => a * b, 1);
    w.tensor(name, dims, type, () => randomTensor(type, values, std, prng(tensorSeed)));
  };
  add('token_embd.weight', [n, tokens.length], shape.quant, 0.5);
  w.tensor('output_norm.weight', [n], GGML.F32, () => ones(n));
  for (let i = 0; i < layers; i++) {
    const blk = `blk.${i}`;
    const inStd = 1 / Math.sqrt(n);
    w.tensor(`${blk}.attn_norm.weight`, [n], GGML.F32, () => ones(n));
    add(`${blk}.attn_q.weight`, [n, n], shape.quant, inStd);
    add(`${blk}.attn_q.bias`, [n], GGML.F32, 0.02);
    add(`${blk}.attn_k.weight`, [n, kv], shape.quant, inStd);
    add(`${blk}.attn_k.bias`, [kv], GGML.F32, 0.02);
    add(`${blk}.attn_v.weight`, [n, kv], shape.quant, inStd);
    add(`${blk}.attn_v.bias`, [kv], GGML.F32, 0.02);
    add(`${blk}.attn_output.weight`, [n, n], shape.quant, inStd);
    w.tensor(`${blk}.ffn_norm.weight`, [n], GGML.F32, () => ones(n));
    add(`${blk}.ffn_gate.weight`, [n, ffn], shape.quant, inStd);
    add(`${blk}.ffn_up.weight`, [n, ffn], shape.quant, inStd);
    add(`${blk}.ffn_down.weight`, [ffn, n], shape.quant, 1 / Math.sqrt(ffn));
  }
  return w;
}

/** The tiny fixture's bytes (default seed), as committed. */
export function tinyFixtureBytes(seed = 1): Uint8Array {
  return buildModel(PRESETS.tiny as ModelShape, seed).toBytes();
}

/** Writes a model of `preset` to `out`, streaming tensor by tensor. */
export function writeModel(
  out: string,
  preset: string,
  opts: { seed?: number; quant?: string; extraCorpus?: string } = {},
): void {
  const base = PRESETS[preset];
  if (!base) throw new Error(`Unknown preset "${preset}": use ${Object.keys(PRESETS).join(' or ')}.`);
  const quant = opts.quant === undefined ? base.quant : opts.quant === 'q8_0' ? GGML.Q8_0 : GGML.Q4_0;
  if (opts.quant !== undefined && !['q4_0', 'q8_0'].includes(opts.quant)) {
    throw new Error(`Unknown --quant "${opts.quant}": use q4_0 or q8_0.`);
  }
  const fd = openSync(out, 'w');
  try {
    buildModel({ ...base, quant }, opts.seed ?? 1, opts.extraCorpus).write((chunk) => writeSync(fd, chunk));
  } finally {
    closeSync(fd);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'tiny' },
      quant: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const preset = values.preset as string;
  const out = values.out ?? (preset === 'tiny' ? TINY_FIXTURE_PATH : undefined);
  if (!out) throw new Error('Give --out=FILE for this preset (it is too large to commit).');
  writeModel(out, preset, {
    ...(values.seed !== undefined && { seed: Number(values.seed) }),
    ...(values.quant !== undefined && { quant: values.quant }),
  });
  console.info(`Wrote ${out}`);
}
