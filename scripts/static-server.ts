/**
 * A small static file server on 127.0.0.1 (Node `http`, no framework) for the package's end-to-end tests, the demo
 * (`npm run demo`) and `npm run bench:package`: each URL prefix maps to a folder, files get their content type
 * (`application/wasm` for ONNX Runtime, `text/javascript` for modules and workers), and every response carries the
 * headers given (a Content-Security-Policy, to prove the one docs/embedding.md states is enough). Paths that leave
 * their folder are refused.
 *
 * @example
 * const server = await serveStatic({ port: 4216, mounts: { '/': 'demo', '/memory-r1-web/': 'dist-lib' } });
 * // http://127.0.0.1:4216/ -> demo/index.html
 * await server.close();
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { listenOnLoopback } from '../src/node/local-http.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Options of `serveStatic`. */
export interface StaticServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** URL prefix (starting and ending with `/`) to folder; the longest matching prefix wins. */
  mounts: Record<string, string>;
  /** Headers sent with every response. */
  headers?: Record<string, string>;
}

/** A running static server. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  close(): Promise<void>;
}

/** Starts a static server (see the module comment). */
export async function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  const mounts = Object.entries(options.mounts)
    .map(([prefix, dir]) => [prefix, resolve(dir)] as const)
    .sort((a, b) => b[0].length - a[0].length);
  const server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      const mount = mounts.find(([prefix]) => path.startsWith(prefix));
      let file = mount ? resolve(join(mount[1], path.slice(mount[0].length))) : '';
      if (!mount || (file !== mount[1] && !file.startsWith(mount[1] + sep))) {
        res.writeHead(404).end();
        return;
      }
      try {
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        const size = (await stat(file)).size;
        res.writeHead(200, {
          ...options.headers,
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': size,
          'Cache-Control': 'no-store',
        });
        createReadStream(file).pipe(res);
      } catch {
        res.writeHead(404).end();
      }
    })();
  });
  const port = await listenOnLoopback(server, options.port);
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

// CLI: `node --import tsx scripts/static-server.ts --port 4180 --mount /=demo --mount /memory-r1-web/=dist-lib`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '4180' }, mount: { type: 'string', multiple: true } },
  });
  const mounts = Object.fromEntries((values.mount ?? ['/=.']).map((m) => m.split('=') as [string, string]));
  const server = await serveStatic({ port: Number(values.port), mounts });
  console.log(`Serving ${JSON.stringify(mounts)} at ${server.origin}/`);
}
