/**
 * Counting tokens the way llama.cpp does, from a GGUF's own vocabulary, so prompt budgets of the CPU engine are
 * exact. wllama 3 has no tokenize call, so this reimplements llama.cpp's byte-level BPE (`tokenizer.ggml.model`
 * `gpt2`) with the pre-tokenizers of Qwen 2/2.5/3 (`qwen2`) and Llama 3 (`llama-bpe`): special tokens are split
 * out first (as the server does with `parse_special`), the rest is cut by the model's pre-tokenizer regex
 * (`tokenizer.ggml.pre`), each piece is mapped byte by byte to GPT-2's printable alphabet and merged by rank.
 * A test compares it token for token with native llama.cpp (node-llama-cpp) on the committed fixture.
 * Other vocabularies (SentencePiece `llama`, other pre-tokenizers) are not handled: `createGgufTokenizer` returns
 * undefined and callers fall back to an estimate.
 */
import type { GgufHeader } from './gguf';

/** llama.cpp's token types (`tokenizer.ggml.token_type`). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

const CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";

/** Pre-tokenizer regexes by `tokenizer.ggml.pre`, as llama.cpp defines them (llama-vocab.cpp). */
export const PRE_TOKENIZERS: Record<string, string> = {
  qwen2: `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
  'llama-bpe': `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`,
};
/** Pre-tokenizers llama.cpp runs with `ignore_merges` (a whole piece found in the vocabulary is one token). */
const IGNORE_MERGES = new Set(['llama-bpe']);

/** GPT-2's map from bytes to printable characters (printable Latin-1 bytes map to themselves). */
function byteAlphabet(): string[] {
  const out = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    out[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return out;
}

/** Byte `b` written in GPT-2's alphabet, as byte-level vocabularies store it. */
export const BYTE_CHARS: readonly string[] = byteAlphabet();

/** The byte-level form of a text: its UTF-8 bytes, each as one character of `BYTE_CHARS`. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(text)) out += BYTE_CHARS[b];
  return out;
}

/** Splits text into pre-tokenizer pieces. */
export function preTokenize(text: string, pattern: string): string[] {
  return text.match(new RegExp(pattern, 'gu')) ?? [];
}

/** A byte-level BPE tokenizer over one GGUF vocabulary. */
export class GgufBpeTokenizer {
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly specials: string[];
  private readonly cache = new Map<string, number[]>();

  constructor(
    tokens: readonly string[],
    merges: readonly string[],
    tokenTypes: readonly number[],
    private readonly pattern: string,
    private readonly ignoreMerges = false,
  ) {
    tokens.forEach((t, i) => this.ids.set(t, i));
    merges.forEach((m, i) => this.ranks.set(m, i));
    this.specials = tokens
      .filter(
        (t, i) =>
          t !== '' && (tokenTypes[i] === TokenType.CONTROL || tokenTypes[i] === TokenType.USER_DEFINED),
      )
      .sort((a, b) => b.length - a.length);
  }

  /** Token ids of `text`, special tokens included where their text appears (no BOS is added). */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const part of this.splitSpecial(text)) {
      if (part.special) {
        out.push(this.ids.get(part.text) as number);
        continue;
      }
      for (const piece of preTokenize(part.text, this.pattern))
        out.push(...this.encodePiece(toByteLevel(piece)));
    }
    return out;
  }

  /** Number of tokens of `text`. */
  count(text: string): number {
    return this.encode(text).length;
  }

  private splitSpecial(text: string): { text: string; special: boolean }[] {
    const parts: { text: string; special: boolean }[] = [];
    let rest = text;
    while (rest !== '') {
      let at = -1;
      let found = '';
      for (const s of this.specials) {
        const i = rest.indexOf(s);
        if (i !== -1 && (at === -1 || i < at)) {
          at = i;
          found = s;
        }
      }
      if (at === -1) break;
      if (at > 0) parts.push({ text: rest.slice(0, at), special: false });
      parts.push({ text: found, special: true });
      rest = rest.slice(at + found.length);
    }
    if (rest !== '') parts.push({ text: rest, special: false });
    return parts;
  }

  private encodePiece(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const whole = this.ignoreMerges ? this.ids.get(piece) : undefined;
    const ids = whole !== undefined ? [whole] : this.merge([...piece]).map((s) => this.idOf(s));
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(piece, ids);
    return ids;
  }

  /** Merges adjacent symbols, lowest rank first (leftmost among equals), until no pair has a rank. */
  private merge(symbols: string[]): string[] {
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best === -1) return symbols;
      symbols.splice(best, 2, `${symbols[best]}${symbols[best + 1]}`);
    }
  }

  /** A symbol's id; a symbol missing from the vocabulary falls back to its bytes, as llama.cpp does. */
  private idOf(symbol: string): number {
    const id = this.ids.get(symbol);
    if (id !== undefined) return id;
    return this.ids.get([...symbol][0] as string) ?? 0;
  }
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** The tokenizer of a GGUF header, or undefined when its vocabulary is not byte-level BPE with a known pre-tokenizer. */
export function createGgufTokenizer(header: Pick<GgufHeader, 'metadata'>): GgufBpeTokenizer | undefined {
  const m = header.metadata;
  if (m.get('tokenizer.ggml.model') !== 'gpt2') return undefined;
  const pre = m.get('tokenizer.ggml.pre');
  const pattern = typeof pre === 'string' ? PRE_TOKENIZERS[pre] : undefined;
  const tokens = stringArray(m.get('tokenizer.ggml.tokens'));
  const merges = stringArray(m.get('tokenizer.ggml.merges'));
  const types = m.get('tokenizer.ggml.token_type');
  if (!pattern || !tokens || !merges) return undefined;
  const tokenTypes = Array.isArray(types) ? types.map(Number) : [];
  return new GgufBpeTokenizer(tokens, merges, tokenTypes, pattern, IGNORE_MERGES.has(String(pre)));
}
