/**
 * Per-group means of per-question scores (overall and per category), the aggregation every benchmark summary uses.
 * Free of Node APIs, so the app's Benchmark view summarizes with the same code as the command line.
 */

import type { MetricByGroup } from '../core/benchmark-types';

/**
 * Means of `value(record)` overall and per group, over records where the value is a number.
 * @example meanByGroup([{ g: 'a', v: 1 }, { g: 'a', v: 0 }, { g: 'b', v: 1 }], (r) => r.g, (r) => r.v, ['a', 'b'])
 * // => { overall: 0.6666666666666666, a: 0.5, b: 1 }
 */
export function meanByGroup<R>(
  records: readonly R[],
  groupOf: (record: R) => string,
  value: (record: R) => number | null | undefined,
  groups: readonly string[],
): MetricByGroup {
  const sums = new Map<string, { sum: number; n: number }>();
  const add = (key: string, v: number) => {
    const s = sums.get(key) ?? { sum: 0, n: 0 };
    s.sum += v;
    s.n += 1;
    sums.set(key, s);
  };
  for (const r of records) {
    const v = value(r);
    if (typeof v !== 'number' || Number.isNaN(v)) continue;
    add('overall', v);
    add(groupOf(r), v);
  }
  const mean = (key: string) => {
    const s = sums.get(key);
    return s ? s.sum / s.n : null;
  };
  const out: MetricByGroup = { overall: mean('overall') };
  for (const g of groups) out[g] = mean(g);
  return out;
}
