/**
 * Vite plugin that serves ONNX Runtime Web's wasm files from the app itself, so transformers.js never fetches
 * them from a CDN: `/ort/<file>` from `node_modules/onnxruntime-web/dist` in dev, `dist/ort/` in a build (see
 * `packageFiles`). The embedder points ONNX Runtime at this path (`TransformersEmbedder`'s `wasmPaths`, default
 * `/ort/`).
 *
 * @example
 * // vite.config.ts
 * plugins: [ortWasm()]
 * // GET /ort/ort-wasm-simd-threaded.asyncify.wasm -> 200 application/wasm
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { packageFiles } from './vite-package-files';

/** Options of `ortWasm`; defaults stated per field. */
export interface OrtWasmOptions {
  /** URL path (below Vite's `base`) the files are served from. Default `ort`, i.e. `/ort/`. */
  path?: string;
  /**
   * ONNX Runtime builds to serve. Default: the `asyncify` build, the one transformers.js' web bundle
   * (`onnxruntime-web/webgpu`) loads for both its WebGPU and WASM backends; each build is a ~15-28 MB wasm.
   */
  files?: readonly string[];
}

/** The files transformers.js 4 needs in a browser (see `ORT_WASM_FILES` in src/embed/transformers-embedder.ts). */
export const DEFAULT_ORT_FILES = [
  'ort-wasm-simd-threaded.asyncify.mjs',
  'ort-wasm-simd-threaded.asyncify.wasm',
];

/** Folder holding the onnxruntime-web build transformers.js itself resolves (so versions always match). */
export function ortDistDir(): string {
  const require = createRequire(import.meta.url);
  const fromTransformers = createRequire(require.resolve('@huggingface/transformers'));
  return dirname(fromTransformers.resolve('onnxruntime-web'));
}

/** The Vite plugin (see the module header). */
export function ortWasm(options: OrtWasmOptions = {}): Plugin {
  const dist = ortDistDir();
  const names = options.files ?? DEFAULT_ORT_FILES;
  return packageFiles({
    name: 'ort-wasm',
    path: options.path ?? 'ort',
    files: Object.fromEntries(names.map((name) => [name, join(dist, name)])),
  });
}
