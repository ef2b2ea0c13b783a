// Vite: builds the npm package `memory-r1-web` into dist-lib/ (`npm run build:package`, run by `npm pack`'s prepack), in
// three passes selected by --mode:
// - `worker`: the memory worker, once, to dist-lib/workers/memory.worker.js with its chunks and the nested WebLLM engine
//   worker, and ONNX Runtime's wasm to dist-lib/ort/ (transformers.js' own copies of it are dropped: the embedder
//   loads dist-lib/ort/).
// - `bundler`: dist-lib/index.js (the headless API) and element.js (registers the elements), sharing chunks/.
// - `standalone`: dist-lib/standalone.js, ONE file with everything the page needs (elements + API), no imports.
// The page passes replace src/agent/start-memory-worker.ts with src/package/start-memory-worker.ts and then write the
// worker's URL into each chunk as `new URL('<relative path>', import.meta.url)`, after Vite's own worker handling:
// a plain page finds the files next to the script, and a host's bundler sees the usual `new Worker(new URL(…))`.
import { dirname, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { ortWasm } from './scripts/vite-ort-wasm.ts';

const root = dirname(fileURLToPath(import.meta.url));
const OUT = 'dist-lib';
const WORKER_FILE = 'workers/memory.worker.js';

/** Writes the worker's URL and ONNX Runtime's folder, relative to each chunk, in place of the placeholders. */
function packagedWorkerUrls(): Plugin {
  return {
    name: 'memory-r1:packaged-worker-urls',
    renderChunk(code, chunk) {
      const up = posix.relative(posix.dirname(chunk.fileName), '.') || '.';
      const url = (path: string) => `new URL(${JSON.stringify(`${up}/${path}`)}, import.meta.url)`;
      const out = code
        .replace(
          /__MEMORY_R1_WORKER__\(([\w$]+)\)/g,
          (_, name: string) => `new Worker(${url(WORKER_FILE)}, { type: "module", name: ${name} })`,
        )
        .replace(/__MEMORY_R1_ORT_BASE__/g, `${url('ort/')}.href`);
      return out === code ? null : { code: out, map: null };
    },
  };
}

/**
 * Writes the nested engine workers' start (WebLLM's, the CPU engine's) as the literal
 * `new Worker(new URL("<file>", import.meta.url), { type: "module", name: "<name>" })`: a plain page finds the file
 * next to the memory worker, and a host's bundler bundles it as a worker, with the files it loads (llama.cpp's wasm),
 * rather than copying it as an opaque asset (Vite writes `new URL(new URL(…).href, …)` with template-literal options,
 * which a bundler's worker detection does not recognise).
 */
function bundlerReadyNestedWorkers(): Plugin {
  const nested =
    /new Worker\(new URL\(new URL\(`([\w.-]+\.js)`,import\.meta\.url\)\.href,``\+import\.meta\.url\),\{type:`module`,name:`([\w-]+)`\}\)/g;
  return {
    name: 'memory-r1:bundler-ready-nested-workers',
    generateBundle(_, bundle) {
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        output.code = output.code.replace(
          nested,
          (_match, file: string, name: string) =>
            `new Worker(new URL(${JSON.stringify(file)}, import.meta.url), { type: "module", name: ${JSON.stringify(name)} })`,
        );
        if (output.code.includes('new Worker(new URL(new URL('))
          this.error(`${output.fileName}: a nested worker's start was not rewritten; update the pattern.`);
      }
    },
  };
}

/** Drops transformers.js' own copies of ONNX Runtime's files (the embedder loads those in dist-lib/ort/). */
function dropBundledOrt(): Plugin {
  return {
    name: 'memory-r1:drop-bundled-ort',
    generateBundle(_, bundle) {
      for (const name of Object.keys(bundle))
        if (/^workers\/ort-wasm.*\.(wasm|mjs)$/.test(name)) delete bundle[name];
    },
  };
}

const common: UserConfig = {
  publicDir: false,
  worker: { format: 'es', rollupOptions: { output: { entryFileNames: 'workers/[name]-[hash].js' } } },
};

function workerBuild(): UserConfig {
  return {
    ...common,
    plugins: [ortWasm(), dropBundledOrt(), bundlerReadyNestedWorkers()],
    // Relative URLs: the nested engine workers and wllama's wasm are found next to the worker file wherever the
    // host serves the package (Vite writes `/workers/…`, from the site root, otherwise).
    base: './',
    build: {
      outDir: OUT,
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 8000,
      // A worker has no document: no <link rel=modulepreload> helper around its dynamic imports.
      modulePreload: false,
      assetsDir: 'workers',
      copyPublicDir: false,
      rollupOptions: {
        input: { 'memory.worker': resolve(root, 'src/workers/memory.worker.ts') },
        preserveEntrySignatures: false,
        output: {
          format: 'es',
          entryFileNames: WORKER_FILE,
          chunkFileNames: 'workers/[name]-[hash].js',
          assetFileNames: 'workers/[name]-[hash][extname]',
        },
      },
    },
  };
}

function pageBuild(input: Record<string, string>, single: boolean): UserConfig {
  return {
    ...common,
    plugins: [packagedWorkerUrls()],
    resolve: {
      alias: [
        {
          find: /^.*\/start-memory-worker$/,
          replacement: resolve(root, 'src/package/start-memory-worker.ts'),
        },
      ],
    },
    build: {
      outDir: OUT,
      emptyOutDir: false,
      target: 'es2022',
      // Bundlers minify the host's build themselves, and the minifier would turn the worker's options into a
      // template literal, which Vite's worker detection refuses; the standalone file is minified.
      minify: single,
      copyPublicDir: false,
      rollupOptions: {
        input,
        preserveEntrySignatures: 'strict',
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
          ...(single && { codeSplitting: false }),
        },
      },
    },
  };
}

export default defineConfig(({ mode }) => {
  if (mode === 'worker') return workerBuild();
  const entry = (name: string) => resolve(root, `src/package/${name}.ts`);
  if (mode === 'bundler') return pageBuild({ index: entry('index'), element: entry('element') }, false);
  if (mode === 'standalone') return pageBuild({ standalone: entry('standalone') }, true);
  throw new Error(`Unknown mode "${mode}": use --mode worker, bundler or standalone.`);
});
