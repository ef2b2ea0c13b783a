/**
 * Vite plugin that serves ONNX Runtime Web's wasm files from the app itself, so transformers.js never fetches
 * them from a CDN: in dev it answers `/ort/<file>` from `node_modules/onnxruntime-web/dist`, and in a build it
 * emits the same files to `dist/ort/` (which `vite preview` and any static host then serve). The embedder points
 * ONNX Runtime at this path (`TransformersEmbedder`'s `wasmPaths`, default `/ort/`).
 *
 * @example
 * // vite.config.ts
 * plugins: [ortWasm()]
 * // GET /ort/ort-wasm-simd-threaded.asyncify.wasm -> 200 application/wasm
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

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

const CONTENT_TYPES: Record<string, string> = { wasm: 'application/wasm', mjs: 'text/javascript' };

/** The Vite plugin (see the module header). */
export function ortWasm(options: OrtWasmOptions = {}): Plugin {
  const urlPath = (options.path ?? 'ort').replace(/^\/+|\/+$/g, '');
  const files = new Set(options.files ?? DEFAULT_ORT_FILES);
  const dist = ortDistDir();
  let base = '/';

  return {
    name: 'memory-r1:ort-wasm',
    configResolved(config) {
      base = config.base.endsWith('/') ? config.base : `${config.base}/`;
    },
    configureServer(server) {
      const prefix = `${base}${urlPath}/`;
      server.middlewares.use((req, res, next) => {
        const pathname = (req.url ?? '').split('?')[0] ?? '';
        if (!pathname.startsWith(prefix)) return next();
        const name = pathname.slice(prefix.length);
        if (!files.has(name)) {
          res.statusCode = 404;
          res.end(`Not one of the ONNX Runtime files this app serves: ${name}`);
          return;
        }
        const body = readFileSync(join(dist, name));
        res.setHeader(
          'Content-Type',
          CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream',
        );
        res.setHeader('Content-Length', body.byteLength);
        res.setHeader('Cache-Control', 'no-cache');
        res.end(body);
      });
    },
    generateBundle() {
      for (const name of files) {
        this.emitFile({
          type: 'asset',
          fileName: `${urlPath}/${name}`,
          source: readFileSync(join(dist, name)),
        });
      }
    },
  };
}
