/**
 * The test server's default handler: a fake Memory-R1 model that answers the three calls of the agent
 * deterministically from the prompt alone (`memory_facts`: sentences of the turn; `memory_operations`: ADD, UPDATE
 * or NOOP by text overlap; plain chat: the memory sharing most content words with the question). The rules are
 * documented in openai-test-server.ts under "Default handler".
 */
import { stemmer } from 'stemmer';
import { z } from 'zod';
import type { Handler } from './test-server-types';

/** Whitespace-separated words of a text (the server's stand-in for tokens). */
export function countWords(text: string): number {
  return text.split(/\s+/).filter((w) => w !== '').length;
}

// ---- Default (schema-aware) handler ---------------------------------------------------------------------------

const memoryItemSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  text: z.string(),
});
const turnBlockSchema = z.object({ turn: z.string(), speaker: z.string().nullish() });
const decideBlockSchema = z.object({ facts: z.array(z.string()), memories: z.array(memoryItemSchema) });
const answerBlockSchema = z.object({ memories: z.array(memoryItemSchema), question: z.string() });

/** The deterministic Memory-R1 stand-in described in the module header. */
export const defaultHandler: Handler = (req) => {
  const lastUser = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  switch (req.schemaName) {
    case 'memory_facts':
      return JSON.stringify({ facts: extractFacts(lastUser) });
    case 'memory_operations':
      return JSON.stringify({ operations: decideOperations(lastUser) });
    case undefined:
      return answerQuestion(lastUser);
    default:
      return '{}';
  }
};

/** The facts the default handler extracts from a `memory_facts` prompt (see the module header). */
export function extractFacts(prompt: string): string[] {
  let turn = prompt;
  let speaker: string | undefined;
  const block = lastMatching(prompt, turnBlockSchema);
  if (block) {
    turn = block.turn;
    speaker = block.speaker ?? undefined;
  } else {
    const turnLine = [...prompt.matchAll(/^\s*Turn:[ \t]*(.*)$/gm)].at(-1);
    if (turnLine) {
      turn = turnLine[1] ?? '';
      speaker = [...prompt.matchAll(/^\s*Speaker:[ \t]*(.*)$/gm)].at(-1)?.[1]?.trim() || undefined;
    }
  }
  return turn
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.endsWith('?') && countWords(s) >= 3)
    .map((s) => (speaker ? `${speaker}: ${s}` : s));
}

/** A strict-form memory operation as the default handler emits it. */
export interface StrictOperation {
  op: 'ADD' | 'UPDATE' | 'DELETE' | 'NOOP';
  id: string | null;
  text: string | null;
}

/** The operations the default handler decides for a `memory_operations` prompt (see the module header). */
export function decideOperations(prompt: string): StrictOperation[] {
  const block = lastMatching(prompt, decideBlockSchema);
  if (!block) return [];
  const ops: StrictOperation[] = [];
  const seenFacts = new Set<string>();
  const updated = new Set<string>();
  for (const fact of block.facts) {
    const key = fact.trim().toLowerCase();
    if (key === '' || seenFacts.has(key)) continue;
    seenFacts.add(key);
    const same = block.memories.find((m) => m.text.trim().toLowerCase() === key);
    if (same) {
      ops.push({ op: 'NOOP', id: same.id, text: null });
      continue;
    }
    const head = firstWords(fact, 3);
    const related =
      head.length === 3
        ? block.memories.find((m) => !updated.has(m.id) && firstWords(m.text, 3).join(' ') === head.join(' '))
        : undefined;
    if (related) {
      updated.add(related.id);
      ops.push({ op: 'UPDATE', id: related.id, text: fact.trim() });
    } else {
      ops.push({ op: 'ADD', id: null, text: fact.trim() });
    }
  }
  return ops;
}

/** The memory-distillation answer the default handler gives to a plain chat prompt (see the module header). */
export function answerQuestion(prompt: string): string {
  const block = lastMatching(prompt, answerBlockSchema);
  const question = new Set(contentWords(block?.question ?? ''));
  const ranked = (block?.memories ?? [])
    .map((m, order) => ({ m, order, score: contentWords(m.text).filter((w) => question.has(w)).length }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, 3);
  const best = ranked[0];
  if (!best) return "Memories used:\n**Answer:** I don't know.";
  return `Memories used:\n${ranked.map((r) => `- ${r.m.text}`).join('\n')}\n**Answer:** ${best.m.text}`;
}

const STOP_WORDS = new Set(
  (
    'a an the and or but if of to in on at by for with about from into over after before is are was were be been ' +
    'being am do does did have has had i me my mine you your yours he him his she her hers it its we us our they ' +
    'them their what which who whom whose when where why how this that these those there here not no so than too ' +
    'very can could will would should shall may might must just also as up down out off again then once any all ' +
    'some such own same other more most both each few nor only s t don'
  ).split(' '),
);

function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => !STOP_WORDS.has(w))
    .map((w) => stemmer(w));
}

function firstWords(text: string, n: number): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).slice(0, n);
}

/** The last top-level JSON object in `text` that satisfies `schema`. */
function lastMatching<T>(text: string, schema: z.ZodType<T>): T | undefined {
  let found: T | undefined;
  for (const value of jsonObjectsIn(text)) {
    const r = schema.safeParse(value);
    if (r.success) found = r.data;
  }
  return found;
}

/** Every balanced `{...}` span of `text` that parses as JSON, scanning left to right without overlaps. */
function jsonObjectsIn(text: string): unknown[] {
  const out: unknown[] = [];
  let i = text.indexOf('{');
  while (i !== -1) {
    const end = balancedEnd(text, i);
    if (end !== -1) {
      try {
        out.push(JSON.parse(text.slice(i, end + 1)));
        i = text.indexOf('{', end + 1);
        continue;
      } catch {
        // Not JSON after all (e.g. prose in braces): keep scanning from the next brace.
      }
    }
    i = text.indexOf('{', i + 1);
  }
  return out;
}

function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

// ---- CLI -------------------------------------------------------------------------------------------------------
