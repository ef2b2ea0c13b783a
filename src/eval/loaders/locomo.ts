/**
 * Loader for LoCoMo files on disk (the command line). The format itself (validation, quirks, splits) lives in
 * `locomo-format.ts`, which has no Node APIs so the app can parse a file the user picked; import it from there.
 */
import { readJsonFile } from './files';
import { parseLocomo, type LocomoDataset } from './locomo-format';

/** Reads and validates a LoCoMo file. */
export async function loadLocomo(file: string): Promise<LocomoDataset> {
  return parseLocomo(await readJsonFile(file), file);
}
