/**
 * The one progress report of every long task (model downloads and loads, embedding backfills, benchmark runs): a
 * fraction and a sentence to show, plus what a task can say beyond them. Producers always fill `fraction` and
 * `text`, so a consumer can show any task's progress without knowing which task it is.
 */

/** A progress report; `Phase` names the task's steps, e.g. `Progress<'download' | 'load'>`. */
export interface Progress<Phase extends string = string> {
  /** 0..1 over the whole task. */
  fraction: number;
  /** A sentence to show, e.g. "Embedded 32 of 70 memories". */
  text: string;
  /** The step the task is in, when it has several. */
  phase?: Phase;
  /** Units finished so far (turns, questions, memories…), when the task counts units. */
  done?: number;
  /** Units in all, when the task counts units (it may grow while the task runs). */
  total?: number;
  /** Bytes downloaded or read so far, when known. */
  loadedBytes?: number;
  /** Bytes in all, when known. */
  totalBytes?: number;
  /** Seconds left, once a rate is measurable. */
  etaSeconds?: number;
  /** Shown for the whole task, e.g. two models that may not fit in GPU memory together. */
  warning?: string;
  /** Said once, e.g. why the CPU engine runs on a single thread. */
  notice?: string;
}

/** `done` over `total` clamped to 0..1; 1 when `total` is zero (nothing to do is done). */
export function progressFraction(done: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
}

/** A counting task's report: `done` of `total` units with its fraction, the sentence and, if given, the phase. */
export function countProgress<Phase extends string = never>(
  done: number,
  total: number,
  text: string,
  phase?: Phase,
): Progress<Phase> & { done: number; total: number } {
  return {
    fraction: progressFraction(done, total),
    text,
    done,
    total,
    ...(phase !== undefined && { phase }),
  };
}
