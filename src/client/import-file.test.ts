import { describe, expect, it } from 'vitest';
import { ImportError } from '../core/errors';
import { MAX_IMPORT_DEPTH } from '../core/json-depth';
import { parseImportFile } from './import-file';

/** `levels` nested arrays around a number. */
function nested(levels: number): string {
  return `${'['.repeat(levels)}1${']'.repeat(levels)}`;
}

describe('parseImportFile', () => {
  it('parses a document as deep as the limit', () => {
    expect(parseImportFile('ok.json', '[{"text": "Ana likes tea"}]')).toEqual([{ text: 'Ana likes tea' }]);
    expect(parseImportFile('deep-ok.json', nested(MAX_IMPORT_DEPTH))).toBeInstanceOf(Array);
  });

  it('refuses a document one level deeper than the limit, naming the file and what to choose', () => {
    expect(() => parseImportFile('deep.json', nested(MAX_IMPORT_DEPTH + 1))).toThrow(ImportError);
    expect(() => parseImportFile('deep.json', nested(MAX_IMPORT_DEPTH + 1))).toThrow(
      /^deep\.json is nested more than 32 levels deep.*Choose a file made with Export memories/,
    );
  });

  it('refuses a file that is not JSON', () => {
    expect(() => parseImportFile('notes.txt', 'Ana likes tea')).toThrow(
      /^notes\.txt is not JSON\. Choose a file made with Export memories/,
    );
  });
});
