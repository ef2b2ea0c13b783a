/**
 * Errors of the evaluation layer: a dataset file that is missing or not in the expected format, and command-line
 * usage mistakes. Each message names the file or flag and says what to do next.
 */
import { AppError } from '../core/errors';

/** A dataset file could not be read or does not match its benchmark's format; nothing was evaluated. */
export class DatasetError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('dataset-invalid', message, options);
  }
}

/** The command line was wrong (unknown command, missing or malformed flag). */
export class UsageError extends AppError {
  constructor(message: string) {
    super('usage', message);
  }
}
