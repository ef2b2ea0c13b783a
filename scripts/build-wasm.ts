/**
 * Assembles src/store/search/vector-kernel.wat with WABT and writes the bytes, base64-encoded, into
 * src/store/search/vector-kernel.wasm.ts, so the app and Node load the kernel without a fetch or a build step.
 * Run: `npm run build:wasm` after editing the .wat file (scripts/build-wasm.test.ts fails until you do).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

const WAT = fileURLToPath(new URL('../src/store/search/vector-kernel.wat', import.meta.url));
const OUT = fileURLToPath(new URL('../src/store/search/vector-kernel.wasm.ts', import.meta.url));

/** The kernel's WebAssembly bytes, assembled from the .wat source (SIMD enabled). */
export async function assembleKernel(): Promise<Uint8Array> {
  const wabt = await initWabt();
  const module = wabt.parseWat('vector-kernel.wat', readFileSync(WAT, 'utf8'), { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/** The TypeScript module that carries the kernel's bytes. */
export function renderKernelModule(bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString('base64');
  return (
    '/** The vector SIMD kernel (src/store/search/vector-kernel.wat), assembled by `npm run build:wasm`. Do not edit. */\n' +
    `export const VECTOR_KERNEL_BASE64 =\n  '${base64}';\n`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OUT, renderKernelModule(await assembleKernel()));
  process.stdout.write(`wrote ${OUT}\n`);
}
