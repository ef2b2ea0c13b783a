// The strict JSON Schemas sent to models and the lenient validators derived from the same zod definitions.
import { describe, expect, it } from 'vitest';
import {
  MAX_FACT_CHARS,
  MAX_FACTS_PER_TURN,
  MAX_MEMORY_CHARS,
  MEMORY_FACTS,
  MEMORY_OPERATIONS,
  memoryOperationsSchema,
} from './schemas';

describe('structured output schemas', () => {
  it('sends memory_operations in strict form: every property required, nullable, no extra properties', () => {
    const s = MEMORY_OPERATIONS.jsonSchema as {
      required: string[];
      additionalProperties: boolean;
      properties: { operations: { maxItems: number; items: Record<string, unknown> } };
    };
    expect(s.required).toEqual(['operations']);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.operations.items).toEqual({
      type: 'object',
      properties: {
        op: { type: 'string', enum: ['ADD', 'UPDATE', 'DELETE', 'NOOP'] },
        id: { anyOf: [{ type: 'string', maxLength: 16 }, { type: 'null' }] },
        text: { anyOf: [{ type: 'string', maxLength: MAX_MEMORY_CHARS }, { type: 'null' }] },
      },
      required: ['op', 'id', 'text'],
      additionalProperties: false,
    });
    expect(JSON.stringify(s)).not.toContain('$schema');
  });

  it('sends memory_facts with bounded list and fact sizes', () => {
    expect(MEMORY_FACTS.jsonSchema).toEqual({
      type: 'object',
      properties: {
        facts: {
          type: 'array',
          maxItems: MAX_FACTS_PER_TURN,
          items: { type: 'string', maxLength: MAX_FACT_CHARS },
        },
      },
      required: ['facts'],
      additionalProperties: false,
    });
  });

  it('validates both the strict form and the form without id/text', () => {
    expect(
      memoryOperationsSchema.parse({
        operations: [
          { op: 'ADD', id: null, text: 'x' },
          { op: 'DELETE', id: '1' },
        ],
      }),
    ).toEqual({
      operations: [
        { op: 'ADD', id: null, text: 'x' },
        { op: 'DELETE', id: '1' },
      ],
    });
  });

  it('rejects oversize outputs instead of storing them', () => {
    expect(MEMORY_FACTS.validator.safeParse({ facts: Array(MAX_FACTS_PER_TURN + 1).fill('a') }).success).toBe(
      false,
    );
    expect(MEMORY_FACTS.validator.safeParse({ facts: ['a'.repeat(MAX_FACT_CHARS + 1)] }).success).toBe(false);
    expect(
      MEMORY_OPERATIONS.validator.safeParse({
        operations: [{ op: 'ADD', text: 'a'.repeat(MAX_MEMORY_CHARS + 1) }],
      }).success,
    ).toBe(false);
  });

  it('rejects unknown operations and non-integer ids', () => {
    expect(MEMORY_OPERATIONS.validator.safeParse({ operations: [{ op: 'MERGE' }] }).success).toBe(false);
    expect(MEMORY_OPERATIONS.validator.safeParse({ operations: [{ op: 'NOOP', id: 1.5 }] }).success).toBe(
      false,
    );
  });
});
