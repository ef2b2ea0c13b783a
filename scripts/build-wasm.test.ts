import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleKernel, renderKernelModule } from './build-wasm';

describe('build-wasm', () => {
  it('the committed kernel module holds the bytes of vector-kernel.wat (run `npm run build:wasm` if not)', async () => {
    const committed = readFileSync(
      new URL('../src/store/search/vector-kernel.wasm.ts', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(renderKernelModule(await assembleKernel()));
  });
});
