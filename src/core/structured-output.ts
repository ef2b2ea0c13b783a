/**
 * Getting validated JSON out of a chat model. Even with constrained decoding, models (and servers that ignore
 * `response_format`) wrap JSON in prose or code fences, use typographic quotes or leave a trailing comma; those are
 * repaired mechanically. What cannot be repaired without guessing content (truncated JSON, wrong types) gets one
 * repair round-trip with the model; after that the caller receives a `ModelOutputError` carrying the raw output.
 * Nothing here ever falls back to an empty result: an empty list would silently lose the user's memories.
 */
import type { z } from 'zod';
import { ModelOutputError, throwIfAborted } from './errors';
import type { StructuredOutputSpec } from './schemas';
import type { CallOptions, ChatMessage, ChatModel, ChatResult } from './types';

/** The outcome of looking for JSON in model text. */
export type JsonExtraction =
  { ok: true; values: unknown[]; truncated: boolean } | { ok: false; error: string };

const OPEN_SMART_DOUBLE = '\u201c';
const CLOSE_SMART_DOUBLE = '\u201d';
const isSmartDoubleQuote = (ch: string): boolean =>
  ch === OPEN_SMART_DOUBLE || ch === CLOSE_SMART_DOUBLE || ch === '\u201e' || ch === '\u201f';

/** True when `text[i]` (a quote) is followed, after spaces, by a character that ends a JSON string token. */
function closesString(text: string, i: number): boolean {
  for (let j = i + 1; j < text.length; j++) {
    const ch = text[j]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') continue;
    return ch === ':' || ch === ',' || ch === '}' || ch === ']';
  }
  return true;
}

/**
 * Scans one JSON value starting at `start` (a `{` or `[`), rewriting typographic quotes used as string delimiters
 * and dropping trailing commas before `}`/`]`. Typographic quotes inside ordinary strings are content and stay.
 * Returns the repaired text and where the value ended, or `truncated` when the input ends before it closes.
 */
function scanValue(
  text: string,
  start: number,
): { json: string; end: number } | { truncated: true } | { mismatched: true } {
  const out: string[] = [];
  const stack: string[] = [];
  let inString: 'plain' | 'smart' | null = null;
  let pendingComma = -1;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') {
        out.push(ch, text[i + 1] ?? '');
        i++;
        continue;
      }
      if (inString === 'plain' && ch === '"') {
        inString = null;
        out.push(ch);
      } else if (inString === 'smart' && isSmartDoubleQuote(ch) && closesString(text, i)) {
        inString = null;
        out.push('"');
      } else if (inString === 'smart' && ch === '"') {
        out.push('\\"');
      } else if (ch === '\n') {
        out.push('\\n');
      } else if (ch === '\r') {
        out.push('\\r');
      } else if (ch === '\t') {
        out.push('\\t');
      } else {
        out.push(ch);
      }
      continue;
    }
    if (ch === '"' || isSmartDoubleQuote(ch)) {
      pendingComma = -1;
      inString = ch === '"' ? 'plain' : 'smart';
      out.push('"');
      continue;
    }
    if (ch === '{' || ch === '[') {
      pendingComma = -1;
      stack.push(ch === '{' ? '}' : ']');
      out.push(ch);
      continue;
    }
    if (ch === '}' || ch === ']') {
      if (stack.pop() !== ch) return { mismatched: true };
      if (pendingComma >= 0) out[pendingComma] = '';
      pendingComma = -1;
      out.push(ch);
      if (stack.length === 0) return { json: out.join(''), end: i + 1 };
      continue;
    }
    if (ch === ',') {
      pendingComma = out.length;
    } else if (!/\s/.test(ch)) {
      pendingComma = -1;
    }
    out.push(ch);
  }
  return { truncated: true };
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Every balanced, parseable `{…}`/`[…]` in `source`, left to right, and whether one was cut off. */
function scanSource(source: string): { values: unknown[]; truncated: boolean } {
  const values: unknown[] = [];
  let truncated = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch !== '{' && ch !== '[') continue;
    const scanned = scanValue(source, i);
    if ('mismatched' in scanned) continue;
    if ('truncated' in scanned) {
      truncated = true;
      continue;
    }
    const parsed = tryParse(scanned.json);
    if (parsed.ok) {
      values.push(parsed.value);
      i = scanned.end - 1;
    }
  }
  return { values, truncated };
}

/**
 * Finds the JSON values in a model reply, best candidates first: the whole reply, fenced blocks, then every
 * balanced `{…}`/`[…]` in the prose. Truncated JSON is reported as such, never completed by guessing.
 * @example extractJson('Sure!\n```json\n{"facts": ["a",]}\n```') // => { ok: true, values: [{ facts: ['a'] }], truncated: false }
 */
export function extractJson(raw: string): JsonExtraction {
  const text = raw.replace(/^\uFEFF/, '').trim();
  if (text === '') return { ok: false, error: 'The reply was empty.' };
  const whole = tryParse(text);
  if (whole.ok) return { ok: true, values: [whole.value], truncated: false };

  const fenced = [...text.matchAll(/```[a-zA-Z0-9_-]*[ \t]*\r?\n?([\s\S]*?)```/g)].map((m) => m[1]!.trim());
  let values: unknown[] = [];
  let truncated = false;
  // Fenced blocks are what the model meant as its output; the surrounding prose is searched only without them.
  for (const sources of [fenced, [text]]) {
    for (const source of sources) {
      const found = scanSource(source);
      values.push(...found.values);
      truncated ||= found.truncated;
    }
    if (values.length > 0) break;
    values = [];
  }
  if (values.length > 0) return { ok: true, values, truncated };
  if (truncated) {
    return { ok: false, error: 'The JSON was cut off before it ended (truncated output).' };
  }
  return { ok: false, error: 'The reply contained no valid JSON object.' };
}

/** Formats zod issues as one line a model (and a person) can act on. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates model text against a structured-output spec: `{ok, value}` or `{ok: false, error}` to show the model. */
export function parseStructured<T>(
  raw: string,
  spec: StructuredOutputSpec<T>,
): { ok: true; value: T } | { ok: false; error: string } {
  const extracted = extractJson(raw);
  if (!extracted.ok) return extracted;
  let firstError: string | undefined;
  for (const value of extracted.values) {
    const result = spec.validator.safeParse(value);
    if (result.success) return { ok: true, value: result.data };
    firstError ??= describeIssues(result.error);
  }
  const cutOff = extracted.truncated ? ' (part of the JSON was cut off before it ended)' : '';
  return {
    ok: false,
    error: `The JSON does not match the ${spec.name} schema${cutOff}: ${firstError ?? 'unknown'}.`,
  };
}

/** Options of `completeStructured`. */
export interface StructuredCallOptions extends CallOptions {
  temperature?: number;
  maxTokens?: number;
}

/** A validated structured result with the raw text it came from. */
export interface StructuredResult<T> {
  value: T;
  raw: string;
  /** True when the first reply was invalid and the repair attempt succeeded. */
  repaired: boolean;
}

function repairMessage(specName: string, error: string, finish: ChatResult['finishReason']): string {
  const cutOff =
    finish === 'length' ? ' Your reply was cut off by the length limit, so keep it shorter this time.' : '';
  return (
    `Your previous reply could not be used: ${error}${cutOff}\n` +
    `Reply again with only the corrected JSON object for "${specName}", following the schema exactly. ` +
    'No explanations, no code fences.'
  );
}

/**
 * Asks the model for a structured output and validates it; on invalid output sends one repair request (the bad
 * reply and the validation error), and if that fails too throws `ModelOutputError` with both raw replies.
 * Model errors (server down, abort) propagate unchanged.
 */
export async function completeStructured<T>(
  model: ChatModel,
  messages: ChatMessage[],
  spec: StructuredOutputSpec<T>,
  opts: StructuredCallOptions = {},
): Promise<StructuredResult<T>> {
  const schema = { name: spec.name, schema: spec.jsonSchema };
  const request = { messages, schema, temperature: opts.temperature, maxTokens: opts.maxTokens };
  throwIfAborted(opts.signal);
  const first = await model.complete(request, { signal: opts.signal });
  const firstParse = parseStructured(first.text, spec);
  if (firstParse.ok) return { value: firstParse.value, raw: first.text, repaired: false };

  throwIfAborted(opts.signal);
  const repairMessages: ChatMessage[] = [
    ...messages,
    { role: 'assistant', content: first.text },
    { role: 'user', content: repairMessage(spec.name, firstParse.error, first.finishReason) },
  ];
  const second = await model.complete({ ...request, messages: repairMessages }, { signal: opts.signal });
  const secondParse = parseStructured(second.text, spec);
  if (secondParse.ok) return { value: secondParse.value, raw: second.text, repaired: true };

  const raw = `${first.text}\n--- repair attempt ---\n${second.text}`;
  throw new ModelOutputError(
    `The model's ${spec.name} output was invalid twice (${secondParse.error}). ` +
      'Retry the turn; if it keeps failing, try a larger model or a server that supports JSON-schema output.',
    raw,
  );
}
