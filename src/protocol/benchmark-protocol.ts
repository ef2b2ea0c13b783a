/**
 * The protocol between the page and the benchmark worker (`src/workers/benchmark.worker.ts`): read a LoCoMo file
 * the user picked (which conversations it holds), and benchmark one conversation with the models the settings
 * select. The file travels as a `Blob` (structured clone, no copy into a string on the main thread). Types only;
 * the page talks through `BenchmarkClient`.
 */
import type { LocomoBenchmarkPhase, LocomoBenchmarkResult } from '../core/benchmark-types';
import type { Progress } from '../core/progress';
import type { Settings } from './settings';

/** One conversation of a picked file, as the Benchmark view lists it. */
export interface BenchmarkConversationInfo {
  id: string;
  speakers: [string, string];
  sessions: number;
  turns: number;
  /** Questions the benchmark answers (adversarial ones excluded, as in the Memory-R1 tables). */
  questions: number;
}

/** What a picked LoCoMo file holds, and the quirks the loader smoothed over. */
export interface LocomoFileInfo {
  conversations: BenchmarkConversationInfo[];
  warnings: string[];
}

/** What `run` needs: the file, the conversation, the settings naming the models, and an optional question cap. */
export interface BenchmarkRunParams {
  file: Blob;
  conversationId: string;
  settings: Settings;
  limit?: number;
}

/** A run's measurements, plus notes on how it ran (for example, retrieval fell back to keywords). */
export interface BenchmarkRunResult extends LocomoBenchmarkResult {
  notes: string[];
}

/** Every method of the benchmark worker. */
export type BenchmarkRpc = {
  inspect: { params: { file: Blob }; result: LocomoFileInfo };
  /**
   * Progress: loading the model (download, then compile; `warning` when two role models may not fit in GPU memory
   * together), then the benchmark's own phases with their counts.
   */
  run: {
    params: BenchmarkRunParams;
    result: BenchmarkRunResult;
    progress: Progress<'model' | LocomoBenchmarkPhase>;
  };
};
