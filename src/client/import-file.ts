/**
 * Reading an import file in the page, before its document is posted to the memory worker: the text must be JSON and
 * nest no deeper than an import may (`MAX_IMPORT_DEPTH`). The depth is checked first, on the text: posting a deeply
 * nested document fails inside the browser's structured clone with "Maximum call stack size exceeded", which tells
 * the user nothing. Everything else about the document is validated by the worker, which changes nothing unless
 * all of it is valid.
 */
import { ImportError } from '../core/errors';
import { jsonNestingDepth, MAX_IMPORT_DEPTH } from '../core/json-depth';

/** What to pick instead, said by every refusal. */
const ADVICE = 'Choose a file made with Export memories, or a JSON list of {"text": "…"} objects.';

/**
 * Parses the text of the file `name` as an import document; throws an `ImportError` saying what is wrong and what
 * to choose instead when it is not JSON or is nested deeper than any export.
 * @example parseImportFile('memories.json', '[{"text": "Ana likes tea"}]') // => [{ text: 'Ana likes tea' }]
 */
export function parseImportFile(name: string, text: string): unknown {
  if (jsonNestingDepth(text, MAX_IMPORT_DEPTH) > MAX_IMPORT_DEPTH) {
    throw new ImportError(
      `${name} is nested more than ${MAX_IMPORT_DEPTH} levels deep, so it is not a memory export (an export is 4 ` +
        `levels deep) and was not read. ${ADVICE}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ImportError(`${name} is not JSON. ${ADVICE}`);
  }
}
