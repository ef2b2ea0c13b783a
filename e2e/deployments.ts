/**
 * Deployments of the app for update tests: `buildApp` builds the app into a folder with the version Settings
 * shows set through `VITE_APP_VERSION`, and `serveDeployments` serves one such folder at a time from a single
 * origin (a Node server on a free port of 127.0.0.1) with the headers `vite preview` sends: the
 * security headers (`SECURITY_HEADERS`: Content-Security-Policy, X-Frame-Options, …), `Cache-Control: no-cache`,
 * `Vary: Origin` and the files' content types, and index.html for unknown pages. `publish` switches the folder served, as a new deployment replaces the old one on a host.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SECURITY_HEADERS } from '../scripts/security-headers';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain',
};

/** Builds the app into `outDir` (which is emptied first), showing `version` in Settings. */
export async function buildApp(outDir: string, version: string): Promise<void> {
  await promisify(execFile)(
    'npx',
    ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      env: { ...process.env, VITE_APP_VERSION: version },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

/** A running server for built folders of the app. */
export interface Deployments {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** Serves `dir` from now on, in place of the folder served so far. */
  publish(dir: string): void;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts serving `dir` on a free port. */
export async function serveDeployments(dir: string): Promise<Deployments> {
  let current = resolve(dir);
  const server = createServer((request, response) => {
    void answer(current, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    publish: (next) => {
      current = resolve(next);
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((done, fail) => server.close((err) => (err ? fail(err) : done())));
    },
  };
}

/** Answers a GET or HEAD for a file of `dir`, or with index.html for a page that is not a file. */
async function answer(dir: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405).end();
    return;
  }
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  let file = resolve(join(dir, path));
  if (!file.startsWith(dir + sep)) file = join(dir, 'index.html');
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) {
    if (!request.headers.accept?.includes('text/html')) {
      response.writeHead(404).end();
      return;
    }
    file = join(dir, 'index.html');
  }
  const body = await readFile(file);
  response.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
    ...SECURITY_HEADERS,
    Vary: 'Origin',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
