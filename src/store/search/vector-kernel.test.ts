import { describe, expect, it } from 'vitest';
import { VectorKernel, vectorKernelAvailable } from './vector-kernel';
import { normalize } from './vector-table';

function randomUnitVectors(count: number, dims: number, seed: number): Float32Array[] {
  let state = seed;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  };
  return Array.from({ length: count }, () => normalize(Float32Array.from({ length: dims }, rand)));
}

/** Writes a vector's float32 values into a kernel row and derives its int8 codes, as `VectorTable.set` does. */
function putRow(kernel: VectorKernel, slot: number, vector: Float32Array): void {
  kernel.floats.set(vector, slot * kernel.rowFloats);
  kernel.encodeRow(slot);
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const maxAbs = (v: Float32Array): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

describe('VectorKernel', () => {
  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(vectorKernelAvailable()).toBe(true);
  });

  it.each([384, 20, 1])('scores %i-dim rows: int8 within its rounding error, float32 exactly', (dims) => {
    const rows = randomUnitVectors(50, dims, dims);
    const kernel = VectorKernel.create(dims, 50)!;
    rows.forEach((v, i) => putRow(kernel, i, v));
    const [query] = randomUnitVectors(1, dims, 7);
    // Approximate scores are in units of the query's code (its largest component = 8191); each component's
    // rounding error is at most half a code of the row and of the query.
    const approximate = Array.from(
      kernel.approximate(query!, rows.length),
      (s) => (s * maxAbs(query!)) / 8191,
    );
    rows.forEach((row, i) => {
      const bound = dims * maxAbs(row) * maxAbs(query!) * (1 / 127 + 1 / 8191);
      expect(Math.abs(approximate[i]! - dot(row, query!))).toBeLessThanOrEqual(bound);
    });
    const listed = [49, 0, 7, 7];
    const exact = Array.from(kernel.exact(query!, listed));
    listed.forEach((row, i) => expect(exact[i]).toBeCloseTo(dot(rows[row]!, query!), 5));
  });

  it('keeps both copies of every row through growth and moves them on request', () => {
    const dims = 40;
    const rows = randomUnitVectors(200, dims, 3);
    const kernel = VectorKernel.create(dims, 1)!;
    rows.forEach((v, i) => {
      kernel.reserve(i + 1);
      putRow(kernel, i, v);
    });
    kernel.move(199, 0);
    const approximate = Array.from(kernel.approximate(rows[199]!, 200));
    expect(approximate.indexOf(Math.max(...approximate))).toBe(0);
    expect(approximate[0]).toBe(approximate[199]);
    const all = Array.from({ length: 200 }, (_, i) => i);
    const exact = Array.from(kernel.exact(rows[5]!, all));
    all.slice(1).forEach((i) => expect(exact[i]).toBeCloseTo(dot(rows[i]!, rows[5]!), 5));
    expect(exact[0]).toBeCloseTo(dot(rows[199]!, rows[5]!), 5);
    expect(Array.from(kernel.floats.subarray(0, dims))).toEqual(Array.from(rows[199]!));
  });

  it('is not offered for dimensions its integer lanes cannot sum exactly', () => {
    expect(VectorKernel.create(10_000, 1)).toBeUndefined();
    expect(VectorKernel.create(0, 1)).toBeUndefined();
  });
});
