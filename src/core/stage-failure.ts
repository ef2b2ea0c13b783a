/**
 * `StageFailure`: how the Memory Manager's stages (extract, retrieve, decide, apply) report which of them failed,
 * so the recorded `TurnFailure` names the stage and keeps the original error (and its raw model output).
 */
import { StaleMemoryError, type StaleMemory } from './errors';
import type { TurnFailure } from './types';

/** Failure of one stage, with the raw model output when there was one. */
export class StageFailure extends Error {
  /** Wraps `original`, the error the stage met. */
  constructor(
    readonly stage: TurnFailure['stage'],
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

/** The stale memories of a failed apply, when the store refused the batch for them. */
export function staleOf(err: unknown): StaleMemory[] | undefined {
  const original = err instanceof StageFailure ? err.original : err;
  return original instanceof StaleMemoryError ? original.stale : undefined;
}
