/**
 * Sets up what the package's end-to-end tests (package.spec.ts) run against, the way a web developer would: the
 * tarball `npm pack` builds (or `MEMORY_R1_TARBALL`), installed with `npm install --offline` into fresh projects in a
 * temporary folder (never the repository's source): the static demo page with the package's files next to it, and
 * the Vite example (examples/vite-host) built with `vite build`. Both are served on loopback with the
 * Content-Security-Policy docs/embedding.md states, pointed at the OpenAI-compatible test server; the demo site also
 * serves the CPU engine's test GGUF (src/llm/fixtures/tiny-qwen2.gguf) at `/tiny-qwen2.gguf`; both are served a
 * second time, with the GGUF, under the CPU engine's policy.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { embedCsp } from '../scripts/embed-csp';
import { serveStatic, type StaticServer } from '../scripts/static-server';
import { DEMO_PORT, EXAMPLE_PORT, LLM_PORT } from './ports';

const REPO = resolve(import.meta.dirname, '..');

/** The test server's base URL, written into the pages in place of the demo's default. */
export const TEST_SERVER = `http://127.0.0.1:${LLM_PORT}/v1`;

/** The prepared host projects and their servers. */
export interface PackageHost {
  /** The static demo page's origin (also serves `/memory-r1-web/` and `api.html`). */
  demo: string;
  /** The same site under the CPU engine's policy (`blob:` workers), on a free port. */
  cpuDemo: string;
  /** The Vite example's build under the CPU engine's policy, on a free port; it serves the GGUF too. */
  cpuExample: string;
  /** The Vite example's origin. */
  example: string;
  /** Size of the tarball in bytes. */
  tarballBytes: number;
  close(): Promise<void>;
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A fresh project with the tarball installed offline (the package has no dependencies to fetch). */
function freshProject(dir: string, tarball: string): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'host', private: true, type: 'module' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], dir);
}

/** Copies `file` from the repository into `dir`, pointing it at the test server. */
function copyPage(from: string, dir: string): void {
  const html = readFileSync(join(REPO, from), 'utf8')
    .replaceAll('http://127.0.0.1:8080/v1', TEST_SERVER)
    .replaceAll('qwen2.5-3b-instruct', 'test-model');
  writeFileSync(join(dir, from.split('/').at(-1)!), html);
}

/** Packs, installs, builds and serves (see the module comment). */
export async function preparePackage(): Promise<PackageHost> {
  const tmp = mkdtempSync(join(tmpdir(), 'memory-r1-package-'));
  const tarball =
    process.env.MEMORY_R1_TARBALL ??
    join(tmp, run('npm', ['pack', '--silent', '--pack-destination', tmp], REPO).trim().split('\n').at(-1)!);

  const site = join(tmp, 'demo-site');
  cpSync(join(REPO, 'demo'), site, { recursive: true });
  freshProject(site, tarball);
  copyPage('demo/index.html', site);
  // The CPU engine's random-weight GGUF, served by the host itself (same origin: the policy's connect-src 'self').
  cpSync(join(REPO, 'src/llm/fixtures/tiny-qwen2.gguf'), join(site, 'tiny-qwen2.gguf'));
  writeFileSync(
    join(site, 'api.html'),
    '<!doctype html><html lang="en"><title>API</title><h1>API</h1></html>',
  );

  const example = join(tmp, 'vite-host');
  cpSync(join(REPO, 'examples/vite-host'), example, {
    recursive: true,
    filter: (src) => !/node_modules|dist/.test(src.slice(REPO.length)),
  });
  rmSync(join(example, 'package.json'));
  freshProject(example, tarball);
  copyPage('examples/vite-host/index.html', example);
  // The repository's Vite builds the example (a developer's would come from the example's devDependencies).
  run(
    process.execPath,
    [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    example,
  );

  cpSync(join(REPO, 'src/llm/fixtures/tiny-qwen2.gguf'), join(example, 'dist/tiny-qwen2.gguf'));

  const headers = { 'Content-Security-Policy': embedCsp({ localServer: `http://127.0.0.1:${LLM_PORT}` }) };
  const cpuHeaders = { 'Content-Security-Policy': embedCsp({ cpuEngine: true }) };
  const siteMounts = { '/': site, '/memory-r1-web/': join(site, 'node_modules/memory-r1-web/dist-lib') };
  const servers: StaticServer[] = [
    await serveStatic({ port: DEMO_PORT, mounts: siteMounts, headers }),
    await serveStatic({ port: EXAMPLE_PORT, mounts: { '/': join(example, 'dist') }, headers }),
    await serveStatic({ port: 0, mounts: siteMounts, headers: cpuHeaders }),
    await serveStatic({ port: 0, mounts: { '/': join(example, 'dist') }, headers: cpuHeaders }),
  ];
  return {
    demo: servers[0]!.origin,
    example: servers[1]!.origin,
    cpuDemo: servers[2]!.origin,
    cpuExample: servers[3]!.origin,
    tarballBytes: readFileSync(tarball).length,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
