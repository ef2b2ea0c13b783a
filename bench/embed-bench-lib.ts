/**
 * Measurement code for the embedding benchmark (`npm run bench:embed`), shared by the Node runner and the Chromium
 * worker: a backfill of synthetic memories (short English facts like the Memory Manager writes) through the real
 * `runBackfill` job into an `InMemoryStore`, timed end to end and reported as memories per second. Pure TypeScript,
 * no Node or DOM imports.
 */
import type { Embedder } from '../src/core/types';
import { runBackfill } from '../src/embed/backfill';
import { InMemoryStore } from '../src/store/in-memory-store';
import { mulberry32 } from '../src/testing/seeded-random';

/** One measured figure, printed as one JSON line. */
export type Figure = Record<string, string | number>;

const NAMES = ['Caroline', 'Melanie', 'Ana', 'Ben', 'Jon', 'Gina', 'Tim', 'John', 'Maria', 'Joanna'];
const FACTS = [
  'went to a support group meeting',
  'adopted a puppy named Oscar from the shelter',
  'is researching adoption agencies',
  'painted a sunset with her kids last weekend',
  'started a pottery class that feels like therapy',
  'moved here from Sweden four years ago',
  'loves reading books about personal growth',
  'plays the violin to relax after work',
  'is training for a marathon in the autumn',
  'opened a small online clothing store',
  'took the children camping in the mountains',
  'watched the Perseid meteor shower with family',
];
const WHEN = ['on 7 May 2023', 'last week', 'in June', 'yesterday', 'two weekends ago', 'since 2016', ''];

/** `n` memory texts drawn from templates with a seeded generator (the same texts on every run). */
export function syntheticMemories(n: number, seed = 1): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    const clauses = 1 + Math.floor(rand() * 2);
    const body = Array.from({ length: clauses }, () => `${pick(FACTS)} ${pick(WHEN)}`.trim()).join(' and ');
    return `${pick(NAMES)} ${body} (note ${i}).`;
  });
}

/**
 * Backfills `n` memories with `embedder` and reports memories per second (with the seconds a 10,000-memory
 * backfill takes at that rate).
 */
export async function benchBackfill(
  embedder: Embedder,
  n: number,
  report: (figure: Figure) => void | Promise<void>,
): Promise<void> {
  const store = new InMemoryStore();
  const texts = syntheticMemories(n);
  for (let start = 0; start < texts.length; start += 500) {
    await store.apply({ ops: texts.slice(start, start + 500).map((text) => ({ op: 'ADD', text })) });
  }
  const startMs = performance.now();
  const { done } = await runBackfill(store, embedder);
  const seconds = (performance.now() - startMs) / 1000;
  const perSecond = done / seconds;
  await report({
    bench: 'backfill',
    embedder: embedder.id,
    memories: done,
    seconds: Math.round(seconds * 10) / 10,
    memoriesPerSecond: Math.round(perSecond * 10) / 10,
    projected10kSeconds: Math.round(10_000 / perSecond),
  });
}
