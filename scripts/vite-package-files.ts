/**
 * Vite plugin that serves files shipped inside npm packages from the app itself, under one URL path: in dev it
 * answers `/<path>/<name>` from the package folder, and in a build it emits the same files to `dist/<path>/`
 * (which `vite preview` and any static host then serve). Only the files named are served; anything else under
 * the path is a 404. The runtime libraries that need such files (ONNX Runtime's wasm, Universal Sentence Encoder
 * lite's model) are pointed at these paths, so nothing is fetched from a CDN or a model hub.
 *
 * @example
 * // vite.config.ts
 * plugins: [packageFiles({ name: 'ort-wasm', path: 'ort', files: { 'ort.wasm': '/abs/path/ort.wasm' } })]
 * // GET /ort/ort.wasm -> 200 application/wasm
 */
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/** Options of `packageFiles`. */
export interface PackageFilesOptions {
  /** Plugin name suffix, for Vite's messages. */
  name: string;
  /** URL path (below Vite's `base`) the files are served from, e.g. `ort` for `/ort/`. */
  path: string;
  /** File name as served → absolute path of the file on disk. */
  files: Readonly<Record<string, string>>;
}

const CONTENT_TYPES: Record<string, string> = {
  wasm: 'application/wasm',
  mjs: 'text/javascript',
  js: 'text/javascript',
  json: 'application/json',
};

/** The content type a served file is sent with (by extension; anything else is binary). */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && CONTENT_TYPES[name.slice(dot + 1)]) || 'application/octet-stream';
}

/** The Vite plugin (see the module header). */
export function packageFiles(options: PackageFilesOptions): Plugin {
  const urlPath = options.path.replace(/^\/+|\/+$/g, '');
  const files = new Map(Object.entries(options.files));
  let base = '/';

  return {
    name: `memory-r1:${options.name}`,
    configResolved(config) {
      base = config.base.endsWith('/') ? config.base : `${config.base}/`;
    },
    configureServer(server) {
      const prefix = `${base}${urlPath}/`;
      server.middlewares.use((req, res, next) => {
        const pathname = (req.url ?? '').split('?')[0] ?? '';
        if (!pathname.startsWith(prefix)) return next();
        const name = pathname.slice(prefix.length);
        const source = files.get(name);
        if (source === undefined) {
          res.statusCode = 404;
          res.end(`Not one of the files this app serves under /${urlPath}/: ${name}`);
          return;
        }
        const body = readFileSync(source);
        res.setHeader('Content-Type', contentTypeOf(name));
        res.setHeader('Content-Length', body.byteLength);
        res.setHeader('Cache-Control', 'no-cache');
        res.end(body);
      });
    },
    generateBundle() {
      for (const [name, source] of files) {
        this.emitFile({ type: 'asset', fileName: `${urlPath}/${name}`, source: readFileSync(source) });
      }
    },
  };
}
