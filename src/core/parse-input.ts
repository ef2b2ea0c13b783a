/**
 * Validation at the public entry points (API calls, store methods, worker requests): input is checked with a zod
 * schema before any model call or write, and a wrong value fails at once with an `InvalidInputError` (or the error
 * the caller names) saying where, which field, the form expected and what was given. A schema without its own
 * message gets one in words from `expectedForm` (`must be a string`, `must not be empty`, ...). A worker checks the
 * params of every request with `checkedHandlers`.
 */
import type { z } from 'zod';
import { InvalidInputError } from './errors';
import type { RpcHandlers, RpcSpec } from './rpc';

/** What a value is, in words: `a string`, `a number`, `NaN`, `null`, `an array`, ... */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
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

/** zod's type names in words. */
const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a finite number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** Values in words: `'a', 'b' or 'c'` (or `and` as `conjunction`). */
function listOf(values: readonly unknown[], conjunction = 'or'): string {
  const words = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  const last = words.pop() ?? 'nothing';
  return words.length > 0 ? `${words.join(', ')} ${conjunction} ${last}` : last;
}

/** A bound in words: `at least 1 character`, `more than 0`, `at most 10 items`. */
function bound(
  issue: { origin: string; inclusive?: boolean },
  limit: unknown,
  side: 'least' | 'most',
): string {
  const word = issue.inclusive === false ? (side === 'least' ? 'more than' : 'less than') : `at ${side}`;
  const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
  return `must be ${word} ${String(limit)}${unit}`;
}

/** The expected form of a field in words, for a schema that gives no message of its own. */
const expectedForm: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}`;
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1
        ? 'must not be empty'
        : bound(issue, issue.minimum, 'least');
    case 'too_big':
      return bound(issue, issue.maximum, 'most');
    case 'invalid_value':
      return `must be ${listOf(issue.values)}`;
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options)
        ? `must be ${listOf(issue.options)}`
        : undefined;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length > 1 ? 's' : ''} ${listOf(issue.keys, 'and')}`;
    default:
      return undefined;
  }
};

/**
 * Parses `input` with `schema`, or throws an error (an `InvalidInputError` unless `fail` makes another) saying
 * `where` it was given, which field is wrong, the expected form and what was given.
 * @example parseInput(z.object({ time: z.number() }), { time: '2024' }, 'processTurn')
 * // throws "processTurn: time must be … (got a string)."
 */
export function parseInput<T>(
  schema: z.ZodType<T>,
  input: unknown,
  where: string,
  fail: (message: string) => Error = (message) => new InvalidInputError(message),
): T {
  const result = schema.safeParse(input, { error: expectedForm });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path ?? [];
  const field = path.length > 0 ? path.map(String).join('.') : 'the input';
  throw fail(`${where}: ${field} ${issue?.message ?? 'is invalid'} (got ${describe(at(input, path))}).`);
}

/** The zod schema of each method's params of an RPC protocol. */
export type ParamSchemas<R extends RpcSpec> = { [M in keyof R]: z.ZodType<R[M]['params']> };

/**
 * `handlers` with each method's params checked by its schema first, so a wrong param is refused before any work
 * with an `InvalidInputError` naming the method and the field; the handler gets the parsed params.
 * @example serveRpc(endpoint, checkedHandlers(memoryRpcParams, handlers))
 */
export function checkedHandlers<R extends RpcSpec>(
  schemas: ParamSchemas<R>,
  handlers: RpcHandlers<R>,
): RpcHandlers<R> {
  const checked: Partial<RpcHandlers<R>> = {};
  for (const method of Object.keys(handlers) as (keyof R & string)[]) {
    const handler = handlers[method];
    const schema = schemas[method];
    checked[method] = async (params, ctx) => handler(parseInput(schema, params, method), ctx);
  }
  return checked as RpcHandlers<R>;
}
