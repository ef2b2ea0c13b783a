/** Errors of the Node command lines: a usage mistake (unknown command, missing or malformed flag). */
import { AppError } from '../core/errors';

/** The command line was wrong (unknown command, missing or malformed flag). */
export class UsageError extends AppError {
  constructor(message: string) {
    super('usage', message);
  }
}
