/**
 * Reading the Answer Agent's reply: the memory list, then a line starting with `**Answer:**`. Models vary the
 * marker (`Answer:`, `**Answer**:`, `### Answer:`, any case), so all of those are accepted; with no marker the
 * whole reply is the answer and the result is flagged. Listed memories are matched back to the candidates by
 * alias (`[3]`, `id 3`, `Memory 3`) or, when the model copied the text instead, by word overlap.
 */
import type { AnswerMode } from './prompts/answer-agent';

const MARKER =
  /(?:^|\n)[ \t>#]*(?:\*\*|__)?[ \t]*(?:final[ \t]+)?answer[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?|\*\*[ \t]*(?:final[ \t]+)?answer[ \t]*:?[ \t]*\*\*[ \t]*:?/i;

/** Where the answer marker is in `text`: `start` of the marker, `end` where the answer begins. */
export function findAnswerMarker(text: string): { start: number; end: number } | undefined {
  const m = MARKER.exec(text);
  if (!m) return undefined;
  const leadingNewline = m[0].startsWith('\n') ? 1 : 0;
  return { start: m.index + leadingNewline, end: m.index + m[0].length };
}

const countOf = (text: string, token: string): number => text.split(token).length - 1;

/**
 * Tidies the text after the marker: leading colons and space, unbalanced bold markers left from a variant marker,
 * and a bold wrapping the whole answer. Benchmark answers keep only their first line.
 * @example cleanAnswer('** Paris**\n', 'benchmark') // => 'Paris'
 */
export function cleanAnswer(text: string, mode: AnswerMode): string {
  let s = text.replace(/^[\s:]+/, '');
  if (mode === 'benchmark') s = s.split('\n').find((line) => line.trim() !== '') ?? '';
  s = s.trim();
  for (const token of ['**', '__']) {
    if (s.startsWith(token) && countOf(s, token) % 2 === 1) s = s.slice(token.length).trimStart();
    if (s.endsWith(token) && countOf(s, token) % 2 === 1) s = s.slice(0, -token.length).trimEnd();
    if (s.startsWith(token) && s.endsWith(token) && countOf(s, token) === 2 && s.length > 2 * token.length) {
      s = s.slice(token.length, -token.length).trim();
    }
  }
  return s;
}

/** A reply split into the memory listing and the answer. */
export interface ParsedAnswer {
  answer: string;
  /** The text before the marker (the distilled memories); the whole reply when there is no marker. */
  listing: string;
  markerFound: boolean;
}

/**
 * Splits a reply at the answer marker.
 * @example parseAnswer('Memories used:\n- [0] Caroline went to Paris\n**Answer:** Paris', 'benchmark')
 * // => { answer: 'Paris', listing: 'Memories used:\n- [0] Caroline went to Paris', markerFound: true }
 */
export function parseAnswer(raw: string, mode: AnswerMode): ParsedAnswer {
  const marker = findAnswerMarker(raw);
  if (!marker) return { answer: cleanAnswer(raw, 'chat'), listing: raw, markerFound: false };
  return {
    answer: cleanAnswer(raw.slice(marker.end), mode),
    listing: raw.slice(0, marker.start).trim(),
    markerFound: true,
  };
}

const words = (text: string): Set<string> => new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

function dice(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return (2 * shared) / (a.size + b.size);
}

const EXPLICIT_ALIAS = /\[\s*(\d+)\s*\]|\b(?:id|memory|mem)\s*#?\s*[:=]?\s*"?(\d+)\b|"id"\s*:\s*"?(\d+)/gi;
/** Word overlap (Dice) a copied memory line needs to count as that memory. */
const MIN_TEXT_OVERLAP = 0.6;

/**
 * The indices (into `candidates`, whose aliases are their indices as strings) of the memories a listing names,
 * in listing order without repeats. With `explicitOnly`, only alias references count (used when the reply had no
 * marker, so the listing is really the answer).
 */
export function matchListedMemories(
  listing: string,
  candidates: readonly { text: string }[],
  explicitOnly = false,
): number[] {
  const found: number[] = [];
  const add = (index: number) => {
    if (index >= 0 && index < candidates.length && !found.includes(index)) found.push(index);
  };
  const candidateWords = candidates.map((c) => words(c.text));
  for (const rawLine of listing.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || /^memories used\s*:?\s*(none\.?)?$/i.test(line)) continue;
    const explicit = [...line.matchAll(EXPLICIT_ALIAS)].map((m) => Number(m[1] ?? m[2] ?? m[3]));
    if (explicit.length > 0) {
      explicit.forEach(add);
      continue;
    }
    if (explicitOnly) continue;
    const body = line.replace(/^memories used\s*:\s*/i, '');
    if (/^[\d\s,;.]+$/.test(body)) {
      for (const n of body.match(/\d+/g) ?? []) add(Number(n));
      continue;
    }
    const lineWords = words(body.replace(/^([-*•]|\d+[.)])\s+/, ''));
    let best = -1;
    let bestScore = MIN_TEXT_OVERLAP;
    candidateWords.forEach((cw, i) => {
      const score = dice(lineWords, cw);
      if (score >= bestScore && (score > bestScore || best === -1)) {
        best = i;
        bestScore = score;
      }
    });
    if (best >= 0) add(best);
  }
  return found;
}
