/**
 * Errors of the evaluation layer: a dataset file that is missing or not in the expected format, and a benchmark
 * whose model keeps failing. Each message names the file or model and says what to do next.
 */
import { AppError } from '../core/errors';

/** A dataset file could not be read or does not match its benchmark's format; nothing was evaluated. */
export class DatasetError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('dataset-invalid', message, options);
  }
}

/** A benchmark stopped because the model failed many calls in a row (it is not loaded, crashed or unreachable). */
export class ModelFailingError extends AppError {
  constructor(failures: number, lastMessage: string) {
    super(
      'model-failing',
      `The model failed ${failures} calls in a row, so the benchmark stopped (last error: ${lastMessage}). ` +
        'Check that the model answers in Chat, then run the benchmark again.',
    );
  }
}
