/**
 * The LoCoMo benchmark's shared vocabulary: its question categories and what a benchmark run reports (progress,
 * answers, result). The runtime-neutral benchmark (`src/eval/benchmark-run.ts`) produces these and the benchmark
 * worker's protocol (`src/protocol/benchmark-protocol.ts`) carries them to the page, so they live here, below both.
 */

/** LoCoMo's question categories, by the numbers used in the data. */
export const LOCOMO_CATEGORIES = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
  5: 'adversarial',
} as const;

/** A LoCoMo category number. */
export type LocomoCategory = keyof typeof LOCOMO_CATEGORIES;

/** A category's readable name (`multi-hop`, `temporal`, ...). */
export type LocomoCategoryName = (typeof LOCOMO_CATEGORIES)[LocomoCategory];

/** Means of one metric: `overall` plus one entry per group (`null` where a group has no value). */
export type MetricByGroup = Record<string, number | null>;

/** The steps a run's `Progress` counts: turns ingested, then questions answered. */
export type LocomoBenchmarkPhase = 'ingest' | 'answer';

/** One answered question with its scores (0-1). */
export interface LocomoBenchmarkAnswer {
  id: string;
  category: LocomoCategory;
  categoryName: LocomoCategoryName;
  question: string;
  gold: string;
  prediction: string;
  /** Memory-R1 / mem0 protocol F1. */
  f1: number;
  /** LoCoMo-protocol F1. */
  f1Locomo: number;
  bleu1: number;
}

/** What a benchmark run measured. Plain data, so it crosses a worker boundary as is. */
export interface LocomoBenchmarkResult {
  conversationId: string;
  /** The answer model's id. */
  modelId: string;
  /** The embedder used for dense retrieval; `null` for keyword retrieval only. */
  embedderId: string | null;
  answers: LocomoBenchmarkAnswer[];
  /** Questions whose answer call failed (not scored). */
  failedQuestions: { id: string; question: string; message: string }[];
  /** Turns ingested, and turns whose memory pass failed even after one retry (their facts are missing). */
  ingest: { turns: number; failed: number };
  /** Means overall and per category (`null` where a category has no scored question). */
  f1: MetricByGroup;
  f1Locomo: MetricByGroup;
  bleu1: MetricByGroup;
  count: Record<string, number>;
  /** Output tokens per second of model time; `null` when the model reported no usage. */
  tokensPerSecond: number | null;
  promptTokens: number;
  completionTokens: number;
  /** Model calls made, and how many reported no token usage. */
  calls: number;
  callsWithoutUsage: number;
  /** Time spent inside model calls, and wall time of the whole run. */
  modelSeconds: number;
  seconds: number;
}
