import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonNestingDepth, MAX_IMPORT_DEPTH } from './json-depth';

/** The nesting depth of a parsed value, computed the obvious (recursive) way, as the reference. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('jsonNestingDepth', () => {
  it('counts the top-level value as level 1 and scalars as 0', () => {
    expect(jsonNestingDepth('3')).toBe(0);
    expect(jsonNestingDepth('"text"')).toBe(0);
    expect(jsonNestingDepth('{}')).toBe(1);
    expect(jsonNestingDepth('[{"a": [[]]}, []]')).toBe(4);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestingDepth('{"a": "[[[{{{", "b\\\\": "\\"[[["}')).toBe(1);
    expect(jsonNestingDepth('["\\\\", [1]]')).toBe(2);
  });

  it('agrees with the depth of the parsed value on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        expect(jsonNestingDepth(text)).toBe(depthOf(JSON.parse(text)));
      }),
    );
  });

  it('stops once past the limit, and measures a million levels without running out of stack', () => {
    const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    expect(jsonNestingDepth(deep, MAX_IMPORT_DEPTH)).toBe(MAX_IMPORT_DEPTH + 1);
    expect(jsonNestingDepth(deep)).toBe(1_000_000);
  });
});
