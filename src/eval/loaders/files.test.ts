// Reading benchmark files: streaming a JSON array element by element.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../testing/vitest-fixtures';
import { readJsonArray } from './files';

const tmp = useTempDir('mr1-loaders-');

describe('JSON array streaming', () => {
  it('yields elements split across read chunks, with strings holding brackets, commas and escapes', async () => {
    const file = join(tmp(), 'array.json');
    const items = [{ a: 'x],[{,"y' }, [1, [2, 3]], 'é'.repeat(40_000), { b: '\\"' }, 7];
    await writeFile(file, ` \n${JSON.stringify(items, null, 1)}\n`);
    const out: unknown[] = [];
    for await (const item of readJsonArray(file)) out.push(item);
    expect(out).toEqual(items);
  });

  it('reports a truncated array', async () => {
    const file = join(tmp(), 'cut.json');
    await writeFile(file, '[{"a": 1}, {"b":');
    const drain = async () => {
      for await (const _item of readJsonArray(file)) void _item;
    };
    await expect(drain()).rejects.toThrow(/ends before its JSON array closes/);
  });
});
