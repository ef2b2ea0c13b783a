/**
 * The page of `npm run bench:embed` in Chromium (loaded by bench/embed-bench.html): starts the benchmark worker
 * (bench/embed-bench.worker.ts) and hands each figure it posts to `window.reportFigure` as one JSON line.
 */
import type { Figure } from './embed-bench-lib';

declare global {
  interface Window {
    reportFigure(line: string): Promise<void>;
    runEmbedBench(options: { memories: number }): Promise<void>;
  }
}

const runtime = `chromium ${/Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? '?'} worker`;

window.runEmbedBench = (options) =>
  new Promise<void>((resolve, reject) => {
    const worker = new Worker(new URL('./embed-bench.worker.ts', import.meta.url), { type: 'module' });
    worker.onerror = (event) => reject(new Error(event.message));
    worker.onmessage = async (event: MessageEvent<{ figure?: Figure; done?: boolean; error?: string }>) => {
      const { figure, done, error } = event.data;
      if (figure) await window.reportFigure(JSON.stringify({ runtime, ...figure }));
      if (error !== undefined) reject(new Error(error));
      if (done || error !== undefined) worker.terminate();
      if (done) resolve();
    };
    worker.postMessage(options);
  });
