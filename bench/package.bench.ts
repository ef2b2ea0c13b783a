/**
 * `npm run bench:package`: the embeddable package's figures, printed (never asserted). Builds the package
 * (`npm run build:package`) unless dist-lib/ exists, serves a host page with `<memory-r1-chat>` and the standalone
 * module from 127.0.0.1 (a port from 4219 down), and measures in headless Chromium:
 * 1. JavaScript the host page loads before a model is needed (gzip KB): the standalone module (the page's only
 *    script), and separately the memory worker's entry it starts (the model code loads only when a reply needs it).
 *    Counted from the files the page really fetched.
 * 2. Element defined to textbox interactive (ms): from `customElements.whenDefined('memory-r1-chat')` to the
 *    message box inside it being present and enabled (the worker started and the memory bank opened), on 7 fresh
 *    pages: a first visit (a new storage name, so its database is created) and a return visit (the same page
 *    reloaded); the median and the range of each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright';
import { chromiumArgs, chromiumPath } from '../scripts/chromium';
import { serveStatic } from '../scripts/static-server';

const RUNS = 7;
const PORT = Number(process.env.BENCH_PACKAGE_PORT ?? 4219);

/** The host page: the element, a timer started when it is defined, and the module. */
function hostPage(storageName: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<script>
  customElements.whenDefined('memory-r1-chat').then(() => {
    const defined = performance.now();
    const poll = () => {
      const box = document.querySelector('memory-r1-chat')?.shadowRoot?.querySelector('mr-chat')?.shadowRoot?.querySelector('textarea');
      if (box && !box.disabled) window.__interactive = { defined, ready: performance.now() };
      else requestAnimationFrame(poll);
    };
    poll();
  });
</script>
<script type="module" src="/memory-r1-web/standalone.js"></script></head>
<body><memory-r1-chat provider="local" base-url="http://127.0.0.1:9/v1" model="m" storage-name="${storageName}"></memory-r1-chat></body></html>`;
}

/** Waits for the page's timer and returns element-defined to textbox-interactive in ms. */
async function interactiveMs(page: Page): Promise<number> {
  const timing = await page.waitForFunction(
    () => (window as { __interactive?: object }).__interactive,
    null,
    {
      timeout: 30_000,
    },
  );
  const { defined, ready } = (await timing.jsonValue()) as { defined: number; ready: number };
  return ready - defined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  if (!existsSync('dist-lib/standalone.js')) {
    const built = spawnSync('npm', ['run', 'build:package'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build:package failed.');
  }
  const site = mkdtempSync(join(tmpdir(), 'memory-r1-bench-embed-'));
  const server = await serveStatic({ port: PORT, mounts: { '/': site, '/memory-r1-web/': 'dist-lib' } });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: chromiumArgs({ webgpu: false }),
  });
  try {
    const first: number[] = [];
    const again: number[] = [];
    const scripts = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      writeFileSync(join(site, `run-${run}.html`), hostPage(`bench-${run}-${Date.now()}`));
      const context = await browser.newContext();
      const page = await context.newPage();
      context.on('requestfinished', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.endsWith('.js') && path.startsWith('/memory-r1-web/')) {
          scripts.set(
            path,
            gzipSync(readFileSync(join('dist-lib', path.slice('/memory-r1-web/'.length)))).length,
          );
        }
      });
      await page.goto(`${server.origin}/run-${run}.html`);
      first.push(await interactiveMs(page));
      await page.reload();
      again.push(await interactiveMs(page));
      await context.close();
    }
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log('memory-r1-web package benchmark (headless Chromium, 127.0.0.1)');
    for (const [path, bytes] of scripts) console.log(`  script ${path}: ${kb(bytes)} gzip`);
    console.log(
      `  host page JS before a model is needed (standalone entry, gzip): ${kb(scripts.get('/memory-r1-web/standalone.js') ?? 0)}`,
    );
    const summary = (times: number[]) =>
      `median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}, ${RUNS} pages)`;
    console.log(`  element defined -> textbox interactive, first visit: ${summary(first)}`);
    console.log(`  element defined -> textbox interactive, return visit: ${summary(again)}`);
  } finally {
    await browser.close();
    await server.close();
    rmSync(site, { recursive: true, force: true });
  }
}

await main();
