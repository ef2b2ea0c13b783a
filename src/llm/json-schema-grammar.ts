/**
 * JSON Schema to GBNF, llama.cpp's grammar format, for the schemas our structured outputs send (`MEMORY_FACTS`,
 * `MEMORY_OPERATIONS`: zod's strict JSON Schema, see `src/core/schemas.ts`). llama.cpp samples only tokens the
 * grammar allows, so the reply is the schema's JSON by construction, and once the root value closes only
 * end-of-turn remains. We write the grammar ourselves rather than send the schema: llama-server's chat path then
 * also parses the reply against the schema with a second parser, which rejects some replies its own grammar
 * allowed (seen with small models), while a plain grammar leaves the reply untouched.
 *
 * Supported: `type` (one or a list) object / array / string / integer / number / boolean / null, `properties`
 * with every property `required` (written in the schema's order) and no additional properties, `items`,
 * `minItems` / `maxItems`, `minLength` / `maxLength`, `enum`, `const`, `anyOf` / `oneOf`. Anything else throws
 * `UnsupportedSchemaError`. Whitespace between tokens is at most one space, which keeps small models from
 * spending their token budget on blank lines.
 */
import { AppError } from '../core/errors';
import type { JsonSchema } from '../core/types';

/** A schema feature the grammar converter does not handle. */
export class UnsupportedSchemaError extends AppError {
  constructor(detail: string) {
    super(
      'schema-unsupported',
      `The CPU engine cannot constrain output to this JSON schema (${detail}). Use the schemas in src/core/schemas.ts or extend src/llm/json-schema-grammar.ts.`,
    );
  }
}

/** Rules every grammar shares: one optional space, JSON string characters (no lone surrogate escapes). */
const BASE_RULES: Record<string, string> = {
  ws: '" "?',
  char: '[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" ([0-9a-cA-Ce-fE-F] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))',
  string: '"\\"" char* "\\""',
  integer: '"-"? ("0" | [1-9] [0-9]{0,15})',
  number: 'integer ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,3})?',
  boolean: '"true" | "false"',
  null: '"null"',
};

const KNOWN_KEYS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'description',
  'title',
]);

/** A rule name from the schema path's last segment (`/operations/item` gives `item`). */
function hint(path: string, fallback: string): string {
  return path.split('/').pop() || fallback;
}

/** A GBNF literal matching exactly the JSON text of `value`. */
function literal(value: unknown): string {
  return JSON.stringify(JSON.stringify(value));
}

/** `x{min,max}` with GBNF's bounded repetition (`max` undefined: unbounded). */
function repeat(item: string, min: number, max: number | undefined): string {
  if (max === undefined) return min === 0 ? `${item}*` : `${item}{${min},}`;
  return `${item}{${min},${max}}`;
}

function asSchema(value: unknown, where: string): JsonSchema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UnsupportedSchemaError(`${where} is not a schema object`);
  }
  return value as JsonSchema;
}

function count(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new UnsupportedSchemaError(`${key} must be a non-negative integer`);
  }
  return value;
}

/** Builds rules into `rules`, returning the expression for `schema` (see the module header). */
class GrammarBuilder {
  readonly rules = new Map<string, string>(Object.entries(BASE_RULES));
  private next = 0;

  /** Adds a named rule and returns its name. */
  private rule(hint: string, body: string): string {
    const name = `${hint.replace(/[^a-zA-Z0-9-]/g, '-').toLowerCase() || 'r'}-${this.next++}`;
    this.rules.set(name, body);
    return name;
  }

  expression(schema: JsonSchema, path: string): string {
    for (const key of Object.keys(schema)) {
      if (!KNOWN_KEYS.has(key)) throw new UnsupportedSchemaError(`"${key}" at ${path}`);
    }
    if (schema.const !== undefined) return literal(schema.const);
    if (schema.enum !== undefined) {
      if (!Array.isArray(schema.enum) || schema.enum.length === 0) {
        throw new UnsupportedSchemaError(`enum at ${path} must be a non-empty list`);
      }
      return `(${schema.enum.map(literal).join(' | ')})`;
    }
    const alternatives = schema.anyOf ?? schema.oneOf;
    if (alternatives !== undefined) {
      if (!Array.isArray(alternatives)) throw new UnsupportedSchemaError(`anyOf at ${path} must be a list`);
      return `(${alternatives.map((s, i) => this.expression(asSchema(s, `${path}/anyOf/${i}`), path)).join(' | ')})`;
    }
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.length > 1) {
      return `(${types.map((t) => this.expression({ ...schema, type: t }, path)).join(' | ')})`;
    }
    switch (types[0]) {
      case 'object':
        return this.object(schema, path);
      case 'array':
        return this.array(schema, path);
      case 'string':
        return this.string(schema, path);
      case 'integer':
      case 'number':
      case 'boolean':
      case 'null':
        return types[0];
      default:
        throw new UnsupportedSchemaError(`type ${JSON.stringify(types[0])} at ${path}`);
    }
  }

  private object(schema: JsonSchema, path: string): string {
    const properties = asSchema(schema.properties ?? {}, `${path}/properties`);
    const names = Object.keys(properties);
    const required = Array.isArray(schema.required) ? schema.required : [];
    if (names.some((n) => !required.includes(n))) {
      throw new UnsupportedSchemaError(`optional properties at ${path} (make every property required)`);
    }
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
      throw new UnsupportedSchemaError(`additionalProperties at ${path}`);
    }
    const members = names.map((name) => {
      const value = this.expression(asSchema(properties[name], `${path}/${name}`), `${path}/${name}`);
      return `${literal(name)} ws ":" ws ${value}`;
    });
    const body = members.length === 0 ? '"{" ws "}"' : `"{" ws ${members.join(' ws "," ws ')} ws "}"`;
    return this.rule(hint(path, 'object'), body);
  }

  private array(schema: JsonSchema, path: string): string {
    const item = this.expression(asSchema(schema.items ?? {}, `${path}/items`), `${path}/item`);
    const min = count(schema.minItems, 'minItems') ?? 0;
    const max = count(schema.maxItems, 'maxItems');
    if (max !== undefined && max < min) throw new UnsupportedSchemaError(`maxItems < minItems at ${path}`);
    const itemRule = this.rule(`${hint(path, 'array')}-item`, item);
    const rest = repeat(
      `(ws "," ws ${itemRule})`,
      Math.max(0, min - 1),
      max === undefined ? undefined : Math.max(0, max - 1),
    );
    const items = `${itemRule} ${rest}`;
    const body =
      max === 0 ? '"[" ws "]"' : min === 0 ? `"[" ws (${items})? ws "]"` : `"[" ws ${items} ws "]"`;
    return this.rule(hint(path, 'array'), body);
  }

  private string(schema: JsonSchema, path: string): string {
    const min = count(schema.minLength, 'minLength') ?? 0;
    const max = count(schema.maxLength, 'maxLength');
    if (min === 0 && max === undefined) return 'string';
    return this.rule(`${hint(path, 'string')}-string`, `"\\"" ${repeat('char', min, max)} "\\""`);
  }
}

/**
 * The GBNF grammar accepting exactly the JSON documents of `schema` (within the supported subset).
 * @example jsonSchemaToGbnf({ type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false })
 * // => 'root ::= ok-0\nok-0 ::= "{" ws "\\"ok\\"" ws ":" ws boolean ws "}"\nws ::= " "?\n…'
 */
export function jsonSchemaToGbnf(schema: JsonSchema): string {
  const builder = new GrammarBuilder();
  const root = builder.expression(schema, '');
  // Only the shared rules something refers to, so each grammar lists what it uses.
  const used = new Set<string>();
  const visit = (body: string) => {
    for (const [name, rule] of builder.rules) {
      if (!used.has(name) && new RegExp(`(^|[\\s(|])${name}([\\s)*?{|]|$)`).test(body)) {
        used.add(name);
        visit(rule);
      }
    }
  };
  visit(root);
  const lines = [
    `root ::= ${root}`,
    ...[...builder.rules].filter(([n]) => used.has(n)).map(([n, b]) => `${n} ::= ${b}`),
  ];
  return `${lines.join('\n')}\n`;
}
