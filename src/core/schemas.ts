/**
 * Output schemas of the Memory Manager's two structured calls, `memory_facts` and `memory_operations`. Each is
 * written once in zod; the strict JSON Schema sent to the model for constrained decoding (every property required,
 * an absent value is `null`, no extra properties) and the lenient runtime validator (missing or `null` both accepted,
 * numeric ids and lower-case op names tolerated) are both derived from it, so the two can never drift apart.
 */
import { z } from 'zod';
import type { JsonSchema } from './types';

/** Most facts one turn may yield; a turn with more is summarised into fewer, broader facts. */
export const MAX_FACTS_PER_TURN = 12;
/** Longest fact, in characters; keeps the decision prompt within a 4,096-token context. */
export const MAX_FACT_CHARS = 300;
/** Longest memory text an ADD or UPDATE may write, in characters. */
export const MAX_MEMORY_CHARS = 1000;
/** Most operations one decision may return. */
export const MAX_OPERATIONS = 64;
/** Longest alias the model may name (aliases are short integers). */
const MAX_ALIAS_CHARS = 16;

/** The operations the Memory Manager may choose. */
export const MEMORY_OPS = ['ADD', 'UPDATE', 'DELETE', 'NOOP'] as const;
/** One of `MEMORY_OPS`. */
export type MemoryOpName = (typeof MEMORY_OPS)[number];

const factsShape = z.object({
  facts: z.array(z.string().max(MAX_FACT_CHARS)).max(MAX_FACTS_PER_TURN),
});

const operationShape = z.object({
  op: z.enum(MEMORY_OPS),
  id: z.string().max(MAX_ALIAS_CHARS).nullable(),
  text: z.string().max(MAX_MEMORY_CHARS).nullable(),
});

const operationsShape = z.object({
  operations: z.array(operationShape).max(MAX_OPERATIONS),
});

/** Small models sometimes answer with the bare array instead of the wrapping object; the intent is unambiguous. */
function wrapBareArray(key: string) {
  return (value: unknown): unknown => (Array.isArray(value) ? { [key]: value } : value);
}

/** Validates `memory_facts` output: `{facts: string[]}` (a bare array is accepted too). */
export const memoryFactsSchema = z.preprocess(wrapBareArray('facts'), factsShape);
/** A validated `memory_facts` output. */
export type MemoryFacts = z.infer<typeof factsShape>;

const lenientOperation = z.preprocess(
  (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    return {
      ...record,
      op: typeof record.op === 'string' ? record.op.trim().toUpperCase() : record.op,
      id: typeof record.id === 'number' && Number.isInteger(record.id) ? String(record.id) : record.id,
    };
  },
  operationShape.partial({ id: true, text: true }),
);

/** Validates `memory_operations` output; `id`/`text` may be missing or `null`. */
export const memoryOperationsSchema = z.preprocess(
  wrapBareArray('operations'),
  z.object({ operations: z.array(lenientOperation).max(MAX_OPERATIONS) }),
);
/** One validated operation as the model wrote it (aliases not yet mapped back). */
export type DecidedOperation = {
  op: MemoryOpName;
  id?: string | null;
  text?: string | null;
};
/** A validated `memory_operations` output. */
export type MemoryOperations = { operations: DecidedOperation[] };

/** The strict JSON Schema of a zod object, without the `$schema` key some servers reject. */
function strictJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

/** A structured output: the name the model sees, the JSON Schema sent for constrained decoding, the validator. */
export interface StructuredOutputSpec<T> {
  name: string;
  jsonSchema: JsonSchema;
  validator: z.ZodType<T>;
}

/** The `memory_facts` structured output. */
export const MEMORY_FACTS: StructuredOutputSpec<MemoryFacts> = {
  name: 'memory_facts',
  jsonSchema: strictJsonSchema(factsShape),
  validator: memoryFactsSchema as z.ZodType<MemoryFacts>,
};

/** The `memory_operations` structured output. */
export const MEMORY_OPERATIONS: StructuredOutputSpec<MemoryOperations> = {
  name: 'memory_operations',
  jsonSchema: strictJsonSchema(operationsShape),
  validator: memoryOperationsSchema as z.ZodType<MemoryOperations>,
};
