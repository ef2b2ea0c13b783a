import { describe, expect, it } from 'vitest';
import { VectorKernel, vectorKernelAvailable } from './vector-kernel';
import { VectorTable } from './vector-table';

describe('VectorKernel in Chromium', () => {
  it('compiles (WebAssembly SIMD), so tables take the int8 path rather than the JavaScript scan', () => {
    expect(vectorKernelAvailable()).toBe(true);
    expect(VectorKernel.create(384, 10)).toBeDefined();
  });

  it('gives a large table the same top hits as the JavaScript reference scan', () => {
    let state = 1;
    const rand = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296 - 0.5;
    const table = new VectorTable(24, 'e', 8, { rerankMin: 40, rerankFactor: 1 });
    for (let i = 0; i < 2000; i++) table.set(`m${i}`, Float32Array.from({ length: 24 }, rand));
    const query = Float32Array.from({ length: 24 }, rand);
    expect(table.topK(query, 10).map((h) => h.id)).toEqual(table.exactTopK(query, 10).map((h) => h.id));
  });
});
