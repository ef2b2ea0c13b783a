/**
 * Answer-quality metrics for the memory benchmarks, each following a published protocol so our figures compare
 * with published tables:
 *
 * - LoCoMo protocol (snap-research/locomo `task_eval/evaluation.py`): lowercase, drop commas and ASCII punctuation,
 *   drop the words a/an/the/and, Porter-stem, token-bag F1; category 1 (multi-hop) splits prediction and gold on
 *   "," and averages the best-match F1 per gold part; category 3 (open-domain) keeps the gold before the first ";";
 *   category 5 (adversarial) scores 1 when the prediction says "no information available" or "not mentioned".
 * - Memory-R1 / mem0 protocol (mem0 `evaluation/metrics/utils.py`): F1 over lowercased token *sets* with only
 *   `. , ! ?` stripped, and BLEU-1 over NLTK-style word tokens with smoothing method 1 and the brevity penalty.
 * - `normalizeAnswer` / `exactMatch`: SQuAD-style exact match, shared with the RL rewards.
 *
 * Stemming uses the `stemmer` package (Martin Porter's algorithm with the two "revised" rules bli→ble and
 * logi→log). NLTK's `PorterStemmer()`, which LoCoMo uses, runs in NLTK_EXTENSIONS mode and differs on a few words:
 * it keeps an irregular-forms table (dying→die, skies→sky, news→news, innings→inning), maps "ies" to "ie" in
 * four-letter words (dies→die; here di), turns a final y into i only after a consonant (say→say; here sai) and
 * has extra step-2 rules fulli→ful and lessli→less (carefully→care; here carefulli). Both prediction and gold go
 * through the same stemmer, so a difference changes a score only when a stem is shared under one algorithm and not
 * under the other; docs/evaluation.md records this.
 */
import { stemmer } from 'stemmer';
import type { LocomoCategory } from '../core/benchmark-types';

/**
 * Gold answers as the scorers see them: integers (six LoCoMo answers are numbers such as 2022) become strings, as
 * Python's `str()` does in the reference scorers; a missing answer becomes the empty string.
 * @example answerToString(2022) // => '2022'
 */
export function answerToString(answer: string | number | null | undefined): string {
  if (answer === null || answer === undefined) return '';
  return typeof answer === 'number' ? String(answer) : answer;
}

/** Python's `string.punctuation`: the reference scorers strip exactly these ASCII characters. */
const ASCII_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

function stripAsciiPunctuation(text: string): string {
  let out = '';
  for (const ch of text) if (!ASCII_PUNCTUATION.has(ch)) out += ch;
  return out;
}

/** Python's `\b` is Unicode-aware; JavaScript's is not, so word boundaries are spelled out with lookarounds. */
const LOCOMO_STOPWORDS = /(?<![\p{L}\p{N}_])(?:a|an|the|and)(?![\p{L}\p{N}_])/gu;
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

function collapseWhitespace(text: string): string {
  return text.split(/\s+/u).filter(Boolean).join(' ');
}

/**
 * LoCoMo's `normalize_answer`: drop commas, lowercase, strip ASCII punctuation, drop a/an/the/and, collapse spaces.
 * @example locomoNormalize('The cat, and a Dog!') // => 'cat dog'
 */
export function locomoNormalize(text: string): string {
  const noCommas = text.replaceAll(',', '');
  return collapseWhitespace(stripAsciiPunctuation(noCommas.toLowerCase()).replace(LOCOMO_STOPWORDS, ' '));
}

/**
 * The Porter-stemmed tokens LoCoMo's F1 compares.
 * @example locomoTokens('Went running, and painting') // => ['went', 'run', 'paint']
 */
export function locomoTokens(text: string): string[] {
  const normalized = locomoNormalize(text);
  return normalized === '' ? [] : normalized.split(' ').map((w) => stemmer(w));
}

/** Token-bag F1 (multiset overlap), 0 when nothing overlaps. */
function bagF1(prediction: string[], gold: string[]): number {
  const counts = new Map<string, number>();
  for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of prediction) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      same += 1;
      counts.set(t, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / prediction.length;
  const recall = same / gold.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * LoCoMo's `f1_score`: token-bag F1 of the stemmed, normalized prediction and gold.
 * @example locomoTokenF1('She went hiking', 'hiking') // => 0.5
 */
export function locomoTokenF1(prediction: string, gold: string): number {
  return bagF1(locomoTokens(prediction), locomoTokens(gold));
}

/**
 * LoCoMo's multi-hop `f1`: split both sides on ",", then average over gold parts the best F1 any prediction part
 * reaches.
 * @example locomoMultiHopF1('Paris, Rome', 'Rome, Paris, Oslo') // => 0.6666666666666666
 */
export function locomoMultiHopF1(prediction: string, gold: string): number {
  const predictions = prediction.split(',').map((p) => p.trim());
  const golds = gold.split(',').map((g) => g.trim());
  let total = 0;
  for (const g of golds) total += Math.max(...predictions.map((p) => locomoTokenF1(p, g)));
  return total / golds.length;
}

/** True when a prediction declines to answer in the words LoCoMo's adversarial check looks for. */
export function isAbstention(prediction: string): boolean {
  const lower = prediction.toLowerCase();
  return lower.includes('no information available') || lower.includes('not mentioned');
}

/**
 * LoCoMo-protocol F1 for one question of the given category (1-5), with the category's rules applied.
 * @example locomoF1('Yes', 'Yes; she likes the outdoors', 3) // => 1
 */
export function locomoF1(prediction: string, gold: string | number, category: LocomoCategory): number {
  const goldText = answerToString(gold);
  switch (category) {
    case 1:
      return locomoMultiHopF1(prediction, goldText);
    case 3:
      return locomoTokenF1(prediction, (goldText.split(';')[0] ?? '').trim());
    case 5:
      return isAbstention(prediction) ? 1 : 0;
    default:
      return locomoTokenF1(prediction, goldText);
  }
}

/**
 * mem0's `simple_tokenize`: lowercase, turn `. , ! ?` into spaces, split on whitespace.
 * @example mem0Tokens("Hi, it's 5.30!") // => ['hi', "it's", '5', '30']
 */
export function mem0Tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[.,!?]/g, ' ')
    .split(/\s+/u)
    .filter(Boolean);
}

/**
 * Memory-R1 / mem0 F1: overlap of lowercased token *sets*; 0 when either side is empty.
 * @example mem0F1('the dog the cat', 'a dog') // => 0.4
 */
export function mem0F1(prediction: string, gold: string | number): number {
  const pred = new Set(mem0Tokens(prediction.trim()));
  const ref = new Set(mem0Tokens(answerToString(gold).trim()));
  if (pred.size === 0 || ref.size === 0) return 0;
  let common = 0;
  for (const t of pred) if (ref.has(t)) common += 1;
  if (common === 0) return 0;
  const precision = common / pred.size;
  const recall = common / ref.size;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * An approximation of NLTK's `word_tokenize` (Treebank rules) for BLEU: punctuation becomes its own token
 * (commas between digits and periods inside a word such as "3.5" stay), a period ending a word before a
 * space or the end is split off, and contractions split as Treebank does ("don't" → "do" "n't", "she's" → "she"
 * "'s"). NLTK also rewrites double quotes to `` and ''; here they stay `"`, which scores the same.
 * @example wordTokenize("Caroline's dog, Max, didn't bark.") // => ['caroline', "'s", 'dog', ',', 'max', ',', 'did', "n't", 'bark', '.']
 */
export function wordTokenize(text: string): string[] {
  let s = ` ${text.toLowerCase()} `;
  s = s.replace(/([:;@#$%&?!()[\]{}<>"`]|--)/g, ' $1 ');
  s = s.replace(/([^0-9]),|,([^0-9])/g, (_m, before: string | undefined, after: string | undefined) =>
    before !== undefined ? `${before} , ` : ` , ${after ?? ''}`,
  );
  s = s.replace(/([^.\s])\.(?=\s)/g, '$1 . ');
  s = s.replace(/(\s)'(?=\S)/g, "$1' ");
  s = s.replace(/([^\s'])'(\s)/g, "$1 '$2");
  s = s.replace(/([^\s])('s|'m|'d|'ll|'re|'ve)(?=\s)/g, '$1 $2');
  s = s.replace(/([^\s])(n't)(?=\s)/g, '$1 $2');
  return s.split(/\s+/u).filter(Boolean);
}

function ngrams(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** NLTK's `SmoothingFunction().method1` epsilon: a zero n-gram count becomes 0.1 over the same denominator. */
const SMOOTHING_EPSILON = 0.1;

/**
 * Sentence BLEU against one reference, as NLTK's `sentence_bleu` with `SmoothingFunction().method1`: clipped n-gram
 * precisions, zero counts smoothed to 0.1, geometric mean under `weights`, times the brevity penalty
 * exp(1 - r/c) when the prediction is shorter. Like NLTK, 0 when no unigram matches at all (smoothing is not
 * applied then).
 * @example bleu('sat cat', 'cat sat on mat', [0.5, 0.5]) // => 0.1163... (e^-1 · √0.1)
 */
export function bleu(prediction: string, reference: string, weights: readonly number[]): number {
  const hyp = wordTokenize(prediction);
  const ref = wordTokenize(reference);
  let logSum = 0;
  for (let n = 1; n <= weights.length; n++) {
    const hypCounts = ngrams(hyp, n);
    const refCounts = ngrams(ref, n);
    let matched = 0;
    for (const [gram, count] of hypCounts) matched += Math.min(count, refCounts.get(gram) ?? 0);
    const denominator = Math.max(1, hyp.length - n + 1);
    if (n === 1 && matched === 0) return 0;
    const precision = (matched === 0 ? SMOOTHING_EPSILON : matched) / denominator;
    logSum += (weights[n - 1] ?? 0) * Math.log(precision);
  }
  const c = hyp.length;
  const r = ref.length;
  const brevity = c > r ? 1 : Math.exp(1 - r / c);
  return brevity * Math.exp(logSum);
}

/**
 * BLEU-1 as the Memory-R1 / mem0 tables report it (weights (1, 0, 0, 0), smoothing method 1); 0 when either side
 * is empty.
 * @example bleu1('paris', 'paris france') // => 0.36787944117144233 (brevity penalty e^(1-2))
 */
export function bleu1(prediction: string, gold: string | number): number {
  const reference = answerToString(gold).trim();
  const hypothesis = prediction.trim();
  if (hypothesis === '' || reference === '') return 0;
  return bleu(hypothesis, reference, [1, 0, 0, 0]);
}

/**
 * SQuAD-style normalization for exact match: lowercase, strip ASCII punctuation, drop a/an/the, collapse spaces.
 * @example normalizeAnswer('The  Eiffel Tower!') // => 'eiffel tower'
 */
export function normalizeAnswer(answer: string | number): string {
  return collapseWhitespace(
    stripAsciiPunctuation(answerToString(answer).toLowerCase()).replace(ARTICLES, ' '),
  );
}

/**
 * True when prediction and gold are equal after `normalizeAnswer` (the RL exact-match reward).
 * @example exactMatch('the Eiffel tower.', 'Eiffel Tower') // => true
 */
export function exactMatch(prediction: string | number, gold: string | number): boolean {
  return normalizeAnswer(prediction) === normalizeAnswer(gold);
}
