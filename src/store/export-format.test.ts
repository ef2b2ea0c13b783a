import { describe, expect, it } from 'vitest';
import { ImportError } from '../core/errors';
import type { MemoryExport } from '../core/types';
import { MAX_FAILURE_TEXT_BYTES, fitFailure, parseImport, truncateUtf8 } from './export-format';

const doc = (): MemoryExport => ({
  format: 'memory-r1-web/memories',
  version: 1,
  exportedAt: 1,
  memories: [
    { id: 'm', text: '<script>alert(1)</script>', createdAt: 1, updatedAt: 1, sourceTurnIds: ['t'] },
  ],
  events: [
    {
      seq: 1,
      batchId: 'b',
      memoryId: 'm',
      type: 'ADD',
      before: null,
      after: '<script>alert(1)</script>',
      turnId: 't',
      time: 1,
    },
  ],
  failures: [],
});

describe('parseImport', () => {
  it('accepts a valid document, from a value or from JSON text, keeping text verbatim', () => {
    expect(parseImport(doc())).toEqual({ kind: 'export', document: doc() });
    expect(parseImport(JSON.stringify(doc()))).toEqual({ kind: 'export', document: doc() });
  });

  it('names the field that is wrong', () => {
    const bad = { ...doc(), memories: [{ ...doc().memories[0], createdAt: 'yesterday' }] };
    expect(() => parseImport(bad)).toThrow(/memories\[0\]\.createdAt/);
  });

  it('tells the user to update the app for a newer version', () => {
    expect(() => parseImport({ ...doc(), version: 2 })).toThrow(/version 2 is not supported.*Update the app/);
  });

  it('names where a forbidden key sits', () => {
    expect(() => parseImport('{"memories":[{"a":{"__proto__":1}}]}')).toThrow(
      /memories\[0\]\.a has a key named "__proto__"/,
    );
  });

  it('rejects a document nested absurdly deep', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => parseImport(deep)).toThrow(ImportError);
  });

  it('reads mem0 lists, including the {results: [...]} wrapper', () => {
    expect(
      parseImport({
        results: [
          {
            id: 7,
            memory: 'Likes tea',
            user_id: 'alice',
            created_at: '2024-01-02T03:04:05Z',
            metadata: { a: 1 },
          },
          { text: 'Has a dog', updated_at: 1_700_000_000_000, conversation_id: 'c' },
        ],
      }),
    ).toEqual({
      kind: 'plain',
      items: [
        { id: '7', text: 'Likes tea', speaker: 'alice', time: Date.parse('2024-01-02T03:04:05Z') },
        { text: 'Has a dog', conversationId: 'c', time: 1_700_000_000_000 },
      ],
    });
  });

  it('explains which event breaks the replay', () => {
    const bad = doc();
    bad.events.push({
      seq: 2,
      batchId: 'b2',
      memoryId: 'm',
      type: 'UPDATE',
      before: 'not it',
      after: 'y',
      time: 2,
    });
    expect(() => parseImport(bad)).toThrow(/Event 2 \(UPDATE of memory m\)/);
  });
});

describe('truncateUtf8 and fitFailure', () => {
  it('cuts on a character boundary within the byte budget and marks the cut', () => {
    const cut = truncateUtf8('😀'.repeat(100), 50);
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(50);
    expect(cut.endsWith('[truncated]')).toBe(true);
    expect(cut.startsWith('😀😀')).toBe(true);
    expect(truncateUtf8('short', 50)).toBe('short');
  });

  it('keeps the text of a failed turn whole up to 1 MiB, and an export holding it imports again', () => {
    const failure = {
      turnId: 't',
      text: 'x'.repeat(200_000),
      turnTime: 1,
      stage: 'extract' as const,
      code: 'model-output-invalid',
      message: 'm'.repeat(70_000),
      time: 1,
      attempts: 1,
    };
    const kept = fitFailure(failure);
    expect(kept.text).toBe(failure.text);
    expect(new TextEncoder().encode(kept.message).length).toBeLessThanOrEqual(65_536);
    expect(parseImport({ ...doc(), failures: [kept] })).toBeDefined();
    expect(() =>
      parseImport({ ...doc(), failures: [{ ...kept, text: 'x'.repeat(MAX_FAILURE_TEXT_BYTES + 1) }] }),
    ).toThrow(/failures\[0\]\.text is a string over 1048576 bytes/);
    expect(() => parseImport({ ...doc(), failures: [{ ...kept, code: 'x'.repeat(70_000) }] })).toThrow(
      /failures\[0\]\.code is a string over 65536 bytes/,
    );
  });

  it('keeps a short failure unchanged', () => {
    const failure = {
      turnId: 't',
      text: 'hi',
      turnTime: 1,
      stage: 'decide' as const,
      code: 'x',
      message: 'm',
      time: 2,
      attempts: 1,
    };
    expect(fitFailure(failure)).toEqual(failure);
  });
});
