// Per-group means: the aggregation every benchmark summary uses.
import { describe, expect, it } from 'vitest';
import { meanByGroup } from './group-means';

describe('meanByGroup', () => {
  it('averages overall over questions (not over groups) and leaves empty groups null', () => {
    const rows = [
      { g: 'a', v: 1 },
      { g: 'a', v: 0 },
      { g: 'b', v: 1 },
      { g: 'b', v: null },
    ];
    expect(
      meanByGroup(
        rows,
        (r) => r.g,
        (r) => r.v,
        ['a', 'b', 'c'],
      ),
    ).toEqual({
      overall: 2 / 3,
      a: 0.5,
      b: 1,
      c: null,
    });
  });
});
