/**
 * Splitting a text too long for one prompt into consecutive chunks that each fit. Each chunk is as long as fits and
 * ends at the coarsest boundary near that limit: a blank line, else a sentence end or line break, else a space (the
 * whitespace stays with the chunk before). A word is cut only when no space fits, and never inside a surrogate pair.
 */
import { PromptTooLargeError } from './errors';

/** A paragraph or sentence boundary is taken only when its chunk keeps at least this share of the most that fits. */
const MIN_FILL = 0.5;

/** Boundaries from coarsest to finest; a chunk may end where a match ends. */
const BOUNDARIES: readonly RegExp[] = [
  /\n[^\S\n]*\n\s*/g,
  /[.!?…]+["'”’)\]]*\s+|[。！？]+\s*|\n\s*/gu,
  /\s+/g,
];

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** True when `pos` falls between the two halves of a surrogate pair. */
function insidePair(text: string, pos: number): boolean {
  return (
    pos > 0 &&
    pos < text.length &&
    isHighSurrogate(text.charCodeAt(pos - 1)) &&
    isLowSurrogate(text.charCodeAt(pos))
  );
}

/** The last value in the ascending `list` that is at most `limit`, or -1. */
function lastAtMost(list: readonly number[], limit: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! <= limit) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? list[lo - 1]! : -1;
}

/**
 * Splits `text` into consecutive chunks, each accepted by `fits` (which must accept every prefix of an accepted
 * text); joined they give `text` back. Throws `PromptTooLargeError` when not even one character fits.
 * @example await chunkText('One. Two. Three.', async (t) => t.length <= 10) // => ['One. Two. ', 'Three.']
 */
export async function chunkText(
  text: string,
  fits: (chunk: string) => boolean | Promise<boolean>,
): Promise<string[]> {
  const ok = async (start: number, end: number) => fits(text.slice(start, end));
  const levels = BOUNDARIES.map((re) => [...text.matchAll(re)].map((m) => m.index + m[0].length));
  const chunks: string[] = [];
  let start = 0;
  let guess = text.length;
  while (start < text.length) {
    const max = await longestFit(text, start, guess, ok);
    const end = await boundaryEnd(levels, start, max, text.length, ok);
    chunks.push(text.slice(start, end));
    guess = end - start;
    start = end;
  }
  return chunks;
}

/** The largest end after `start` (on a code point boundary) whose chunk fits: doubling from `guess`, then bisecting. */
async function longestFit(
  text: string,
  start: number,
  guess: number,
  ok: (start: number, end: number) => Promise<boolean>,
): Promise<number> {
  const first = start + (insidePair(text, start + 1) ? 2 : 1);
  if (!(await ok(start, first))) {
    throw new PromptTooLargeError(
      'Not even one character of the text fits the room the prompt leaves for it. ' +
        'Use a model with a larger context window or reserve fewer output tokens.',
    );
  }
  let lo = first;
  let hi = text.length + 1;
  let step = Math.max(guess, 1);
  while (lo < text.length) {
    let candidate = Math.min(text.length, start + step);
    if (insidePair(text, candidate)) candidate += 1;
    step *= 2;
    if (candidate <= lo) continue;
    if (!(await ok(start, candidate))) {
      hi = candidate;
      break;
    }
    lo = candidate;
  }
  while (hi - lo > 1) {
    let mid = Math.floor((lo + hi) / 2);
    if (insidePair(text, mid)) mid = mid + 1 < hi ? mid + 1 : mid - 1;
    if (mid <= lo) break;
    if (await ok(start, mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Where the chunk from `start` ends: the coarsest boundary that keeps it long enough, else `max` itself. */
async function boundaryEnd(
  levels: readonly (readonly number[])[],
  start: number,
  max: number,
  length: number,
  ok: (start: number, end: number) => Promise<boolean>,
): Promise<number> {
  if (max === length) return max;
  for (const [i, boundaries] of levels.entries()) {
    const end = lastAtMost(boundaries, max);
    const enough =
      i === levels.length - 1 ? end > start : end > start && end - start >= (max - start) * MIN_FILL;
    // Checked again: a real tokenizer's counts need not grow with every added character.
    if (enough && (end === max || (await ok(start, end)))) return end;
  }
  return max;
}
