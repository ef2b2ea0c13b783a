// <mr-benchmark> in Chromium with a benchmark service served in the page (the real handlers and RPC over a
// MessageChannel, a scripted model instead of WebLLM): pick a file, run, read the results; bad files; Stop.
import { ContextProvider } from '@lit/context';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchmarkClient, type BenchmarkConnection } from '../agent/benchmark-client';
import { serveRpc, type RpcEndpoint } from '../core/rpc';
import { DEFAULT_SETTINGS } from '../protocol/settings';
import { parseLocomo } from '../eval/loaders/locomo-format';
import { locomoAnsweringModel, type LocomoAnsweringModelOptions } from '../testing/locomo-answering-model';
import { benchmarkWorkerHandlers, type BenchmarkWorkerDeps } from '../workers/benchmark-worker-handlers';
import { benchmarkContext } from './benchmark-context';
import { settingsContext } from './context';
import { defineBenchmark } from './define-benchmark';
import type { MrBenchmark } from './mr-benchmark';
import locomoMini from '../eval/fixtures/locomo-mini.json';

defineBenchmark();

const questions = parseLocomo(locomoMini).conversations.flatMap((c) => c.questions);
const fileOf = (data: unknown, name = 'locomo-mini.json') =>
  new File([typeof data === 'string' ? data : JSON.stringify(data)], name, { type: 'application/json' });

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Renders <mr-benchmark> inside a host that provides the settings and an in-page benchmark service. */
async function mount(
  options: LocomoAnsweringModelOptions = {},
  createModels?: BenchmarkWorkerDeps['createModels'],
): Promise<MrBenchmark> {
  const model = locomoAnsweringModel(questions, (q) => q.answer, options);
  const host = document.createElement('div');
  new ContextProvider(host, {
    context: settingsContext,
    initialValue: { ...DEFAULT_SETTINGS, onboarded: true },
  });
  new ContextProvider(host, {
    context: benchmarkContext,
    initialValue: new BenchmarkClient((): BenchmarkConnection => {
      const channel = new MessageChannel();
      channel.port1.start();
      channel.port2.start();
      serveRpc(
        channel.port2,
        benchmarkWorkerHandlers({
          createModels: createModels ?? (async () => ({ manager: model, answer: model })),
        }),
      );
      return {
        endpoint: channel.port1 as RpcEndpoint,
        close: () => {
          channel.port1.close();
          channel.port2.close();
        },
      };
    }),
  });
  const element = document.createElement('mr-benchmark');
  host.append(element);
  document.body.append(host);
  cleanups.push(() => host.remove());
  await element.updateComplete;
  return element;
}

const $ = <T extends Element>(el: MrBenchmark, selector: string) => el.renderRoot.querySelector<T>(selector);
const text = (el: MrBenchmark) => el.renderRoot.textContent?.replace(/\s+/g, ' ') ?? '';
const button = (el: MrBenchmark, label: string) =>
  [...el.renderRoot.querySelectorAll('button')].find((b) => b.textContent?.trim() === label)!;

function pick(el: MrBenchmark, file: File): void {
  const input = $<HTMLInputElement>(el, 'input[type=file]')!;
  const transfer = new DataTransfer();
  transfer.items.add(file);
  input.files = transfer.files;
  input.dispatchEvent(new Event('change'));
}

/** The results table as rows of cell texts. */
function resultRows(el: MrBenchmark): string[][] {
  const table = $<HTMLTableElement>(el, 'table')!;
  return [...table.querySelectorAll('tbody tr')].map((tr) =>
    [...tr.children].map((cell) => cell.textContent?.trim() ?? ''),
  );
}

describe('<mr-benchmark>', () => {
  it('is a region named Benchmark with a labelled file input and Run/Stop buttons', async () => {
    const el = await mount();
    const region = $<HTMLElement>(el, 'section')!;
    expect($(el, `#${region.getAttribute('aria-labelledby')}`)?.textContent).toBe('Benchmark');
    expect($<HTMLLabelElement>(el, 'label[for=file]')?.textContent).toBe('LoCoMo file');
    expect(button(el, 'Run benchmark').disabled).toBe(true);
    expect(button(el, 'Stop').disabled).toBe(true);
  });

  it('runs conv-30 of a picked file and shows F1 / BLEU-1 per category and tokens per second', async () => {
    // Each call takes a few milliseconds, so model time is never zero and a rate is shown.
    const el = await mount({ before: () => new Promise((resolve) => setTimeout(resolve, 5)) });
    pick(el, fileOf(locomoMini));
    await expect.poll(() => text(el)).toContain('Conversation conv-30 between Chen and Dara');
    button(el, 'Run benchmark').click();
    await expect.poll(() => $(el, 'table') !== null).toBe(true);
    expect(resultRows(el)).toEqual([
      ['overall', '100.0', '100.0', '3'],
      ['single-hop', '100.0', '100.0', '2'],
      ['temporal', '100.0', '100.0', '1'],
    ]);
    expect(text(el)).toMatch(/Tokens per second: \d+(\.\d)? \(60 output tokens/);
    expect(button(el, 'Run benchmark').disabled).toBe(false);
  });

  it('explains a file that is not valid JSON and where to get the right one', async () => {
    const el = await mount();
    pick(el, fileOf('[{"sample_id": ', 'broken.json'));
    await expect
      .poll(() => $(el, '[role=alert]')?.textContent ?? '')
      .toContain('"broken.json" is not valid JSON');
    expect($(el, '[role=alert]')?.textContent).toContain('locomo10.json');
    expect(button(el, 'Run benchmark').disabled).toBe(true);
  });

  it('explains a JSON file in another format', async () => {
    const el = await mount();
    pick(el, fileOf({ conversations: [] }, 'other.json'));
    await expect
      .poll(() => $(el, '[role=alert]')?.textContent ?? '')
      .toContain('expected a JSON list of conversations');
  });

  it('offers the first conversation when the file has no conv-30, and runs it when accepted', async () => {
    const el = await mount();
    pick(el, fileOf(locomoMini.filter((c) => c.sample_id !== 'conv-30')));
    await expect.poll(() => text(el)).toContain('This file has no conversation conv-30');
    expect(button(el, 'Run benchmark').disabled).toBe(true);
    button(el, 'Use conv-26 instead').click();
    await el.updateComplete;
    const limit = $<HTMLInputElement>(el, '#limit')!;
    limit.value = '2';
    limit.dispatchEvent(new Event('input'));
    button(el, 'Run benchmark').click();
    await expect.poll(() => $(el, 'table') !== null).toBe(true);
    expect(resultRows(el)[0]).toEqual(['overall', '100.0', '100.0', '2']);
    expect(text(el)).toContain('Scores on conv-26');
  });

  it('stops a running benchmark with Stop and says nothing was kept', async () => {
    const el = await mount({
      before: (_req, { signal }) =>
        new Promise<void>((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
    });
    pick(el, fileOf(locomoMini));
    await expect.poll(() => button(el, 'Run benchmark').disabled).toBe(false);
    button(el, 'Run benchmark').click();
    await expect.poll(() => $(el, 'progress') !== null).toBe(true);
    button(el, 'Stop').click();
    await expect.poll(() => text(el)).toContain('Stopped. Nothing was kept');
    expect($(el, 'progress')).toBeNull();
    expect(button(el, 'Run benchmark').disabled).toBe(false);
  });

  it('shows the two-model GPU memory warning while the models load', async () => {
    const warning = 'The two models need about 5.2 GB of GPU memory together.';
    const el = await mount({}, (_settings, { signal, onLoading }) => {
      onLoading?.({ fraction: 0.25, text: 'Fetching param cache', warning });
      return new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(signal.reason as Error)),
      );
    });
    pick(el, fileOf(locomoMini));
    await expect.poll(() => button(el, 'Run benchmark').disabled).toBe(false);
    button(el, 'Run benchmark').click();
    await expect.poll(() => text(el)).toContain(`Warning: ${warning}`);
    expect(text(el)).toContain('Loading the model: Fetching param cache');
    button(el, 'Stop').click();
    await expect.poll(() => text(el)).toContain('Stopped. Nothing was kept');
  });
});
