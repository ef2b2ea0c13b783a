/**
 * Validation at the public entry points (API calls, worker requests): input is checked with a zod schema before
 * any model call or write, and a wrong value fails at once with an `InvalidInputError` naming the field, the form
 * expected and what was given.
 */
import type { z } from 'zod';
import { InvalidInputError } from './errors';

/** What a value is, in words: `a string`, `a number`, `null`, `an array`, ... */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The value at `path` inside `input` (undefined when the path does not exist). */
function at(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Parses `input` with `schema`, or throws an `InvalidInputError` saying `where` it was given, which field is wrong,
 * the schema's message (the expected form) and what was given.
 * @example parseInput(z.object({ time: z.number() }), { time: '2024' }, 'processTurn')
 * // throws "processTurn: time must be … (got a string)."
 */
export function parseInput<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const field = path.length > 0 ? path.map(String).join('.') : 'the input';
  throw new InvalidInputError(
    `${where}: ${field} ${issue?.message ?? 'is invalid'} (got ${describe(at(input, path))}).`,
  );
}
