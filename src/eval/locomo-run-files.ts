/**
 * The files of a LoCoMo run directory besides the answer log (run-log.ts): `run.json` (the settings, so a rerun
 * with other settings cannot mix its answers in), `memory/<conversation>.json` (each conversation's memory bank,
 * so a rerun skips ingestion) and the summary reports.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MemoryStore } from '../core/types';
import { UsageError } from '../node/errors';
import { writeText } from '../node/report';
import { CATEGORY_ORDER, type LocomoSummary } from './locomo-protocol';
import { writeSummaryReports } from './run-log';

/** How questions are answered: the Memory-R1 pipeline, or one of the two baselines. */
export type LocomoMethod = 'memory' | 'rag-turns' | 'full-context';

/** The settings a results directory is pinned to (`run.json`). */
export interface LocomoRunConfig {
  dataset: string;
  model: string;
  method: LocomoMethod;
  judgeModel: string | null;
  embedder: string | null;
  includeAdversarial: boolean;
}

/** Records the run's settings in `run.json`, refusing a directory that holds results of other settings. */
export async function checkRunConfig(outDir: string, config: LocomoRunConfig): Promise<void> {
  const file = join(outDir, 'run.json');
  let previous: Partial<LocomoRunConfig> | undefined;
  try {
    previous = JSON.parse(await readFile(file, 'utf8')) as Partial<LocomoRunConfig>;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') {
      throw new UsageError(`${file} is unreadable; delete it or choose another --out directory.`);
    }
  }
  if (previous) {
    const keys = Object.keys(config) as (keyof LocomoRunConfig)[];
    const changed = keys.filter((k) => JSON.stringify(previous[k]) !== JSON.stringify(config[k]));
    if (changed.length > 0) {
      throw new UsageError(
        `${outDir} holds results of a run with other settings (${changed
          .map((k) => `${k}: ${JSON.stringify(previous[k])} now ${JSON.stringify(config[k])}`)
          .join('; ')}). Choose another --out directory, or delete it to start over.`,
      );
    }
  }
  await writeText(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** A conversation's saved memory bank: the store export, and whether every turn was processed. */
export interface SavedBank {
  complete: boolean;
  memory: unknown;
}

/** Reads a saved bank; `undefined` when absent or unreadable (the conversation is ingested again). */
export async function loadBank(file: string): Promise<SavedBank | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<SavedBank>;
    return typeof parsed.complete === 'boolean'
      ? { complete: parsed.complete, memory: parsed.memory }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Saves a conversation's bank and whether every turn was processed. */
export async function saveBank(file: string, store: MemoryStore, complete: boolean): Promise<void> {
  await writeText(file, JSON.stringify({ complete, memory: await store.export() }));
}

/** Writes the summary reports of a LoCoMo run. */
export async function writeReports(
  outDir: string,
  config: LocomoRunConfig,
  summary: LocomoSummary,
  status: { failed: number; ingestFailures: number; aborted: boolean },
): Promise<void> {
  await writeSummaryReports(outDir, {
    title: `LoCoMo: ${config.model} (${config.method})`,
    intro:
      `Dataset: \`${config.dataset}\`. Judge: ${config.judgeModel ?? 'none'}. Embedder: ${config.embedder ?? 'none (lexical retrieval)'}. ` +
      `Adversarial questions: ${config.includeAdversarial ? 'included' : 'excluded'}. Scores in %.`,
    summary,
    columns: ['overall', ...CATEGORY_ORDER.filter((c) => summary.count[c] !== undefined)],
    rows: [
      { name: 'F1 (Memory-R1 / mem0)', values: summary.f1 },
      { name: 'BLEU-1', values: summary.bleu1 },
      ...(summary.judge ? [{ name: 'LLM-as-a-Judge', values: summary.judge }] : []),
      { name: 'F1 (LoCoMo protocol)', values: summary.f1_locomo },
    ],
    count: summary.count,
    ...status,
  });
}
