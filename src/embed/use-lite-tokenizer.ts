/**
 * The tokenizer of Universal Sentence Encoder lite: a SentencePiece unigram model given as a vocabulary of
 * `[piece, log-probability]` pairs (`vocab.json` beside the model). A text is NFKC-normalized, prefixed with the
 * word marker "▁" and its spaces replaced by it, then cut into the pieces of highest total score (Viterbi over a
 * trie of the pieces). A character no piece starts with becomes the unknown id 0 (score 0), and runs of unknowns
 * collapse into one, exactly as the TF.js reference tokenizer does, so ids match what the model was exported with.
 *
 * @example
 * const tokenizer = new UseLiteTokenizer(vocabulary);
 * tokenizer.encode('I like tea.') // => e.g. [10, 95, 2081, 6]
 */

/**
 * One vocabulary entry: the piece and its log-probability (higher is likelier). The published vocabulary has
 * `null` for the seven pieces holding ":"; the reference tokenizer's arithmetic treats that as 0, and so does this.
 */
export type UseLiteVocabularyEntry = readonly [piece: string, score: number | null];

/** The first ids are control symbols (unknown, `<s>`, `</s>`, three spares) that never match text. */
const RESERVED_IDS = 6;
/** The id of the unknown piece. */
const UNKNOWN_ID = 0;
/** SentencePiece's word-start marker, U+2581. */
const WORD_MARKER = '\u2581';

/** A trie node: child per code point, and the vocabulary id of the piece ending here (if any). */
interface TrieNode {
  children: Map<string, TrieNode>;
  id: number;
}

function trieNode(): TrieNode {
  return { children: new Map(), id: -1 };
}

/** Turns texts into USE lite's piece ids (see the module header). */
export class UseLiteTokenizer {
  private readonly root = trieNode();
  private readonly scores: Float64Array;

  constructor(vocabulary: readonly UseLiteVocabularyEntry[]) {
    this.scores = Float64Array.from(vocabulary, ([, score]) => score ?? 0);
    for (let id = RESERVED_IDS; id < vocabulary.length; id++) {
      let node = this.root;
      for (const ch of vocabulary[id]![0]) {
        let next = node.children.get(ch);
        if (!next) {
          next = trieNode();
          node.children.set(ch, next);
        }
        node = next;
      }
      node.id = id;
    }
  }

  /** Number of vocabulary entries. */
  get size(): number {
    return this.scores.length;
  }

  /** The piece ids of one text, in order (an empty text gives none). */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const chars = [...(WORD_MARKER + normalized.replaceAll(' ', WORD_MARKER))];
    const n = chars.length;
    // best[e]: highest score of a segmentation of chars[0, e); lastId / lastLength: the piece ending at e in it.
    const best = new Float64Array(n + 1).fill(-Infinity);
    const lastId = new Int32Array(n + 1);
    const lastLength = new Int32Array(n + 1);
    best[0] = 0;
    const offer = (end: number, score: number, id: number, length: number): void => {
      // Ties go to the later candidate, as in the reference implementation.
      if (score >= best[end]!) {
        best[end] = score;
        lastId[end] = id;
        lastLength[end] = length;
      }
    };
    for (let start = 0; start < n; start++) {
      const base = best[start]!;
      if (base === -Infinity) continue;
      let node: TrieNode | undefined = this.root;
      let matched = false;
      for (let end = start; end < n; end++) {
        node = node.children.get(chars[end]!);
        if (!node) break;
        if (node.id >= 0) {
          matched = true;
          offer(end + 1, base + this.scores[node.id]!, node.id, end + 1 - start);
        }
      }
      if (!matched) offer(start + 1, base, UNKNOWN_ID, 1);
    }
    const reversed: number[] = [];
    for (let end = n; end > 0; end -= lastLength[end]!) reversed.push(lastId[end]!);
    const ids: number[] = [];
    for (let i = reversed.length - 1; i >= 0; i--) {
      const id = reversed[i]!;
      if (id !== UNKNOWN_ID || ids.at(-1) !== UNKNOWN_ID) ids.push(id);
    }
    return ids;
  }
}
